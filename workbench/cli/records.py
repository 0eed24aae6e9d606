"""Commands over the store's records: the audit trail, investigators' decisions and sign-in accounts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from ..errors import WorkbenchError
from .common import (
    Neo4jOption,
    StoreOption,
    _open_store,
    _stored_tables,
    app,
    results,
)


@app.command()
def audit(
    store: StoreOption = None,
    neo4j: Neo4jOption = None,
    check: Annotated[bool, typer.Option("--verify", help="Check the hash chain; exit 1 if broken.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the entries as JSON lines.")] = False,
) -> None:
    """List the audit trail (who viewed personal identifiers, built packets, changed cases, signed
    in); --verify checks that no entry was edited, removed or inserted."""
    import json

    if not store and not neo4j:
        raise WorkbenchError("say which store: --store DIR (embedded) or --neo4j URI")
    with _open_store(store, create=False, neo4j=neo4j) as graph_store:
        log = graph_store.audit_log()
        problems = graph_store.verify_audit() if check else []
    if as_json:
        for entry in log.to_dict("records"):
            results.print(json.dumps(entry, ensure_ascii=False, default=str), highlight=False, soft_wrap=True)
    else:
        table = Table("seq", "at", "actor", "role", "action", "subject", "detail", title="Audit trail")
        for e in log.itertuples(index=False):
            table.add_row(str(e.seq), str(e.at)[:19], e.actor, e.role, e.action, e.subject, e.detail)
        results.print(table)
    if check:
        for problem in problems:
            results.print(f"BROKEN {problem}", highlight=False)
        if problems:
            raise typer.Exit(1)
        head = log["entry_hash"].iloc[-1] if len(log) else "(empty)"
        results.print(f"OK: {len(log)} entries, chain intact; head {head}", highlight=False)


@app.command()
def decide(
    kind: Annotated[
        str,
        typer.Argument(
            help="not-member SELLER RING | member SELLER RING | same-operation RING_A RING_B | "
            "different-operations SELLER_A SELLER_B | not-source ORG RING | source ORG RING | "
            "same-entity RECORD_A RECORD_B | different-entities RECORD_A RECORD_B | "
            "hit-confirmed NEW_SELLER RING | hit-dismissed NEW_SELLER [RING] | withdraw DECISION_ID"
        ),
    ],
    subject: Annotated[
        str,
        typer.Argument(
            help="The seller, ring, organisation, address or organisation record, or decision id."
        ),
    ],
    target: Annotated[
        str, typer.Argument(help="The ring, second seller or second record (none for withdraw).")
    ] = "",
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the decision, required).")] = "",
    store: StoreOption = None,
    neo4j: Neo4jOption = None,
) -> None:
    """Record an investigator's judgement in the store (who, why, when; audited); every later
    `detect`/`analyze`/`trace` applies it, and reports it as a conflict if new data contradicts it."""
    from ..analytics.decisions import DECISION_KINDS
    from ..analytics.decisions import decide as record
    from ..store.base import acting_user

    if kind in DECISION_KINDS and kind not in ("withdraw", "hit-dismissed") and not target:
        first, second = DECISION_KINDS[kind]
        raise WorkbenchError(f"{kind} needs two arguments: {first.upper()} {second.upper()}")
    with _stored_tables(store, neo4j) as (graph_store, _):
        decision = record(graph_store, kind, subject, target, reason, acting_user(), "cli")
    results.print(
        f"{decision['decision_id']}: {kind} {subject} {target} by {decision['decided_by']}; "
        "applied from the next `workbench detect` or `analyze`",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def decisions(
    store: StoreOption = None,
    neo4j: Neo4jOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decisions as one JSON array.")] = False,
) -> None:
    """List the investigators' decisions (withdrawn ones marked) and the last analysis's conflicts."""
    import json

    from ..analytics.decisions import in_force

    if not store and not neo4j:
        raise WorkbenchError("say which store: --store DIR (embedded) or --neo4j URI")
    with _open_store(store, create=False, neo4j=neo4j) as graph_store:
        every = graph_store.decisions()
        conflicts = graph_store.result("conflicts")
    active = set(in_force(every)["decision_id"])
    rows = []
    for d in every.to_dict("records"):
        d["in_force"] = d["decision_id"] in active
        d["conflicts"] = (
            conflicts.loc[conflicts["decision_id"] == d["decision_id"], "conflict"].tolist()
            if len(conflicts)
            else []
        )
        rows.append(d)
    if as_json:
        results.print(json.dumps(rows, ensure_ascii=False, default=str), highlight=False, soft_wrap=True)
        return
    table = Table("id", "kind", "subject", "target", "by", "at", "reason", "state", title="Decisions")
    for d in rows:
        state = "in force" if d["in_force"] else ("withdrawal" if d["kind"] == "withdraw" else "withdrawn")
        if d["conflicts"]:
            state += "; CONFLICT: " + "; ".join(d["conflicts"])
        table.add_row(
            d["decision_id"],
            d["kind"],
            d["subject"],
            d["target"],
            d["decided_by"],
            str(d["decided_at"])[:19],
            d["reason"],
            state,
        )
    results.print(table)


users = typer.Typer(help="Local sign-in accounts for the app (argon2 password hashes).", no_args_is_help=True)
app.add_typer(users, name="users")


@users.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name to sign in with.")],
    role: Annotated[str, typer.Option(help="viewer, investigator or lead.")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    oidc: Annotated[
        bool,
        typer.Option("--oidc", help="NAME is an e-mail that signs in through the identity provider."),
    ] = False,
) -> None:
    """Add a user (or change a user's role and password) in the users file (WORKBENCH_USERS)."""
    from ..access import ROLES, add_user, users_file

    if role not in ROLES:
        raise WorkbenchError(f"--role {role!r}: choose one of {', '.join(ROLES)}")
    if oidc:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    add_user(name, password, role)
    results.print(f"{name} ({role}) in {users_file()}", highlight=False)


@users.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="User to remove.")]) -> None:
    """Remove a user from the users file."""
    from ..access import remove_user, users_file

    remove_user(name)
    results.print(f"{name} removed from {users_file()}", highlight=False)


@users.command("list")
def users_list() -> None:
    """List the users and their roles (never their password hashes)."""
    from ..access import read_users, users_file

    table = Table("user", "role", title=f"Users ({users_file()})")
    for name, user in sorted(read_users().items()):
        table.add_row(name, user["role"])
    results.print(table)
