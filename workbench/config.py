"""Settings from the environment (``WORKBENCH_*``), typed and validated once."""

from __future__ import annotations

import os

from pydantic import BaseModel, Field, ValidationError

from .errors import WorkbenchError

__all__ = ["Settings", "Neo4jSettings"]


class Settings(BaseModel):
    """What the workbench may be told from outside; defaults suit the embedded store."""

    # country code given to national phone numbers before matching
    default_country: str = Field("86", pattern=r"^\d{1,3}$")
    # where `workbench app` and later commands find the embedded store
    store: str | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {
            name: env[f"WORKBENCH_{name.upper()}"]
            for name in cls.model_fields
            if f"WORKBENCH_{name.upper()}" in env
        }
        try:
            return cls(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]).upper()
            raise WorkbenchError(f"WORKBENCH_{field}: {first['msg']}") from None


class Neo4jSettings(BaseModel):
    """Where the Neo4j store is: ``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``."""

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    # never logged or shown: repr hides it
    password: str | None = Field(None, repr=False)
    database: str = "neo4j"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **given) -> Neo4jSettings:
        env = os.environ if environ is None else environ
        values = {
            name: env[f"NEO4J_{name.upper()}"] for name in cls.model_fields if f"NEO4J_{name.upper()}" in env
        }
        values.update({k: v for k, v in given.items() if v})
        return cls(**values)
