"""`workbench import --ftm`: FollowTheMoney entities (JSON lines, as Aleph and `ftm` export them) into
the input format; what the model has no place for is counted in the report, never dropped unsaid.

Storefronts are ``UserAccount``; their phones, e-mails and IPs are its properties, the registrant's
ID is the ``idNumber`` of its ``owner``, a payout account is an ``UnknownLink`` to a ``BankAccount``
(or an ``Ownership`` of one by the registrant). ``Company``/``Organization`` become organisations,
``Address`` addresses, ``Payment`` payments, ``Directorship`` a person_id link of the organisation.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
from followthemoney import model
from followthemoney.exc import InvalidData

from workbench.errors import InputError

from .convert import ImportReport, prepare_out, write_input_folder, write_report

__all__ = ["import_ftm"]

ORGANISATIONS = ("Company", "Organization", "LegalEntity", "PublicBody")
PEOPLE = ("Person",)
# schemata read only for what other entities refer to (an account number, a holder's id)
REFERENCED = ("BankAccount", "Person")


def _read_entities(path: Path, report: ImportReport) -> dict[str, tuple[object, int]]:
    """Every entity of the file by id, with its line; unreadable lines are quarantined."""
    entities: dict[str, tuple[object, int]] = {}
    bad_lines, bad_text, bad_reason = [], [], []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict) or not data.get("id") or not data.get("schema"):
                    raise InvalidData("an entity has an id and a schema")
                if model.get(data["schema"]) is None:
                    raise InvalidData(f"{str(data['schema'])[:60]!r} is not a FollowTheMoney schema")
                proxy = model.get_proxy(data, cleaned=False)
            except (json.JSONDecodeError, InvalidData, TypeError, ValueError) as exc:
                bad_lines.append(number)
                bad_text.append(line[:200])
                bad_reason.append(f"not a FollowTheMoney entity: {str(exc).splitlines()[0][:200]}")
                continue
            entities[proxy.id] = (proxy, number)
    report.reads[path.name] = {"read": len(entities) + len(bad_lines), "unreadable": len(bad_lines)}
    if bad_lines:
        report.set_aside(path.name, bad_lines, "(row)", bad_text, bad_reason)
    return entities


def _keyword(proxy, kind: str) -> list[str]:
    prefix = f"{kind}:"
    return [k[len(prefix) :] for k in proxy.get("keywords") if k.startswith(prefix)]


def _first(proxy, *props: str) -> str:
    for prop in props:
        values = proxy.get(prop, quiet=True)
        if values:
            return str(values[0])
    return ""


def import_ftm(path: Path, out: Path) -> ImportReport:
    """Convert the FtM entities in ``path`` into an input folder at ``out``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file (expected FollowTheMoney entities, one JSON object a line)")
    report = ImportReport()
    conversion = _Conversion(path, _read_entities(path, report), report)
    conversion.storefronts()
    conversion.links_and_entities()
    conversion.ownerships()
    report.unplaced = conversion.unplaced_counts()
    prepare_out(Path(out))
    write_input_folder(conversion.made(), Path(out), report)
    write_report(Path(out), report, None)
    return report


class _Conversion:
    """One file's entities turned into input rows: who refers to whom is resolved through the
    entities read, and every entity used is noted, so the rest is reported as unplaced."""

    def __init__(self, path: Path, entities: dict[str, tuple[object, int]], report: ImportReport):
        self.path, self.entities, self.report = path, entities, report
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.unplaced: Counter = Counter()
        self.used: set[str] = set()
        self.sellers_of_owner: dict[str, list[str]] = defaultdict(list)
        self.payout_of_seller: dict[str, set[str]] = defaultdict(set)
        self.seller_of_account: dict[str, str] = {}

    # ---- what an entity id stands for -------------------------------------------------------
    def record(self, line: int) -> str:
        return f"{self.path.name}:{line}"

    def schema_of(self, entity_id: str) -> str:
        return self.entities[entity_id][0].schema.name if entity_id in self.entities else ""

    def address_id(self, entity_id: str) -> str:
        if entity_id not in self.entities:
            return entity_id
        return (_keyword(self.entities[entity_id][0], "address_id") or [entity_id])[0]

    def account_number(self, entity_id: str) -> str:
        if entity_id in self.entities and self.entities[entity_id][0].schema.is_a("BankAccount"):
            self.used.add(entity_id)
            return _first(self.entities[entity_id][0], "accountNumber", "iban", "number") or entity_id
        return entity_id

    def person_number(self, entity_id: str) -> str:
        if entity_id in self.entities:
            self.used.add(entity_id)
            return _first(self.entities[entity_id][0], "idNumber", "passportNumber", "taxNumber") or entity_id
        return entity_id

    def org_id(self, entity_id: str) -> str:
        proxy = self.entities[entity_id][0]
        return (_keyword(proxy, "org_id") or [_first(proxy, "registrationNumber") or entity_id])[0]

    def link(self, file: str, owner: str, kind: str, value: str, role: str, line: int) -> None:
        """One row of ``seller_links`` or ``org_links``."""
        owner_column = "seller_id" if file == "seller_links" else "org_id"
        self.rows[file].append(
            {
                owner_column: owner,
                "kind": kind,
                "value": value,
                "role": role,
                "source_record_id": self.record(line),
            }
        )

    def _of_schema(self, *names: str):
        return ((i, proxy, line) for i, (proxy, line) in self.entities.items() if proxy.schema.name in names)

    # ---- the conversion, in the order references need ---------------------------------------
    def storefronts(self) -> None:
        """``UserAccount``: a seller and its identifiers (the registrant's through ``owner``)."""
        for entity_id, proxy, line in self._of_schema("UserAccount"):
            seller = _first(proxy, "username") or entity_id
            self.seller_of_account[entity_id] = seller
            self.used.add(entity_id)
            self.rows["sellers"].append(
                {
                    "seller_id": seller,
                    "shop_name": _first(proxy, "name"),
                    "platform": _first(proxy, "service"),
                    "source_record_id": self.record(line),
                }
            )
            for prop, kind in (("phone", "phone"), ("email", "email"), ("ipAddress", "ip")):
                for value in proxy.get(prop):
                    self.link("seller_links", seller, kind, value, "", line)
            for device in _keyword(proxy, "device"):
                self.link("seller_links", seller, "device", device, "", line)
            for owner in proxy.get("owner"):
                self.sellers_of_owner[owner].append(seller)
                self.link("seller_links", seller, "person_id", self.person_number(owner), "", line)
            for place in proxy.get("addressEntity"):
                self.used.add(place)
                self.link("seller_links", seller, "address", self.address_id(place), "registered", line)

    def links_and_entities(self) -> None:
        """Every other schema with a place in the input format, in the file's order."""
        convert = {
            "UnknownLink": self._payout_link,
            "Address": self._address,
            "Payment": self._payment,
            "Directorship": self._directorship,
            **dict.fromkeys(ORGANISATIONS, self._organisation),
        }
        for entity_id, (proxy, line) in self.entities.items():
            if proxy.schema.name in convert:
                convert[proxy.schema.name](entity_id, proxy, line)

    def _payout_link(self, entity_id: str, proxy, line: int) -> None:
        subjects = [s for s in proxy.get("subject") if s in self.seller_of_account]
        objects = [o for o in proxy.get("object") if self.schema_of(o) == "BankAccount"]
        if not subjects or not objects:
            self.unplaced["UnknownLink (not a storefront to a bank account)"] += 1
            return
        self.used.add(entity_id)
        for s in subjects:
            for o in objects:
                number = self.account_number(o)
                self.payout_of_seller[self.seller_of_account[s]].add(number)
                self.link(
                    "seller_links",
                    self.seller_of_account[s],
                    "bank_account",
                    number,
                    _first(proxy, "role"),
                    line,
                )

    def _address(self, entity_id: str, proxy, line: int) -> None:
        self.used.add(entity_id)
        self.rows["addresses"].append(
            {
                "address_id": self.address_id(entity_id),
                "text": _first(proxy, "full", "street"),
                "lat": _first(proxy, "latitude"),
                "lon": _first(proxy, "longitude"),
                "city": _first(proxy, "city"),
                "province": _first(proxy, "region", "state"),
                "country": _first(proxy, "country"),
                "source_record_id": self.record(line),
            }
        )

    def _organisation(self, entity_id: str, proxy, line: int) -> None:
        self.used.add(entity_id)
        place = _first(proxy, "addressEntity")
        self.rows["organizations"].append(
            {
                "org_id": self.org_id(entity_id),
                "name": _first(proxy, "name"),
                "kind": "other",
                "address_id": self.address_id(place) if place else "",
                "source_record_id": self.record(line),
            }
        )

    def _payment(self, entity_id: str, proxy, line: int) -> None:
        self.used.add(entity_id)  # made, or accounted for in the quarantine
        payer = _first(proxy, "payerAccount", "payer")
        payee = _first(proxy, "beneficiaryAccount", "beneficiary")
        if not payer or not payee:
            self.report.set_aside(
                self.path.name,
                [line],
                "Payment.payer/beneficiary",
                [entity_id],
                "a payment without both sides",
            )
            return
        self.rows["payments"].append(
            {
                "payment_id": _first(proxy, "transactionNumber") or entity_id,
                "from_account": self.account_number(payer),
                "to_account": self.account_number(payee),
                "amount": _first(proxy, "amount"),
                "currency": _first(proxy, "currency").upper(),
                "paid_at": _first(proxy, "date", "startDate"),
                "source_record_id": self.record(line),
            }
        )

    def _directorship(self, entity_id: str, proxy, line: int) -> None:
        self.used.add(entity_id)
        for organisation in proxy.get("organization"):
            if self.schema_of(organisation) not in ORGANISATIONS:
                continue
            for director in proxy.get("director"):
                role = _first(proxy, "role") or "director"
                self.link(
                    "org_links",
                    self.org_id(organisation),
                    "person_id",
                    self.person_number(director),
                    role,
                    line,
                )

    def ownerships(self) -> None:
        """An account owned by a registrant is a payout account of the registrant's storefronts
        that do not already name one; owned by a company, it is that company's account (after the
        payout links, which it must not double)."""
        for entity_id, proxy, line in self._of_schema("Ownership"):
            assets = [a for a in proxy.get("asset") if self.schema_of(a) == "BankAccount"]
            if not assets:
                self.unplaced["Ownership (of something other than a bank account)"] += 1
                continue
            self.used.add(entity_id)
            for owner in proxy.get("owner"):
                for asset in assets:
                    number = self.account_number(asset)
                    if self.schema_of(owner) in ORGANISATIONS:
                        self.link("org_links", self.org_id(owner), "bank_account", number, "owner", line)
                        continue
                    for seller in self.sellers_of_owner.get(owner, []):
                        if not self.payout_of_seller[seller]:
                            self.link(
                                "seller_links", seller, "bank_account", number, _first(proxy, "role"), line
                            )

    # ---- the result ---------------------------------------------------------------------------
    def unplaced_counts(self) -> dict[str, int]:
        """Entities of schemata the input format has no place for, and those nothing referred to."""
        for entity_id, (proxy, _) in self.entities.items():
            if entity_id not in self.used:
                self.unplaced[proxy.schema.name] += 1
        return dict(sorted(self.unplaced.items()))

    def made(self) -> dict[str, list[pd.DataFrame]]:
        """The rows made, per input file, with the line of the entity each came from."""
        made = {}
        for file, found in self.rows.items():
            frame = pd.DataFrame(found).astype(str)
            line = frame["source_record_id"].str.rsplit(":", n=1).str[1].astype(int)
            made[file] = [frame.assign(_line=line, _file=self.path.name)]
        return made
