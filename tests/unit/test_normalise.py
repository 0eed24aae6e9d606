import numpy as np
import pandas as pd
import pytest

from graph_loaders.normalise import compact_id, email, ip_address, normalise_identifiers, phone


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "008613812345678",
        "+8613812345678",
        "8613812345678",
        " (138) 1234-5678 ",
    ],
)
def test_phone_formats_meet_in_one_form(raw):
    values, reasons = phone(pd.Series([raw]))
    assert values.iloc[0] == "+8613812345678"
    assert reasons.iloc[0] == ""


def test_phone_keeps_foreign_country_code_and_uses_configured_default():
    values, _ = phone(pd.Series(["+44 20 7946 0958", "020 7946 0958"]), default_country="44")
    assert list(values) == ["+442079460958", "+442079460958"]


@pytest.mark.parametrize("raw", ["call me", "12345", "+86 138 1234 5678 9999 9999"])
def test_phone_rejects_non_numbers(raw):
    _, reasons = phone(pd.Series([raw]))
    assert reasons.iloc[0].startswith("not a phone number")


def test_email_lower_cased_and_checked():
    values, reasons = email(pd.Series([" Li.Wei@QQ.COM ", "no-at-sign"]))
    assert values.iloc[0] == "li.wei@qq.com"
    assert list(reasons == "") == [True, False]


def test_compact_id_strips_spaces_and_dashes_and_upper_cases():
    values, reasons = compact_id(pd.Series(["6222 0200-1234 5678", "11010119800101001x", " - "]))
    assert list(values[:2]) == ["6222020012345678", "11010119800101001X"]
    assert reasons.iloc[2] == "empty identifier"


@pytest.mark.parametrize(
    ("normalise", "ascii_", "written_otherwise"),
    [
        (
            phone,
            "138 1234 5678",
            ["１３８　１２３４　５６７８", "١٣٨-١٢٣٤-٥٦٧٨", "१३८ १२३४ ५६७८", "𝟏𝟑𝟖 1234 5678"],
        ),
        (compact_id, "11010119800101001X", ["１１０１０１１９８００１０１００１ｘ", "١١٠١٠١١٩٨٠٠١٠١٠٠١x"]),
        (email, "shop976@126.com", ["ｓｈｏｐ９７６＠１２６．ｃｏｍ", "SHOP976@126.COM"]),
        (ip_address, "10.0.0.1", ["１０．０．０．１", "١٠.٠.٠.١"]),
    ],
)
def test_identifiers_in_full_width_or_other_digits_meet_their_ascii_form(
    normalise, ascii_, written_otherwise
):
    """A seller writing its phone, ID, e-mail or IP in full-width or Arabic-Indic characters must
    not stay apart from its storefronts that write them in ASCII."""
    values, reasons = normalise(pd.Series([ascii_, *written_otherwise]))
    assert values.nunique() == 1 and (reasons == "").all(), values.tolist()
    assert values.iloc[0].isascii()


def test_ip_addresses():
    values, reasons = ip_address(pd.Series(["10.0.0.1", "999.1.1.1", "FE80::1", "abc"]))
    assert values.iloc[2] == "fe80::1"
    assert list(reasons == "") == [True, False, True, False]


def test_normalise_identifiers_dispatches_by_kind_and_leaves_unknown_kinds():
    kinds = pd.Series(["phone", "email", "device", "fax"])
    values, reasons = normalise_identifiers(kinds, pd.Series(["138-1234-5678", "A@B.CN", "ab-12", "x"]))
    assert list(values) == ["+8613812345678", "a@b.cn", "AB12", "x"]
    assert (reasons == "").all()


# What the patterns meant when Python's re ran them, one value at a time: Arrow's RE2 must agree
_PYTHON_MEANING = {
    "_PHONE_CHARS": r"^[\d\s\-+().]+$",
    "_EMAIL": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "_IPV4": r"^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$",
    "_IPV6": r"^[0-9a-f]*:[0-9a-f:.]*$",
}


def _every_character() -> list[str]:
    return [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


def test_re2_classes_are_pythons_space_and_digit_on_every_code_point():
    import re
    import unicodedata

    from graph_loaders import normalise

    chars = _every_character()
    for python, re2 in ((r"\s", normalise._SPACE), (r"\d", normalise._DIGIT)):
        python_says = np.array([re.fullmatch(python, c) is not None for c in chars])
        re2_says = normalise._matches(pd.Series(chars), f"^[{re2}]$").to_numpy()
        differ = np.flatnonzero(python_says != re2_says)
        # only digits of Unicode versions newer than this Python's tables, which RE2 knows
        assert re2_says[differ].all()
        assert all(unicodedata.category(chars[i]) == "Cn" for i in differ), differ[:5]


def _hostile_values(seed: int, n: int = 3000) -> list[str]:
    rng = np.random.default_rng(seed)
    alphabet = list("0123456789+-().@: abcxyzABCXYZ\t\n\v\f\r") + [
        "\x1c", "\x85", "\xa0", "\u2003", "\u2028", "\u3000", "\u200b", "\ufeff",
        "١", "٣", "１", "𝟘", "Ⅷ", "²", "ß", "İ", "é", "号", "😀",
    ]  # fmt: skip
    return ["".join(rng.choice(alphabet, size=rng.integers(0, 16))) for _ in range(n)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_patterns_in_re2_judge_and_replace_as_pythons_re_did(seed):
    import re

    from graph_loaders import normalise

    values = _hostile_values(seed) + [
        "1.2.3.4",
        "255.255.255.255",
        "256.1.1.1",
        "a@b.cn",
        "a@b.cn\n",
        "::1\n",
    ]
    series = pd.Series(values, dtype=str)
    for name, python in _PYTHON_MEANING.items():
        want = [re.match(python, v) is not None for v in values]
        assert normalise._matches(series, getattr(normalise, name)).tolist() == want, name
    for python, re2 in ((r"\D", rf"[^{normalise._DIGIT}]"), (r"[\s\-]+", rf"[{normalise._SPACE}\-]+")):
        want = [re.sub(python, "", v) for v in values]
        assert normalise._removed(series, re2).tolist() == want, python


def _python_folded(value: str) -> str:
    """What ``_folded`` means, one character at a time in Python: NFKC, then digits as 0-9."""
    import unicodedata

    return "".join(
        str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None else c
        for c in unicodedata.normalize("NFKC", value)
    )


def test_normalised_identifiers_of_hostile_values_equal_the_python_re_results():
    import re

    values = pd.Series(_hostile_values(4), dtype=str)
    folded = [_python_folded(v) for v in values]
    assert sum(f != v for f, v in zip(folded, values, strict=True)) > 100  # the fold is exercised
    ids, _ = compact_id(values)
    expected = pd.Series([re.sub(r"[\s\-]+", "", v) for v in folded], dtype=str).str.upper()
    assert ids.tolist() == expected.tolist()
    _, reasons = email(values)
    stripped = pd.Series(folded, dtype=str).str.strip().str.lower()
    assert (reasons == "").tolist() == [re.match(_PYTHON_MEANING["_EMAIL"], v) is not None for v in stripped]


def test_normalising_a_part_at_a_time_is_normalising_the_whole(monkeypatch):
    import graph_loaders.normalise as normalise

    kinds = pd.Series(["phone", "email", "device", "fax", "ip", "address", "phone"] * 13)
    samples = ["138-1234-5678", "A@B.CN", "ab-12", "x", "10.0.0.300", " A9 ", "12"]
    values = pd.Series([f"{v}{i % 3 or ''}" for i, v in enumerate(samples * 13)], dtype="str")
    whole_values, whole_reasons = normalise_identifiers(kinds, values)
    monkeypatch.setattr(normalise, "_NORMALISED_PART", 5)
    part_values, part_reasons = normalise_identifiers(kinds, values)
    assert part_values.tolist() == whole_values.tolist()
    assert part_reasons.astype(str).tolist() == whole_reasons.astype(str).tolist()
    # the reasons are the kinds' own, row by row
    assert set(whole_reasons) == {"", "not an IP address", "not a phone number (8 to 15 digits)"}
