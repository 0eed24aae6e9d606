"""The packet's report, as HTML (escaped by the template engine) and PDF, from one set of facts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, select_autoescape

from workbench.analytics.scoring import reasons_of
from workbench.i18n import N_, _, current_language

from .case import RingCase

__all__ = ["report_facts", "write_html", "write_pdf", "when", "SCORE_FORMAT"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
# autoescape: every string from the data (shop names can be hostile HTML) is shown as text
_ENV = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))
# the report's words in the language it is written in (``workbench.i18n``; the catalogue holds both)
_ENV.globals["_"] = _
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
    return _(
        "Note: this packet is addressed to {recipient}, but the evidence points to {city} ({province}). "
        "{jurisdiction}"
    ).format(recipient=recipient, city=city, province=province, jurisdiction=jurisdiction)


REDACTION_NOTE = N_(
    "Personal identifiers (person IDs, phones, e-mails, payout accounts, devices, IP addresses) are "
    "replaced by tokens (the kind, then 16 hexadecimal digits, such as phone:3fa2…); equal tokens "
    "are the same value, so every link between storefronts stands. The key to the tokens stays "
    "with the sender ({signer}). To obtain the real values, send the sender a formal request naming "
    "packet {packet_id} and the tokens needed; the sender resolves them from the case register "
    "with `workbench resolve-tokens {packet_id} TOKEN ... --request REF` (each resolution is "
    "recorded in the audit trail)."
)


# the input format's verdicts and complaint outcomes, as the report names them
VERDICTS = (N_("counterfeit"), N_("genuine"), N_("inconclusive"), N_("upheld"), N_("rejected"), N_("pending"))


def _summary(frame: pd.DataFrame, column: str) -> str:
    if frame.empty:
        return _("none")
    counts = frame[column].value_counts()
    return ", ".join(f"{n} {_(str(v))}" for v, n in counts.items())


def _reasons(score) -> str:
    """The score's reasons in the report's language (the stored words are English)."""
    row = pd.Series(score)
    if current_language() != "en" and any(str(c).startswith("contrib_") for c in row.index):
        return reasons_of(row)
    return str(row.get("reasons", ""))


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
        or _("unknown"),
        "brands": ", ".join(listings["brand"].value_counts().index[:8])
        if len(listings)
        else _("none listed"),
        "goods_value": float(score.get("goods_value", 0.0) or 0.0),
        "score": float(score.get("ring_score", 0.0) or 0.0),
        "reasons": _reasons(score),
        "language": current_language(),
        "test_buy_summary": _summary(case.test_buys, "verdict"),
        "complaint_summary": _summary(case.complaints, "outcome"),
        "score_text": SCORE_FORMAT.format(float(score.get("ring_score", 0.0) or 0.0)),
        "platforms": ", ".join(
            sorted(set(case.members.get("platform", pd.Series(dtype=str)).dropna()) - {""})
        )
        or _("not recorded"),
        "rights_holders": _summary(case.complaints, "rights_holder")
        if "rights_holder" in case.complaints
        else _("none"),
        "test_buys": [
            {
                "test_buy_id": t.get("test_buy_id", ""),
                "bought_at": when(t.get("bought_at")),
                "verdict": t.get("verdict", ""),
                "verdict_text": _(str(t.get("verdict", ""))),
                "product": t.get("product", ""),
                "brand": t.get("brand", ""),
                "ship_from": t.get("ship_from", ""),
                "listing_id": t.get("listing_id", ""),
                "provenance": t.get("provenance", ""),
            }
            for t in case.test_buys.to_dict("records")
        ],
        "notes": [
            {**n, "changed_at": when(n["changed_at"]), "status": _(str(n["status"]))}
            for n in case.notes.fillna("").to_dict("records")
        ],
        "recipient_warning": _recipient_warning(recipient, case.jurisdiction_place, case.jurisdiction),
        "redaction_note": _(REDACTION_NOTE).format(
            signer=signer or _("the sender's key"), packet_id=packet_id
        )
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
        return _("{text}… ({n:,} characters; whole in the CSV exports)").format(
            text=text[:limit], n=len(text)
        )
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
    value = (
        _("{value:,.0f} RMB (over the referral threshold of {threshold:,.0f} RMB)")
        if facts["goods_value"] >= case.referral_threshold
        else _("{value:,.0f} RMB (under the referral threshold of {threshold:,.0f} RMB)")
    ).format(value=facts["goods_value"], threshold=case.referral_threshold)
    top = facts["upstream"][0] if facts["upstream"] else None
    counterfeit = [t for t in facts["test_buys"] if t["verdict"] == "counterfeit"]
    bought = "; ".join(
        _("{product} on {date} from {origin}").format(
            product=t["product"] or t["brand"], date=t["bought_at"], origin=t["ship_from"]
        )
        for t in counterfeit[:3]
    )
    if len(counterfeit) > 3:
        bought += " " + _("and {n} more").format(n=len(counterfeit) - 3)
    last = facts["notes"][-1] if facts["notes"] else None
    return [
        [_("Storefronts"), _("{n} on {platforms}").format(n=len(case.members), platforms=facts["platforms"])],
        [_("Provinces"), facts["provinces"]],
        [_("Brands"), facts["brands"]],
        [_("Rights holders who complained"), facts["rights_holders"]],
        [_("Estimated goods value"), value],
        [
            _("Ring score"),
            _("{score} (0 to 1): {reasons}").format(score=facts["score_text"], reasons=facts["reasons"]),
        ],
        [
            _("Test buys"),
            facts["test_buy_summary"]
            + ("; " + _("counterfeit: {bought}").format(bought=bought) if counterfeit else ""),
        ],
        [_("Complaints"), facts["complaint_summary"]],
        [
            _("Most likely source"),
            _("{source} {name} (rank 1 of {n})").format(
                source=top["entity_id"], name=top.get("entity_name", ""), n=len(facts["upstream"])
            )
            if top
            else _("none found"),
        ],
        [_("Suggested jurisdiction"), case.jurisdiction],
        [
            _("Case"),
            _("{status} since {date} ({n} note(s))").format(
                status=last["status"], date=last["changed_at"], n=len(facts["notes"])
            )
            if last
            else _("no case notes"),
        ],
    ]


def write_pdf(facts: dict, folder: Path, path: Path) -> Path:
    """The report as a PDF: the case in one page, then the storefronts, sources, ties, timeline,
    pictures and methods, each section drawn by its own function."""
    pdf = _Report(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    _pdf_case_in_one_page(pdf, facts)
    pdf.add_page()
    _pdf_storefronts(pdf, facts)
    _pdf_test_buys_notes_associates(pdf, facts)
    _pdf_upstream(pdf, facts)
    _pdf_ties(pdf, facts)
    _pdf_timeline(pdf, facts)
    pdf.add_page()
    _pdf_pictures(pdf, folder)
    pdf.add_page()
    _pdf_methods(pdf, facts)
    pdf.output(str(path))
    return path


def _pdf_case_in_one_page(pdf: _Report, facts: dict) -> None:
    case: RingCase = facts["case"]
    pdf.set_font("report", "B", 16)
    pdf.cell(
        0,
        10,
        _cell(_("Lead packet: ring {ring_id}").format(ring_id=case.ring_id)),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.line_of_text(
        _("Packet {packet_id} - created {created} (UTC) - for {recipient}").format(
            packet_id=facts["packet_id"], created=facts["created_text"], recipient=facts["recipient"]
        )
        + (" - " + _("personal identifiers redacted") if facts["redacted"] else "")
    )
    if facts["recipient_warning"]:
        pdf.set_text_color(170, 0, 0)
        pdf.line_of_text(facts["recipient_warning"], size=9)
        pdf.set_text_color(0, 0, 0)
    # page 1 is the whole case in brief: an officer decides from it whether to read on
    pdf.section(_("1. The case in one page"))
    pdf.rows([_("fact"), _("value")], summary_rows(facts), (45, 225))
    if facts["redaction_note"]:
        pdf.line_of_text(facts["redaction_note"])


def _pdf_storefronts(pdf: _Report, facts: dict) -> None:
    """The storefronts: who is behind each, how it is paid, and the record that says so."""
    pdf.section(_("Storefronts"))
    pdf.rows(
        [
            _("seller"),
            _("shop name"),
            _("platform"),
            _("status"),
            _("registered"),
            _("person ID"),
            _("phone"),
            _("payout account"),
            _("city"),
            _("weight"),
            _("record"),
        ],
        [
            [
                m["seller_id"],
                m["shop_name"],
                m["platform"],
                _(str(m["status"])),
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


def _pdf_test_buys_notes_associates(pdf: _Report, facts: dict) -> None:
    """What the task force saw for itself, what it noted, and who is associated but not established."""
    if facts["test_buys"]:
        pdf.section(_("Test buys"))
        pdf.rows(
            [
                _("test buy"),
                _("date"),
                _("verdict"),
                _("product"),
                _("brand"),
                _("shipped from"),
                _("listing"),
                _("record"),
            ],
            [
                [
                    t["test_buy_id"],
                    t["bought_at"],
                    t["verdict_text"],
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
        pdf.section(_("Case notes"))
        pdf.rows(
            [_("when"), _("status"), _("note"), _("by")],
            [[n["changed_at"], n["status"], n["note"], n["changed_by"]] for n in facts["notes"]],
            (35, 25, 170, 40),
        )
    if facts["associates"]:
        pdf.line_of_text(
            _(
                "Associated, not established: tied to the ring by weak ties only (one device, IP or "
                "ship-from address); not members of the ring and not named as such."
            )
        )
        pdf.rows(
            [_("seller"), _("shop name"), _("standing"), _("ties and records")],
            [[a["seller_id"], a["shop_name"], a["standing"], a["evidence"]] for a in facts["associates"]],
            (25, 50, 45, 150),
        )


def _pdf_upstream(pdf: _Report, facts: dict) -> None:
    pdf.section(_("2. Upstream sources"))
    pdf.rows(
        [
            _("rank"),
            _("organisation"),
            _("kind"),
            _("score"),
            _("goods"),
            _("money"),
            _("exclusive"),
            _("evidence path"),
        ],
        [
            [
                u["rank"],
                f"{u['entity_id']} {u.get('entity_name', '')}"
                + (
                    " " + _("(also recorded as {aliases})").format(aliases=u["aliases"].replace(";", ", "))
                    if u.get("aliases")
                    else ""
                ),
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


def _pdf_ties(pdf: _Report, facts: dict) -> None:
    """The identifiers that tie the storefronts, and the hubs left out as evidence."""
    pdf.section(_("3. What ties the storefronts together"))
    pdf.rows(
        [_("identifier"), _("value"), _("sharing"), _("seller"), _("records")],
        [
            [i["kind"], i["value"], i["shared_with"] + 1, i["seller_id"], i["provenance"]]
            for i in facts["identifiers"]
        ],
        (25, 60, 15, 25, 145),
    )
    if facts["suppressed"]:
        pdf.line_of_text(_("Suppressed as hubs (not counted as evidence):"))
        pdf.rows(
            [_("identifier"), _("value"), _("sellers sharing it"), _("cap")],
            [[h["kind"], h["value"], h["degree"], h["max_degree"]] for h in facts["suppressed"]],
        )


def _pdf_timeline(pdf: _Report, facts: dict) -> None:
    pdf.section(_("4. Timeline"))
    pdf.line_of_text(
        _("{total} events; the first {shown} are shown, all in timeline.csv.").format(
            total=facts["timeline_total"], shown=len(facts["timeline"])
        )
    )
    pdf.rows(
        [_("when"), _("event"), _("detail"), _("record")],
        [[t["when"], t["event"], t["detail"], t["provenance"]] for t in facts["timeline"]],
        (40, 35, 130, 65),
    )


def _pdf_pictures(pdf: _Report, folder: Path) -> None:
    pdf.section(_("5. Map and network"))
    pdf.image(str(folder / "map.png"), w=130)
    pdf.image(str(folder / "network.png"), x=150, y=pdf.get_y() - 106 if pdf.get_y() > 110 else None, w=130)


def _pdf_methods(pdf: _Report, facts: dict) -> None:
    case: RingCase = facts["case"]
    pdf.section(_("6. Methods"))
    pdf.rows(
        [_("fact"), _("value")],
        [
            [_("Input data fingerprint (SHA-256)"), case.methods.get("input_fingerprint", "")],
            [_("Detection method"), case.methods.get("method", "")],
            [_("Parameters"), facts["settings_text"]],
            [_("Software"), f"counterfeit-ring-workbench {case.methods.get('software_version', '')}"],
            [_("Signed by"), _("the sender's Ed25519 key {key}").format(key=facts["signer"])],
        ],
        (60, 210),
    )
    pdf.line_of_text(
        _(
            "To check this packet: `workbench verify PACKET --public-key SENDER.pub` checks the signature "
            "over manifest.json and re-computes every file's SHA-256 against it; the key's fingerprint "
            "above must match the one in the sender's cover letter."
        )
    )
