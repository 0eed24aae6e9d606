"""Settings from the environment (``WORKBENCH_*``), typed and validated once."""

from __future__ import annotations

import os

from pydantic import BaseModel, Field, ValidationError

from .errors import WorkbenchError

__all__ = ["Settings"]


class Settings(BaseModel):
    """What the workbench may be told from outside; defaults suit the embedded store."""

    # country code given to national phone numbers before matching
    default_country: str = Field("86", pattern=r"^\d{1,3}$")
    # where `workbench app` and later commands find the embedded store
    store: str | None = None
    # illegal business volume (RMB) above which a ring is worth a criminal referral in China
    referral_threshold: float = Field(50_000.0, gt=0)

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
