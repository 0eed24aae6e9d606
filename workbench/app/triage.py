"""What needs a decision today, for the Overview: flagged rings over the referral threshold with no
case, rings the last analysis changed, screening hits nobody judged, decisions the data
contradicts, and cases nobody touched for weeks; each row names the ring to open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from workbench.analytics.decisions import in_force
from workbench.i18n import N_, _

__all__ = ["ATTENTION_COLUMNS", "needs_attention"]

ATTENTION_COLUMNS = ["what", "ring_id", "detail"]
STALE_DAYS = 14
CHANGE_WORDS = {
    "new": N_("new in the last analysis"),
    "grew": N_("grew in the last analysis"),
    "merged": N_("merged in the last analysis"),
}


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
                        "what": _("over the referral threshold, no case opened"),
                        "ring_id": ring.ring_id,
                        "detail": _("score {score:.2f}, goods about {value:,.0f} RMB").format(
                            score=ring.ring_score, value=ring.goods_value
                        ),
                    }
                )
    changes = store.result("changes")
    for change in changes.itertuples(index=False) if len(changes) else ():
        if change.change in ("new", "grew", "merged"):
            added = [s for s in str(change.members_added or "").split(";") if s]
            rows.append(
                {
                    "what": _(CHANGE_WORDS[change.change]),
                    "ring_id": change.ring_id,
                    "detail": _("{n} new member(s): {members}").format(
                        n=len(added), members=", ".join(added[:5])
                    )
                    if added
                    else "",
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
                    "what": _("screening hit not judged"),
                    "ring_id": hit.ring_id,
                    "detail": _("{seller} risk {risk:.2f}: {reasons}").format(
                        seller=hit.seller_id, risk=float(hit.risk), reasons=hit.reasons[:120]
                    ),
                }
            )
    conflicts = store.result("conflicts")
    for conflict in conflicts.itertuples(index=False) if len(conflicts) else ():
        rows.append(
            {
                "what": _("decision contradicted by the data"),
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
                    "what": _("case untouched for {days}+ days").format(days=STALE_DAYS),
                    "ring_id": ring_id,
                    "detail": _("last changed {date} by {who}").format(
                        date=str(row["changed_at"])[:10], who=row["changed_by"]
                    ),
                }
            )
    return pd.DataFrame(rows, columns=ATTENTION_COLUMNS)
