"""The screening API for a platform's registration flow: POST new sellers and their identifiers,
get each one's risk, likely ring and reasons. Token required; loopback by default; OpenAPI schema
at /openapi.json."""

from __future__ import annotations

import hmac

import pandas as pd
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

from graph_loaders.normalise import normalise_identifiers
from workbench import __version__
from workbench.analytics.screening import Screener
from workbench.model import LINK_KINDS

__all__ = ["make_app"]


class NewSeller(BaseModel):
    seller_id: str = Field(min_length=1, max_length=200)
    shop_name: str = Field(default="", max_length=500)


class NewLink(BaseModel):
    seller_id: str = Field(min_length=1, max_length=200)
    kind: str = Field(description=f"one of {', '.join(LINK_KINDS)}")
    value: str = Field(min_length=1, max_length=500)
    role: str = Field(default="", max_length=100)


class Registrations(BaseModel):
    sellers: list[NewSeller] = Field(max_length=10_000)
    seller_links: list[NewLink] = Field(default_factory=list, max_length=200_000)


class Screening(BaseModel):
    seller_id: str
    risk: float = Field(description="0 to 1")
    ring_id: str = Field(description="the ring it most likely belongs to; empty if none")
    matched_seller_id: str
    reasons: str


class Rejected(BaseModel):
    row: int = Field(description="position in seller_links")
    field: str
    value: str
    reason: str


class ScreeningResult(BaseModel):
    results: list[Screening]
    rejected: list[Rejected]


def make_app(screener: Screener, token: str, default_country: str = "86") -> FastAPI:
    """The API over one screener (built once from the store, kept in memory)."""
    if len(token) < 16:
        raise ValueError("the API token must be at least 16 characters")
    # no /docs page: Swagger UI would load its scripts from a CDN
    app = FastAPI(
        title="Counterfeit Ring Workbench screening", version=__version__, docs_url=None, redoc_url=None
    )

    def authorised(authorization: str = Header(default="")) -> None:
        given = authorization.removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(
                status_code=401, detail="a valid token is required (Authorization: Bearer TOKEN)"
            )

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "watched_identifiers": len(screener.by_key), "hubs": len(screener.hubs)}

    @app.post("/screen", response_model=ScreeningResult, dependencies=[Depends(authorised)])
    def screen(body: Registrations) -> ScreeningResult:
        """Risk, likely ring and reasons for each new seller; links of an unknown kind, a value that
        does not normalise, or a seller not among ``sellers`` are rejected with the reason."""
        sellers = pd.DataFrame([s.model_dump() for s in body.sellers], columns=["seller_id", "shop_name"])
        links = pd.DataFrame(
            [link.model_dump() for link in body.seller_links], columns=["seller_id", "kind", "value", "role"]
        )
        rejected: list[Rejected] = []
        bad_kind = ~links["kind"].isin(LINK_KINDS)
        unknown = ~links["seller_id"].isin(set(sellers["seller_id"]))
        for row in links.index[bad_kind]:
            rejected.append(
                Rejected(
                    row=int(row),
                    field="kind",
                    value=links.at[row, "kind"],
                    reason=f"kind must be one of {', '.join(LINK_KINDS)}",
                )
            )
        for row in links.index[unknown & ~bad_kind]:
            rejected.append(
                Rejected(
                    row=int(row),
                    field="seller_id",
                    value=links.at[row, "seller_id"],
                    reason="not among the sellers sent",
                )
            )
        kept = links[~bad_kind & ~unknown]
        values, reasons = normalise_identifiers(kept["kind"], kept["value"], default_country)
        for row in kept.index[reasons != ""]:
            rejected.append(
                Rejected(row=int(row), field="value", value=kept.at[row, "value"], reason=reasons[row])
            )
        kept = kept.assign(value=values)[reasons == ""]
        found = screener.screen(sellers, kept)
        return ScreeningResult(results=found.to_dict("records"), rejected=rejected)

    return app
