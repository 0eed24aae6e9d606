"""What every page shares: the store the app was started on, opened once per session."""

from __future__ import annotations

import os

import streamlit as st

from workbench.store import MemoryStore

__all__ = ["open_store", "store_at"]


@st.cache_resource
def store_at(path: str) -> MemoryStore:
    """The store at ``path``, opened once per app process (its tables stay in memory)."""
    return MemoryStore(path, create=False)


def open_store() -> MemoryStore | None:
    """The store in WORKBENCH_STORE, or an error on the page saying how to build one."""
    path = os.environ.get("WORKBENCH_STORE")
    if not path or not os.path.isdir(path):
        st.error(
            "No store to open. Build one with `workbench analyze DATA --out OUT --store STORE` "
            "and start the app with `workbench app --store STORE`."
        )
        return None
    return store_at(path)
