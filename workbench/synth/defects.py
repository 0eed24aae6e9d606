"""What real exports carry besides the data: formatting mess, defective rows, exact duplicates
and hostile strings; the generator adds them so the loader's handling of each is always tested."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.model import INPUT_FILES

__all__ = ["HOSTILE_STRINGS", "append_bad_rows", "format_noise"]

# strings a hostile or careless export may carry; loaders keep them verbatim, renderers escape them
HOSTILE_STRINGS = [
    '<script>alert("xss")</script>',
    "'}) DETACH DELETE n //",
    "Robert'); DROP TABLE sellers;--",
    '<img src=x onerror="alert(1)">',
    '=HYPERLINK("http://evil.example","click")',
    '" OR 1=1 --',
    "MATCH (n) DETACH DELETE n",
]


def format_noise(kinds: pd.Series, values: pd.Series, rng: np.random.Generator) -> pd.Series:
    """The formatting mess of real exports: phones in five styles, e-mail case, dashed IDs."""
    kinds = pd.Series(np.asarray(kinds), dtype=object)
    out = pd.Series(np.asarray(values), dtype=object).astype(str)
    style = pd.Series(rng.integers(0, 5, len(out)))
    phone = kinds == "phone"
    if phone.any():
        p = out[phone]
        styles = [
            p,
            "+86 " + p.str[:3] + " " + p.str[3:7] + " " + p.str[7:],
            p.str[:3] + "-" + p.str[3:7] + "-" + p.str[7:],
            "0086" + p,
            "+86" + p,
        ]
        s = style[phone].to_numpy()
        out[phone] = np.select([s == i for i in range(5)], [x.to_numpy() for x in styles])
    # e-mails: one in five in capitals, one in five title case, each row drawn on its own
    upper, title = (kinds == "email") & (style == 0), (kinds == "email") & (style == 1)
    out[upper] = out[upper].str.upper()
    out[title] = out[title].str.title()
    compact = kinds.isin(["person_id", "bank_account", "device"]) & (style >= 3)
    if compact.any():
        c = out[compact]
        spaced = c.str[:4] + " " + c.str[4:8] + "-" + c.str[8:]
        out[compact] = np.where(style[compact].to_numpy() == 3, spaced.to_numpy(), c.str.lower().to_numpy())
    return out


def append_bad_rows(frames: dict[str, pd.DataFrame], rng: np.random.Generator, n: int) -> None:
    """Append a few rows of every kind of defect, and exact duplicates, to each file."""
    copies = max(2, n // 50000)

    # each entity file's key, as the model declares it
    keys = {name: spec.key[0] for name, spec in INPUT_FILES.items() if spec.key}

    def add(name: str, rows: list[dict]) -> None:
        frame = frames[name]
        picked = rng.integers(0, len(frame), len(rows) * copies)
        template = frame.iloc[picked].reset_index(drop=True).astype(object)
        for i, row in enumerate(rows * copies):
            for column, value in row.items():
                template.at[i, column] = value
            key = keys.get(name)
            if key and key not in row:
                # a copied row keeps its key unique, so only the intended defect shows
                template.at[i, key] = f"{template.at[i, key]}-BAD{i}"
        frames[name] = pd.concat([frame, template], ignore_index=True)

    add("sellers", [{"seller_id": ""}, {"status": "suspended"}, {"registered_at": "yesterday"}])
    add(
        "seller_links",
        [
            {"value": ""},
            {"kind": "fax"},
            {"seller_id": "S-NOT-THERE"},
            {"kind": "phone", "value": "call me maybe"},
            {"kind": "email", "value": "no-at-sign"},
            {"kind": "address", "value": "A-NOWHERE"},
        ],
    )
    add("addresses", [{"lat": "999"}, {"lon": "abc"}, {"address_id": ""}])
    add("organizations", [{"kind": "cartel"}, {"address_id": "A-NOWHERE"}])
    add("org_links", [{"org_id": "O-NOT-THERE"}, {"kind": "ip", "value": "999.1.1.1"}])
    add("listings", [{"price": "cheap"}, {"seller_id": "S-NOT-THERE"}, {"price": "-5"}])
    add("complaints", [{"listing_id": "L-NOT-THERE"}, {"outcome": "maybe"}])
    add("test_buys", [{"verdict": "fake-ish"}, {"listing_id": "L-NOT-THERE"}])
    add(
        "shipments",
        [
            {"from_address_id": "A-NOWHERE"},
            {"parcels": "-2"},
            {"sender_kind": "seller", "sender_id": "S-NOT-THERE"},
        ],
    )
    add("payments", [{"amount": "12,5O0"}, {"to_account": ""}, {"amount": "-100"}])
    # exact duplicate rows, as a careless export repeats them
    for name in ("sellers", "seller_links", "listings", "payments"):
        frame = frames[name]
        dups = frame.iloc[rng.integers(0, len(frame), max(3, len(frame) // 1000))]
        frames[name] = pd.concat([frame, dups], ignore_index=True)
