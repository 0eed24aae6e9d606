"""What needs a decision today, for the Overview: flagged rings over the referral threshold with no
case, rings the last analysis changed, screening hits nobody judged, decisions the data
contradicts, and cases nobody touched for weeks; each row names the ring to open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from workbench.analytics.decisions import in_force

__all__ = ["ATTENTION_COLUMNS", "needs_attention"]

ATTENTION_COLUMNS = ["what", "ring_id", "detail"]
STALE_DAYS = 14


def needs_attention(
    store, rings: pd.DataFrame, flag_score: float, now: datetime | None = None
) -> pd.DataFrame:
    """Rows ``what, ring_id, detail``, the most urgent kind first."""
    now = now or datetime.now(UTC)
    rows: list[dict] = []
    status = store.case_status()
    state = status["status"] if len(status) else pd.Series(dtype=object)
    if len(rings):
        referable = rings["referable"].astype(bool) if "referable" in rings else False
        flagged = rings[(rings["ring_score"] >= flag_score) & referable]
        for ring in flagged.sort_values("ring_score", ascending=False).itertuples(index=False):
            if state.get(ring.ring_id, "open") == "open":
                rows.append(
                    {
                        "what": "over the referral threshold, no case opened",
                        "ring_id": ring.ring_id,
                        "detail": f"score {ring.ring_score:.2f}, goods about {ring.goods_value:,.0f} RMB",
                    }
                )
    changes = store.result("changes")
    for change in changes.itertuples(index=False) if len(changes) else ():
        if change.change in ("new", "grew", "merged"):
            added = [s for s in str(change.members_added or "").split(";") if s]
            rows.append(
                {
                    "what": f"{change.change} in the last analysis",
                    "ring_id": change.ring_id,
                    "detail": f"{len(added)} new member(s): {', '.join(added[:5])}" if added else "",
                }
            )
    hits = store.result("screening")
    if len(hits):
        decisions = in_force(store.decisions())
        judged = set(decisions.loc[decisions["kind"].isin(["hit-confirmed", "hit-dismissed"]), "subject"])
        open_hits = hits[(hits["risk"].astype(float) >= 0.5) & ~hits["seller_id"].isin(judged)]
        for hit in open_hits.sort_values("risk", ascending=False).head(20).itertuples(index=False):
            rows.append(
                {
                    "what": "screening hit not judged",
                    "ring_id": hit.ring_id,
                    "detail": f"{hit.seller_id} risk {float(hit.risk):.2f}: {hit.reasons[:120]}",
                }
            )
    conflicts = store.result("conflicts")
    for conflict in conflicts.itertuples(index=False) if len(conflicts) else ():
        rows.append(
            {
                "what": "decision contradicted by the data",
                "ring_id": conflict.target if str(conflict.target).startswith("R-") else "",
                "detail": f"{conflict.decision_id} ({conflict.kind})",
            }
        )
    if len(status):
        stale = status[
            (status["status"] == "in progress")
            & (pd.to_datetime(status["changed_at"], utc=True) < now - timedelta(days=STALE_DAYS))
        ]
        for ring_id, row in stale.iterrows():
            rows.append(
                {
                    "what": f"case untouched for {STALE_DAYS}+ days",
                    "ring_id": ring_id,
                    "detail": f"last changed {str(row['changed_at'])[:10]} by {row['changed_by']}",
                }
            )
    return pd.DataFrame(rows, columns=ATTENTION_COLUMNS)
