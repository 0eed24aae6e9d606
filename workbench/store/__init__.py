"""Graph stores behind one contract: the embedded MemoryStore (default) and, for deployments, Neo4j."""

from .base import GraphStore, table_key
from .memory_store import MemoryStore

__all__ = ["GraphStore", "MemoryStore", "table_key"]
