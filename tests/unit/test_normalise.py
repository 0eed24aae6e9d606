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


def test_ip_addresses():
    values, reasons = ip_address(pd.Series(["10.0.0.1", "999.1.1.1", "FE80::1", "abc"]))
    assert values.iloc[2] == "fe80::1"
    assert list(reasons == "") == [True, False, True, False]


def test_normalise_identifiers_dispatches_by_kind_and_leaves_unknown_kinds():
    kinds = pd.Series(["phone", "email", "device", "fax"])
    values, reasons = normalise_identifiers(kinds, pd.Series(["138-1234-5678", "A@B.CN", "ab-12", "x"]))
    assert list(values) == ["+8613812345678", "a@b.cn", "AB12", "x"]
    assert (reasons == "").all()
