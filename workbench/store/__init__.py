"""Graph stores behind one contract: the embedded store (default) and, for deployments, Neo4j."""

from .base import GraphStore, table_key
from .memory_store import EmbeddedStore, MemoryStore

__all__ = ["GraphStore", "EmbeddedStore", "MemoryStore", "table_key"]
