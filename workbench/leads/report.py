"""The packet's report, as HTML (escaped by the template engine) and PDF, from one set of facts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .case import RingCase

__all__ = ["report_facts", "write_html", "write_pdf", "when", "SCORE_FORMAT"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
# autoescape: every string from the data (shop names can be hostile HTML) is shown as text
_ENV = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
TIMELINE_SHOWN = 200
# the precision the app shows a ring's score with: the packet says the same number
SCORE_FORMAT = "{:.3f}"


def when(value) -> str:
    """A date or time as people write it: ``2024-03-05`` at midnight, ``2024-03-05 14:20`` else
    (UTC, no ``+00:00``); text that is no date is kept as it is.

    >>> when("2024-03-05T00:00:00+00:00"), when(pd.Timestamp("2024-03-05 14:20:31", tz="UTC"))
    ('2024-03-05', '2024-03-05 14:20')
    >>> when(None), when("soon")
    ('', 'soon')
    """
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return ""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return str(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")


def _share(value) -> str:
    """A share as a percentage (``0.4213`` -> ``42%``); blank when not measured."""
    try:
        return f"{float(value):.0%}"
    except (TypeError, ValueError):
        return ""


def _source_read(source: dict) -> dict:
    """A ranked source with its score at the app's precision and shares as percentages."""
    out = dict(source)
    out["score"] = SCORE_FORMAT.format(float(source.get("score", 0.0) or 0.0))
    for column in ("goods_share", "money_share", "exclusivity"):
        out[column] = _share(source.get(column))
    return out


def _recipient_warning(recipient: str, place: tuple[str, str], jurisdiction: str) -> str:
    """A line when the packet goes to a unit other than the one the evidence points to."""
    city, province = place
    if not city:
        return ""
    named = recipient.casefold()
    if city.casefold() in named or (province and province.casefold() in named):
        return ""
    return (
        f"Note: this packet is addressed to {recipient}, but the evidence points to {city} "
        f"({province}). {jurisdiction}"
    )


REDACTION_NOTE = (
    "Personal identifiers (person IDs, phones, e-mails, payout accounts, devices, IP addresses) are "
    "replaced by tokens (the kind, then 16 hexadecimal digits, such as phone:3fa2…); equal tokens "
    "are the same value, so every link between storefronts stands. The key to the tokens stays "
    "with the sender ({signer}). To obtain the real values, send the sender a formal request naming "
    "packet {packet_id} and the tokens needed; the sender resolves them from the case register "
    "with `workbench resolve-tokens {packet_id} TOKEN ... --request REF` (each resolution is "
    "recorded in the audit trail)."
)


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
        "score_text": SCORE_FORMAT.format(float(score.get("ring_score", 0.0) or 0.0)),
        "platforms": ", ".join(
            sorted(set(case.members.get("platform", pd.Series(dtype=str)).dropna()) - {""})
        )
        or "not recorded",
        "rights_holders": _summary(case.complaints, "rights_holder")
        if "rights_holder" in case.complaints
        else "none",
        "test_buys": [
            {
                "test_buy_id": t.get("test_buy_id", ""),
                "bought_at": when(t.get("bought_at")),
                "verdict": t.get("verdict", ""),
                "product": t.get("product", ""),
                "brand": t.get("brand", ""),
                "ship_from": t.get("ship_from", ""),
                "listing_id": t.get("listing_id", ""),
                "provenance": t.get("provenance", ""),
            }
            for t in case.test_buys.to_dict("records")
        ],
        "notes": [
            {**n, "changed_at": when(n["changed_at"])} for n in case.notes.fillna("").to_dict("records")
        ],
        "recipient_warning": _recipient_warning(recipient, case.jurisdiction_place, case.jurisdiction),
        "redaction_note": REDACTION_NOTE.format(signer=signer or "the sender's key", packet_id=packet_id)
        if redacted
        else "",
        "created_text": when(created_at),
        "members": [
            {**m, "registered_at": when(m.get("registered_at"))}
            for m in case.members.fillna("").to_dict("records")
        ],
        "associates": case.associates.fillna("").to_dict("records"),
        "upstream": [_source_read(u) for u in case.upstream.head(5).to_dict("records")],
        "identifiers": case.identifiers.to_dict("records"),
        "suppressed": case.suppressed.to_dict("records") if len(case.suppressed) else [],
        "timeline": [
            {**t, "when": when(t["when"])} for t in case.timeline.head(TIMELINE_SHOWN).to_dict("records")
        ],
        "timeline_total": len(case.timeline),
        "settings_text": json.dumps(case.methods.get("settings", {}), sort_keys=True, default=str),
    }


def write_html(facts: dict, path: Path) -> Path:
    page = _ENV.get_template("report.html").render(**facts, summary=summary_rows(facts))
    path.write_text(page, encoding="utf-8")
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


def summary_rows(facts: dict) -> list[list[str]]:
    """The one-page summary, as (fact, value) rows: the same in the HTML and the PDF report."""
    case: RingCase = facts["case"]
    over = "over" if facts["goods_value"] >= case.referral_threshold else "under"
    top = facts["upstream"][0] if facts["upstream"] else None
    counterfeit = [t for t in facts["test_buys"] if t["verdict"] == "counterfeit"]
    return [
        ["Storefronts", f"{len(case.members)} on {facts['platforms']}"],
        ["Provinces", facts["provinces"]],
        ["Brands", facts["brands"]],
        ["Rights holders who complained", facts["rights_holders"]],
        [
            "Estimated goods value",
            f"{facts['goods_value']:,.0f} RMB ({over} the referral threshold of "
            f"{case.referral_threshold:,.0f} RMB)",
        ],
        ["Ring score", f"{facts['score_text']} (0 to 1): {facts['reasons']}"],
        [
            "Test buys",
            facts["test_buy_summary"]
            + (
                "; counterfeit: "
                + "; ".join(
                    f"{t['product'] or t['brand']} on {t['bought_at']} from {t['ship_from']}"
                    for t in counterfeit[:3]
                )
                + (f" and {len(counterfeit) - 3} more" if len(counterfeit) > 3 else "")
                if counterfeit
                else ""
            ),
        ],
        ["Complaints", facts["complaint_summary"]],
        [
            "Most likely source",
            f"{top['entity_id']} {top.get('entity_name', '')} (rank 1 of {len(facts['upstream'])})"
            if top
            else "none found",
        ],
        ["Suggested jurisdiction", case.jurisdiction],
        [
            "Case",
            f"{last['status']} since {last['changed_at']} ({len(facts['notes'])} note(s))"
            if (last := facts["notes"][-1] if facts["notes"] else None)
            else "no case notes",
        ],
    ]


def write_pdf(facts: dict, folder: Path, path: Path) -> Path:
    case: RingCase = facts["case"]
    pdf = _Report(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("report", "B", 16)
    pdf.cell(0, 10, _cell(f"Lead packet: ring {case.ring_id}"), new_x="LMARGIN", new_y="NEXT")
    pdf.line_of_text(
        f"Packet {facts['packet_id']} - created {facts['created_text']} (UTC) - for {facts['recipient']}"
        + (" - personal identifiers redacted" if facts["redacted"] else "")
    )
    if facts["recipient_warning"]:
        pdf.set_text_color(170, 0, 0)
        pdf.line_of_text(facts["recipient_warning"], size=9)
        pdf.set_text_color(0, 0, 0)
    # page 1 is the whole case in brief: an officer decides from it whether to read on
    pdf.section("1. The case in one page")
    pdf.rows(["fact", "value"], summary_rows(facts), (45, 225))
    if facts["redaction_note"]:
        pdf.line_of_text(facts["redaction_note"])
    pdf.add_page()
    pdf.section("Storefronts")
    pdf.rows(
        [
            "seller",
            "shop name",
            "platform",
            "status",
            "registered",
            "person ID",
            "phone",
            "payout account",
            "city",
            "weight",
            "record",
        ],
        [
            [
                m["seller_id"],
                m["shop_name"],
                m["platform"],
                m["status"],
                m["registered_at"],
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
    if facts["test_buys"]:
        pdf.section("Test buys")
        pdf.rows(
            ["test buy", "date", "verdict", "product", "brand", "shipped from", "listing", "record"],
            [
                [
                    t["test_buy_id"],
                    t["bought_at"],
                    t["verdict"],
                    t["product"],
                    t["brand"],
                    t["ship_from"],
                    t["listing_id"],
                    t["provenance"],
                ]
                for t in facts["test_buys"]
            ],
        )
    if facts["notes"]:
        pdf.section("Case notes")
        pdf.rows(
            ["when", "status", "note", "by"],
            [[n["changed_at"], n["status"], n["note"], n["changed_by"]] for n in facts["notes"]],
            (35, 25, 170, 40),
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
        [[t["when"], t["event"], t["detail"], t["provenance"]] for t in facts["timeline"]],
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
