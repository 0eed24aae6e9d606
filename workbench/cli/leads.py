"""Commands for lead packets: packet, resolve-tokens, verify and the signing keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import WorkbenchError
from .common import (
    AnalysedStoreOption,
    Neo4jOption,
    StoreOption,
    _open_store,
    _progress,
    _stored_tables,
    app,
    results,
)


@app.command()
def packet(
    ring_id: Annotated[str | None, typer.Argument(help="Ring to refer (an id from rings.csv).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to write the packet folder and zip into.")
    ] = None,
    store: AnalysedStoreOption = None,
    neo4j: Neo4jOption = None,
    redact: Annotated[
        bool, typer.Option("--redact", help="Replace person IDs, phones, e-mails, accounts by keyed hashes.")
    ] = False,
    recipient: Annotated[str, typer.Option(help="Who the packet is for (kept in the case register).")] = (
        "unspecified recipient"
    ),
    flows: Annotated[
        bool,
        typer.Option(
            "--flows", help="Refer the money and goods flows instead of a ring (data with no ring)."
        ),
    ] = False,
    language: Annotated[
        str, typer.Option("--language", help="Language of the report: en (English) or zh (简体中文).")
    ] = "en",
) -> None:
    """Build a lead packet for one ring: report (HTML, PDF), exports (CSV, FtM, GraphML, GeoJSON),
    provenance and a SHA-256 manifest; record it in the case register. The redaction key comes
    from WORKBENCH_REDACTION_KEY (a random one otherwise)."""
    from ..i18n import LANGUAGES, set_language
    from ..leads.flow_packet import build_flow_packet
    from ..leads.packet import build_lead_packet

    if language not in LANGUAGES:
        raise WorkbenchError(f"--language {language!r}: choose one of {', '.join(LANGUAGES)}")
    set_language(language)  # the report's words; the exports and the manifest stay as they are

    if out is None:
        raise WorkbenchError("name the folder to write the packet into: --out DIR")
    if flows == (ring_id is not None):
        raise WorkbenchError("name a RING_ID to refer a ring, or give --flows to refer the flows")
    subject = "the flows" if flows else f"ring {ring_id}"
    with _stored_tables(store, neo4j) as (graph_store, _):
        with _progress() as progress:
            progress.add_task(f"building the lead packet for {subject}", total=None)
            if flows:
                built = build_flow_packet(graph_store, out, redact=redact, recipient=recipient, role="cli")
            else:
                built = build_lead_packet(
                    graph_store, ring_id, out, redact=redact, recipient=recipient, role="cli"
                )
        results.print(
            f"packet {built.packet_id} for {subject} in {built.seconds:.1f}s: {built.folder} and "
            f"{built.zip_path} (SHA-256 {built.zip_sha256}){'; redacted' if redact else ''}"
        )


@app.command("resolve-tokens")
def resolve_tokens(
    packet_id: Annotated[str, typer.Argument(help="The redacted packet's id (LP-... or FP-...).")],
    tokens: Annotated[
        list[str] | None, typer.Argument(help="Tokens to resolve, as the packet shows them (kind:hash).")
    ] = None,
    request: Annotated[
        str,
        typer.Option("--request", help="The formal request these values answer (kept in the audit trail)."),
    ] = "",
    every: Annotated[bool, typer.Option("--all", help="Resolve every token of the packet.")] = False,
    store: StoreOption = None,
    neo4j: Neo4jOption = None,
) -> None:
    """The real values behind a redacted packet's tokens, for the sender answering a formal request
    from the recipient; the values never leave with the packet, and each resolution is audited."""
    from ..store.base import acting_user

    if not tokens and not every:
        raise WorkbenchError("name the tokens to resolve, or give --all for every token of the packet")
    if not store and not neo4j:
        raise WorkbenchError("say which store: --store DIR (embedded) or --neo4j URI")
    with _open_store(store, create=False, neo4j=neo4j) as graph_store:
        try:
            found = graph_store.resolve_tokens(packet_id, list(tokens or []), acting_user(), request, "cli")
        except ValueError as exc:
            raise WorkbenchError(str(exc)) from None
    for row in found.itertuples(index=False):
        typer.echo(f"{row.token}\t{row.value}")  # tab-separated: a script reads it as it is


@app.command()
def verify(
    packet_path: Annotated[Path, typer.Argument(help="Packet folder or zip to check.", metavar="PACKET")],
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="The sender's public key (PEM, from `workbench keys init`)."),
    ] = None,
) -> None:
    """Check a lead packet: the signature over its manifest and every file against the manifest;
    exit 1 naming what changed. With --public-key the signer must be that key."""
    from ..leads.manifest import verify_packet

    checked = verify_packet(packet_path, public_key)
    if checked.problems:
        for problem in checked.problems:
            results.print(f"FAILED {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    manifest = checked.manifest
    signer = (
        f"signed by the given key {checked.signer}"
        if checked.signer_verified
        else f"signed by {checked.signer}, UNVERIFIED signer: compare this fingerprint with the "
        "sender's, or pass --public-key"
    )
    results.print(
        f"OK: {len(manifest['files'])} files match the manifest of packet {manifest.get('packet_id')} "
        f"(ring {manifest.get('ring_id')}, for {manifest.get('recipient')}, created "
        f"{manifest.get('created_at')}); {signer}",
        highlight=False,
        soft_wrap=True,
    )


keys = typer.Typer(help="The unit's Ed25519 key that signs lead packets.", no_args_is_help=True)
app.add_typer(keys, name="keys")


@keys.command("init")
def keys_init(
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key.")] = False,
) -> None:
    """Create the signing key (WORKBENCH_SIGNING_KEY, default in the user's config folder; private
    key mode 0600, public key beside it as PATH.pub) and print its fingerprint for the cover letter."""
    from ..leads.signing import init_signing_key

    path, print_ = init_signing_key(force=force)
    results.print(
        f"signing key {path} (mode 0600), public key {path}.pub\nfingerprint {print_}", highlight=False
    )


@keys.command("show")
def keys_show() -> None:
    """Print where the signing key is and its public key's fingerprint."""
    from ..leads.signing import fingerprint, load_signing_key, signing_key_path

    path = signing_key_path()
    print_ = fingerprint(load_signing_key(path).public_key())
    results.print(f"signing key {path}, public key {path}.pub\nfingerprint {print_}", highlight=False)
