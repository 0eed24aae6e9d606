"""The packet's report, as HTML (escaped by the template engine) and PDF, from one set of facts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .case import RingCase

__all__ = ["report_facts", "write_html", "write_pdf"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
# autoescape: every string from the data (shop names can be hostile HTML) is shown as text
_ENV = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
TIMELINE_SHOWN = 200


def _summary(frame: pd.DataFrame, column: str) -> str:
    if frame.empty:
        return "none"
    counts = frame[column].value_counts()
    return ", ".join(f"{n} {v}" for v, n in counts.items())


def report_facts(
    case: RingCase, packet_id: str, created_at: str, recipient: str, redacted: bool, signer: str = ""
) -> dict:
    score = case.score
    listings = case.listings
    return {
        "case": case,
        "packet_id": packet_id,
        "created_at": created_at,
        "recipient": recipient,
        "redacted": redacted,
        "signer": signer,
        "provinces": ", ".join(
            sorted(set(case.members.get("province", pd.Series(dtype=str)).dropna()) - {""})
        )
        or "unknown",
        "brands": ", ".join(listings["brand"].value_counts().index[:8]) if len(listings) else "none listed",
        "goods_value": float(score.get("goods_value", 0.0) or 0.0),
        "score": float(score.get("ring_score", 0.0) or 0.0),
        "reasons": str(score.get("reasons", "")),
        "test_buy_summary": _summary(case.test_buys, "verdict"),
        "complaint_summary": _summary(case.complaints, "outcome"),
        "members": case.members.fillna("").to_dict("records"),
        "associates": case.associates.fillna("").to_dict("records"),
        "upstream": case.upstream.head(5).to_dict("records"),
        "identifiers": case.identifiers.to_dict("records"),
        "suppressed": case.suppressed.to_dict("records") if len(case.suppressed) else [],
        "timeline": case.timeline.head(TIMELINE_SHOWN).to_dict("records"),
        "timeline_total": len(case.timeline),
        "settings_text": json.dumps(case.methods.get("settings", {}), sort_keys=True, default=str),
    }


def write_html(facts: dict, path: Path) -> Path:
    path.write_text(_ENV.get_template("report.html").render(**facts), encoding="utf-8")
    return path


# a CJK font (with Latin) embedded in every report: shops, addresses and companies are mostly Chinese
FONT = Path(__file__).resolve().parent.parent / "fonts" / "wqy-microhei.ttc"
# the longest value a PDF cell shows; the exports keep every value whole
CELL_CHARS = 240


def _cell(value, limit: int = CELL_CHARS) -> str:
    """A value as PDF cell text: printable, and shortened (saying so) when a seller made it long.

    >>> _cell("x" * 300, 10)
    'xxxxxxxxxx… (300 characters; whole in the CSV exports)'
    """
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    if len(text) > limit:
        return f"{text[:limit]}… ({len(text):,} characters; whole in the CSV exports)"
    return text


def _grouped(rows: list[list]) -> list[list]:
    """Identical rows once each, the repeats counted in the first cell (``S1 (×600)``)."""
    counts: dict[tuple, int] = {}
    for row in rows:
        key = tuple(_cell(v) for v in row)
        counts[key] = counts.get(key, 0) + 1
    return [[f"{k[0]} (×{n})" if n > 1 else k[0], *k[1:]] for k, n in counts.items()]


class _Report(FPDF):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for style in ("", "B"):
            self.add_font("report", style, fname=FONT)

    def section(self, title: str) -> None:
        self.set_font("report", "B", 13)
        self.ln(3)
        self.cell(0, 8, _cell(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("report", size=8)

    def line_of_text(self, text: str, size: int = 8) -> None:
        self.set_font("report", size=size)
        self.multi_cell(0, 4.5, _cell(text, 4 * CELL_CHARS), new_x="LMARGIN", new_y="NEXT")

    def rows(self, header: list[str], rows: list[list], widths: tuple[int, ...] | None = None) -> None:
        self.set_font("report", size=7)
        with self.table(col_widths=widths, text_align="LEFT", line_height=4) as table:
            table.row([_cell(h) for h in header])
            for row in _grouped(rows):
                table.row(row)


def write_pdf(facts: dict, folder: Path, path: Path) -> Path:
    case: RingCase = facts["case"]
    pdf = _Report(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("report", "B", 16)
    pdf.cell(0, 10, _cell(f"Lead packet: ring {case.ring_id}"), new_x="LMARGIN", new_y="NEXT")
    pdf.line_of_text(
        f"Packet {facts['packet_id']} - created {facts['created_at']} - for {facts['recipient']}"
        + (" - personal identifiers redacted" if facts["redacted"] else "")
    )
    pdf.section("1. The ring in one page")
    over = "over" if facts["goods_value"] >= case.referral_threshold else "under"
    pdf.rows(
        ["fact", "value"],
        [
            ["Storefronts", len(case.members)],
            ["Provinces", facts["provinces"]],
            ["Brands", facts["brands"]],
            [
                "Estimated goods value",
                f"{facts['goods_value']:,.0f} RMB ({over} the threshold of {case.referral_threshold:,.0f})",
            ],
            ["Ring score", f"{facts['score']:.2f}: {facts['reasons']}"],
            ["Test buys", facts["test_buy_summary"]],
            ["Complaints", facts["complaint_summary"]],
            ["Suggested jurisdiction", case.jurisdiction],
        ],
        (40, 230),
    )
    pdf.rows(
        ["seller", "shop name", "status", "person ID", "phone", "payout account", "city", "weight", "record"],
        [
            [
                m["seller_id"],
                m["shop_name"],
                m["status"],
                m["person_id"],
                m["phone"],
                m["bank_account"],
                m["city"],
                m["evidence_weight"],
                m["provenance"],
            ]
            for m in facts["members"]
        ],
    )
    if facts["associates"]:
        pdf.line_of_text(
            "Associated, not established: tied to the ring by weak ties only (one device, IP or "
            "ship-from address); not members of the ring and not named as such."
        )
        pdf.rows(
            ["seller", "shop name", "standing", "ties and records"],
            [[a["seller_id"], a["shop_name"], a["standing"], a["evidence"]] for a in facts["associates"]],
            (25, 50, 45, 150),
        )
    pdf.section("2. Upstream sources")
    pdf.rows(
        ["rank", "organisation", "kind", "score", "goods", "money", "exclusive", "evidence path"],
        [
            [
                u["rank"],
                f"{u['entity_id']} {u.get('entity_name', '')}"
                + (f" (also recorded as {u['aliases'].replace(';', ', ')})" if u.get("aliases") else ""),
                u.get("org_kind", ""),
                u["score"],
                u.get("goods_share", ""),
                u.get("money_share", ""),
                u.get("exclusivity", ""),
                u["evidence"],
            ]
            for u in facts["upstream"]
        ],
        (10, 40, 18, 14, 14, 14, 16, 144),
    )
    pdf.section("3. What ties the storefronts together")
    pdf.rows(
        ["identifier", "value", "sharing", "seller", "records"],
        [
            [i["kind"], i["value"], i["shared_with"] + 1, i["seller_id"], i["provenance"]]
            for i in facts["identifiers"]
        ],
        (25, 60, 15, 25, 145),
    )
    if facts["suppressed"]:
        pdf.line_of_text("Suppressed as hubs (not counted as evidence):")
        pdf.rows(
            ["identifier", "value", "sellers sharing it", "cap"],
            [[h["kind"], h["value"], h["degree"], h["max_degree"]] for h in facts["suppressed"]],
        )
    pdf.section("4. Timeline")
    pdf.line_of_text(
        f"{facts['timeline_total']} events; the first {len(facts['timeline'])} are shown, "
        "all in timeline.csv."
    )
    pdf.rows(
        ["when", "event", "detail", "record"],
        [[str(t["when"])[:19], t["event"], t["detail"], t["provenance"]] for t in facts["timeline"]],
        (40, 35, 130, 65),
    )
    pdf.add_page()
    pdf.section("5. Map and network")
    pdf.image(str(folder / "map.png"), w=130)
    pdf.image(str(folder / "network.png"), x=150, y=pdf.get_y() - 106 if pdf.get_y() > 110 else None, w=130)
    pdf.add_page()
    pdf.section("6. Methods")
    pdf.rows(
        ["fact", "value"],
        [
            ["Input data fingerprint (SHA-256)", case.methods.get("input_fingerprint", "")],
            ["Detection method", case.methods.get("method", "")],
            ["Parameters", facts["settings_text"]],
            ["Software", f"counterfeit-ring-workbench {case.methods.get('software_version', '')}"],
            ["Signed by", f"the sender's Ed25519 key {facts['signer']}"],
        ],
        (60, 210),
    )
    pdf.line_of_text(
        "To check this packet: `workbench verify PACKET --public-key SENDER.pub` checks the signature "
        "over manifest.json and re-computes every file's SHA-256 against it; the key's fingerprint "
        "above must match the one in the sender's cover letter."
    )
    pdf.output(str(path))
    return path
