"""How fast the app answers on a 100,000-seller store: every page's first open (its caches emptied
first, as in a freshly started server) and a later open, then ring selection and graph expansion
(Streamlit's AppTest runs the pages in this process).

    python benchmarks/app_timing.py [--sellers 100000] [--store DIR]

Prints one JSON line; targets: the explorer's first open < 2 s, every page's later open < 5 s,
selection and expansion < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from workbench.app.testing import PAGE_FUNCTIONS, page_test  # noqa: E402
from workbench.pipeline import analyze  # noqa: E402
from workbench.store import MemoryStore  # noqa: E402
from workbench.synth.generator import generate_marketplace  # noqa: E402

# every page the app has (the audit trail too), the Overview first as a session opens on it
PAGES = tuple(PAGE_FUNCTIONS)


def _page(name: str) -> AppTest:
    return page_test(name, timeout=600)


def _timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sellers", type=int, default=100_000)
    parser.add_argument("--store", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = args.store
        if store_dir is None:
            data = Path(tmp) / "data"
            generate_marketplace(data, sellers=args.sellers, rings=max(args.sellers // 250, 10), seed=5)
            store_dir = Path(tmp) / "store"
            analyze(data, Path(tmp) / "out", MemoryStore(store_dir))
        os.environ["WORKBENCH_STORE"] = str(store_dir)
        figures = {}
        # a served app imports every page when it starts (app.py -> workbench.app.main), before
        # anyone opens one: the imports are not part of a page's first open
        import workbench.app.main  # noqa: F401

        for page in PAGES:
            st.cache_data.clear()  # a freshly started server: nothing computed yet
            st.cache_resource.clear()
            figures[f"{page}_first_s"], at = _timed(lambda page=page: _page(page).run())
            assert not at.exception, (page, at.exception)
            figures[f"{page}_again_s"], _ = _timed(lambda page=page: _page(page).run())
            if page == PAGES[0]:
                # a served app imports the hot-spot statistics once its first page is drawn, while
                # its reader reads it (about 3 s): done before the next page is timed
                workbench.app.main._import_slow_libraries_once()
                for thread in threading.enumerate():
                    if thread.name == "import-hotspot-statistics":
                        thread.join()
        at = _page("rings").run()
        picker = next(s for s in at.selectbox if s.label == "Ring")
        figures["ring_selection_s"], at = _timed(lambda: picker.set_value(picker.options[-1]).run())
        assert not at.exception, at.exception
        at = _page("network").run()
        picker = next(s for s in at.selectbox if s.label == "Ring")
        figures["network_ring_selection_s"], at = _timed(lambda: picker.set_value(picker.options[3]).run())
        expand = next(b for b in at.button if b.label == "Expand")
        figures["network_expansion_s"], at = _timed(lambda: expand.click().run())
        assert not at.exception, at.exception
        sellers = len(MemoryStore(store_dir).table("sellers"))
    print(
        json.dumps(
            {
                "benchmark": "app_timing",
                "sellers": sellers,
                **{k: round(v, 2) for k, v in figures.items()},
                "targets": {
                    "network_first_s": 2,
                    "every_page_again_s": 5,
                    "ring_selection_s": 1,
                    "network_expansion_s": 1,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
