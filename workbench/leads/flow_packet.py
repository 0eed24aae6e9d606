"""A flows packet: for data with no ring to refer (a bank's transfers, a financial-intelligence unit's
bank-to-bank flows, waybills alone), the money and goods flows, where they concentrate and the
payments behind them, signed and registered like a ring's lead packet."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
import networkx as nx
import pandas as pd
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.safe_output import write_csv
from workbench.store.base import GraphStore

from .exports.ftm import ftm_entity, payment_entities, write_entities
from .manifest import write_manifest
from .packet import LeadPacket, audit_head, packet_start, publish_packet
from .redact import Redactor
from .signing import fingerprint

__all__ = ["FLOWS_SUBJECT", "build_flow_packet"]

# the case register's subject of a flows packet (ring packets name their ring)
FLOWS_SUBJECT = "FLOWS"
SHOWN = 50

_REPORT = jinja2.Environment(autoescape=True).from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Flows packet {{ packet_id }}</title>
<style>body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:2em}
table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;font-size:90%}</style>
</head><body>
<h1>Money and goods flows: packet {{ packet_id }}</h1>
<p>For {{ recipient }}, {{ created_at }}. {{ redaction }} Signed by unit key {{ signer }}.</p>
<p>This data names no storefront ring (no rows of {{ lacking }}), so this packet refers the flows
themselves: who receives money from the most payers and sends the most parcels, and the largest
flows between accounts. Every row cites the input lines it stands on.</p>
<h2>What the data allowed</h2>
<table><tr><th>analysis</th><th>ran</th><th>lacking</th></tr>
{% for a in analyses %}<tr><td>{{ a.name }}</td><td>{{ a.ran }}</td><td>{{ a.lacking }}</td></tr>{% endfor %}
</table>
<h2>Where money and goods concentrate (first {{ receivers|length }})</h2>
<table><tr>{% for c in receiver_columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in receivers %}<tr>{% for c in receiver_columns %}<td>{{ r[c] }}</td>{% endfor %}</tr>{% endfor %}
</table>
<h2>Largest flows (first {{ flows|length }})</h2>
<table><tr>{% for c in flow_columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for f in flows %}<tr>{% for c in flow_columns %}<td>{{ f[c] }}</td>{% endfor %}</tr>{% endfor %}
</table>
<p>Exports: flows.csv, flow_receivers.csv, payments.csv, entities.ftm.jsonl (FollowTheMoney),
flows.gexf (Gephi). manifest.json lists every file with its SHA-256; manifest.sig signs it.</p>
</body></html>
"""
)


def _redacted(flows: pd.DataFrame, receivers: pd.DataFrame, payments: pd.DataFrame, redactor: Redactor):
    account = lambda v: redactor.value("bank_account", v) if isinstance(v, str) else v  # noqa: E731
    flows = flows.assign(
        from_account=flows["from_account"].map(account), to_account=flows["to_account"].map(account)
    )
    is_account = receivers["entity_kind"] == "account"
    receivers = receivers.assign(
        entity_id=receivers["entity_id"].where(~is_account, receivers["entity_id"].map(account))
    )
    return flows, receivers, redactor.table("payments", payments)


def _ftm(payments: pd.DataFrame, receivers: pd.DataFrame, path: Path) -> None:
    organisations = [
        ftm_entity(
            "Organization",
            r.entity_id,
            name=r.name or r.entity_id,
            keywords=f"org_id:{r.entity_id}",
            description=f"flow receiver rank {r.rank}: {r.payers} payers, {r.parcels_sent} parcels sent",
            notes=str(r.evidence)[:2000],
        )
        for r in receivers[receivers["entity_kind"] == "org"].itertuples(index=False)
    ]
    write_entities([*payment_entities(payments), *organisations], path)


def _gexf(flows: pd.DataFrame, path: Path) -> None:
    graph = nx.DiGraph()
    for f in flows.itertuples(index=False):
        graph.add_edge(
            str(f.from_account),
            str(f.to_account),
            amount=float(f.amount),
            payments=int(f.payments),
            evidence=f.evidence,
        )
    for node in graph.nodes:
        graph.nodes[node]["kind"] = "BankAccount"
    nx.write_gexf(graph, path)


def build_flow_packet(
    store: GraphStore,
    out_dir: Path | str,
    redact: bool = False,
    recipient: str = "unspecified recipient",
    key: bytes | None = None,
    signing_key: Ed25519PrivateKey | None = None,
    actor: str | None = None,
    role: str | None = None,
) -> LeadPacket:
    """Write ``OUT/<packet_id>/`` and its zip: the flows of the last analysis, signed, registered."""
    started = time.perf_counter()
    signing_key, out_dir, created_at = packet_start(signing_key, out_dir)
    flows, receivers = store.result("flows"), store.result("receivers")
    if not len(flows) and not len(receivers):
        raise WorkbenchError(
            "no flows to refer: the store's last analysis found no payments or shipments "
            "(run `workbench analyze` on data with payments.csv or shipments.csv)"
        )
    meta = store.meta()
    coverage = meta.get("coverage", {})
    payments = store.table("payments")
    redactor = Redactor(enabled=redact, key=key)
    if redact:
        flows, receivers, payments = _redacted(flows, receivers, payments, redactor)
    fingerprint_of_input = meta.get("input", {}).get("fingerprint", "")
    packet_id = (
        "FP-"
        + hashlib.sha256(
            f"flows|{fingerprint_of_input}|{recipient}|{redact}|{created_at}".encode()
        ).hexdigest()[:12]
    )
    facts = _FlowFacts(packet_id, recipient, created_at, redact, fingerprint_of_input, coverage)

    def write(folder: Path) -> None:
        _write_flow_packet(folder, facts, flows, receivers, payments, store, signing_key)

    return publish_packet(
        store,
        packet_id,
        FLOWS_SUBJECT,
        out_dir,
        write,
        recipient,
        redact,
        created_at,
        started,
        actor,
        role,
        redactor,
    )


@dataclass(frozen=True)
class _FlowFacts:
    """What a flows packet says about itself: its id, recipient, time, redaction, the input it
    was made from and which analyses that input allowed."""

    packet_id: str
    recipient: str
    created_at: str
    redact: bool
    input_fingerprint: str
    coverage: dict


def _write_flow_packet(
    folder: Path,
    facts: _FlowFacts,
    flows: pd.DataFrame,
    receivers: pd.DataFrame,
    payments: pd.DataFrame,
    store: GraphStore,
    signing_key: Ed25519PrivateKey,
) -> None:
    """The packet's exports, its report and its signed manifest, in ``folder``."""
    exports = folder / "exports"
    exports.mkdir(parents=True)
    write_csv(flows, exports / "flows.csv")
    write_csv(receivers, exports / "flow_receivers.csv")
    write_csv(payments, exports / "payments.csv")
    _ftm(payments, receivers, exports / "entities.ftm.jsonl")
    _gexf(flows, exports / "flows.gexf")
    coverage = facts.coverage
    (folder / "report.html").write_text(
        _REPORT.render(
            packet_id=facts.packet_id,
            recipient=facts.recipient,
            created_at=facts.created_at,
            signer=fingerprint(signing_key.public_key()),
            redaction="Personal identifiers are replaced by keyed tokens."
            if facts.redact
            else "Not redacted.",
            lacking=", ".join(coverage.get("rings", {}).get("lacking", [])) or "sellers, seller_links",
            analyses=[
                {"name": name, "ran": "yes" if said["ran"] else "no", "lacking": ", ".join(said["lacking"])}
                for name, said in coverage.items()
            ],
            receiver_columns=list(receivers.columns),
            receivers=receivers.head(SHOWN).to_dict("records"),
            flow_columns=list(flows.columns),
            flows=flows.head(SHOWN).to_dict("records"),
        ),
        encoding="utf-8",
    )
    write_manifest(
        folder,
        {
            "packet_id": facts.packet_id,
            "ring_id": FLOWS_SUBJECT,
            "created_at": facts.created_at,
            "recipient": facts.recipient,
            "redacted": facts.redact,
            "input_fingerprint": facts.input_fingerprint,
            "analyses": coverage,
            "software_version": __version__,
            "audit_head": audit_head(store),
        },
        signing_key,
    )
