"""The interface in English and Simplified Chinese: every text of the code has its translation in
the catalogue, every page draws in both languages, and a page drawn in Chinese shows no English
text of ours (data such as shop names and ids stays as it is)."""

from __future__ import annotations

import html
import json
import re
import string
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from workbench import i18n
from workbench.analytics.scoring import reasons_of
from workbench.app.testing import PAGE_FUNCTIONS, page_test
from workbench.i18n import _, in_language, language_from_header
from workbench.pipeline import analyze
from workbench.store import MemoryStore

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
sys.path.insert(0, str(ROOT / "tools"))

from messages import extracted, untranslated  # noqa: E402

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
# what may stay in Latin letters inside a Chinese text: names of things, units, formats
KEPT = re.compile(
    r"`[^`]*`|https?://\S+|[\w./-]*[/\\][\w./-]*|\b[\w-]*\d[\w-]*\b|Getis-Ord|Gi\*|SHA-256|"
    r"\b(?:IP|CSV|JSON|zip|OIDC|Neo4j|RMB|ID|p|z|R|S|English)\b"  # a language names itself
)
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}\b(?:[\s,;:()'’-]+\b[A-Za-z]{2,}\b)+")


@pytest.fixture(scope="module")
def store_dir(marketplace, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("i18n") / "store"
    with MemoryStore(path) as store:
        analyze(marketplace, path.parent / "out", store)
    return path


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_every_text_of_the_code_has_a_chinese_translation_with_the_same_placeholders():
    template = extracted()
    assert len(template) > 300  # the app, the analytics' words and the packet's
    assert untranslated("zh", template) == []
    catalogue = i18n._catalogue("zh")
    for message in template:
        if not message.id:
            continue
        singular = message.id if isinstance(message.id, str) else message.id[0]
        found = catalogue.get(singular) or catalogue.get((singular, 0))
        assert found and _fields(found) == _fields(singular), (singular, found)


def test_a_text_missing_from_the_catalogue_is_shown_in_english_and_noted():
    with in_language("zh"):
        assert _("Needs attention") == "需要处理"
        assert _("a text nobody translated") == "a text nobody translated"
    assert ("zh", "a text nobody translated") in i18n.missing()
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        i18n.set_language("fr")


def test_the_browser_language_chooses_the_default():
    assert language_from_header("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert language_from_header("en-GB,en;q=0.9") == "en"
    assert language_from_header("fr-FR,de;q=0.8") == "en"
    assert language_from_header(None) == "en"


def _texts(at: AppTest) -> list[tuple[str, str]]:
    """Every text of ours on the page: headings, captions, messages, labels, help, options of our
    own choices, table headings and legends (kind, text)."""
    found: list[tuple[str, str]] = []

    def walk(node):
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else children or []:
            yield child
            yield from walk(child)

    for element in walk(at._tree):
        kind = type(element).__name__
        proto = getattr(element, "proto", None)
        if kind in (
            "Title",
            "Header",
            "Subheader",
            "Caption",
            "Markdown",
            "Info",
            "Warning",
            "Error",
            "Success",
        ):
            found.append((kind, element.value))
        for attribute in ("label", "help", "placeholder"):
            value = getattr(proto, attribute, None) if proto is not None else None
            if isinstance(value, str) and value:
                found.append((f"{kind}.{attribute}", value))
        if kind in ("Radio", "Multiselect") and proto is not None:
            found.extend((f"{kind}.option", o) for o in proto.options)
        if kind == "Dataframe":
            columns = json.loads(proto.columns or "{}")
            found.extend(("heading", spec["label"]) for spec in columns.values() if spec.get("label"))
        if kind == "Html":
            text = html.unescape(re.sub(r"<[^>]+>", " ", proto.body))
            found.extend(("legend", part) for part in re.split(r"\s{2,}", text) if part.strip())
    return found


def _english_left(texts: list[tuple[str, str]], data: set[str]) -> list[tuple[str, str]]:
    """The texts that read as English: no Chinese character at all, or a run of English words
    left after taking out data values, code, ids, paths and the names kept in Latin letters."""
    left = []
    for kind, text in texts:
        rest = text
        for value in data:
            rest = rest.replace(value, " ")
        rest = KEPT.sub(" ", rest)
        if not rest.strip(" .,:;()[]*·→-≥+%'\"\n"):
            continue
        if not CJK.search(rest) or ENGLISH_RUN.search(rest):
            left.append((kind, text))
    return left


def _data_values(store: MemoryStore) -> set[str]:
    """Values the data carries (names, places, ids), which a page shows as they are."""
    values: set[str] = set()
    for table, columns in (
        ("sellers", ["seller_id", "shop_name"]),
        ("organizations", ["org_id", "name"]),
        ("addresses", ["address_id", "city", "province", "text"]),
    ):
        frame = store.table(table)
        for column in columns:
            if column in frame:
                values.update(str(v) for v in frame[column].dropna().unique() if len(str(v)) > 2)
    values.update(store.rings()["ring_id"].unique())
    return {v for v in values if v.strip()}


TYPED = ("nobody-like-this", "zz-no-such-ring")


def _walks(name: str, at: AppTest):
    """The page as drawn first, then after each interaction that draws its other texts (typed
    words are the reader's own, not ours: ``TYPED``)."""
    yield at
    if name == "network":
        yield at.radio[0].set_value("Seller neighbourhood").run()
        yield at.text_input[0].input(TYPED[0]).run()
    if name == "rings":
        yield at.text_input[0].input(TYPED[1]).run()


@pytest.mark.parametrize("page", sorted(PAGE_FUNCTIONS))
def test_every_page_draws_in_both_languages_and_in_chinese_shows_no_english_of_ours(
    store_dir, monkeypatch, page
):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    data = _data_values(MemoryStore(store_dir)) | set(TYPED)
    english = page_test(page, role="lead", language="en").run()
    assert not english.exception, english.exception
    missing_before = {m for m in i18n.missing() if m[0] == "zh"}
    left = []
    # the test reads the widgets as the browser would, through their labels in Chinese
    with in_language("zh"):
        chinese = page_test(page, role="lead", language="zh").run()
        assert not chinese.exception, chinese.exception
        for drawn in _walks(page, chinese):
            assert not drawn.exception, drawn.exception
            texts = _texts(drawn)
            assert texts, f"{page}: nothing drawn"
            left += _english_left(texts, data)
    assert left == [], f"{page}: English left in the Chinese page: {left[:8]}"
    assert {m for m in i18n.missing() if m[0] == "zh"} - missing_before == set()
    # the same page in English has no Chinese of ours (the catalogue is not used by accident)
    names = set(i18n.LANGUAGES.values())  # the switch names each language in itself
    assert not any(CJK.search(t) for _kind, t in _texts(english) if t not in data | names)


def test_the_sidebar_switch_changes_the_language_of_the_whole_app(store_dir, monkeypatch):
    monkeypatch.setenv("WORKBENCH_STORE", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Overview"  # no browser language: the default
    switch = next(s for s in at.sidebar.selectbox if s.label == "Language / 语言")
    switch.set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "概览"
    assert at.sidebar.button[0].label == "重新读取数据库"
    assert any("已登录" in m.value for m in at.sidebar.markdown)


def test_the_ring_card_reads_its_reasons_in_the_reader_language_while_rings_csv_stays_english(
    store_dir, marketplace, tmp_path
):
    store = MemoryStore(store_dir)
    scores = store.result("ring_scores")
    ring = scores.sort_values("ring_score", ascending=False).iloc[0]
    assert reasons_of(ring) == ring["reasons"]  # the stored words are the English reading
    with in_language("zh"):
        chinese = reasons_of(ring)
    assert CJK.search(chinese) and not ENGLISH_RUN.search(chinese)
    assert re.findall(r"\d[\d,]*", chinese) and sorted(re.findall(r"\d[\d,]*", chinese)) == sorted(
        re.findall(r"\d[\d,]*", ring["reasons"])
    )  # the same counts, in other words
    # the batch contract does not change with the interface's language
    with in_language("zh"):
        analyze(marketplace, tmp_path / "out", MemoryStore(tmp_path / "store"))
    written = pd.read_csv(tmp_path / "out" / "rings.csv")
    assert not written.astype(str).apply(lambda c: c.str.contains(CJK)).any().any()
