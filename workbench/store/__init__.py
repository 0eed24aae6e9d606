"""Graph stores behind one contract: the embedded MemoryStore (default) and, for deployments, Neo4j."""

from .base import GraphStore, table_key
from .memory_store import MemoryStore

__all__ = ["GraphStore", "MemoryStore", "open_store", "table_key"]


def open_store(path: str, create: bool = True) -> GraphStore:
    """Open the embedded store at ``path``."""
    return MemoryStore(path, create=create)
