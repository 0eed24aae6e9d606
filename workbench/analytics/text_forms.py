"""Address and company names reduced to comparable parts: Chinese words translated, the rest
transliterated to pinyin, English abbreviations spelled out, so 东莞市工业路123号 and
``123 Industrial Rd, Dongguan`` become the same house number, road and city."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pypinyin import lazy_pinyin

from workbench.synth.cities import CITIES

__all__ = [
    "AddressParts",
    "NameParts",
    "address_columns",
    "address_parts",
    "forget_texts",
    "name_parts",
    "words",
]

# Chinese words of addresses and company names, longest first when matched; what they say in
# English (empty: a marker with nothing to compare, such as 号 after a house number)
CHINESE_WORDS = {
    "有限责任公司": "co ltd",
    "股份有限公司": "co ltd",
    "有限公司": "co ltd",
    "集团": "group",
    "公司": "co",
    "工业园": "industrial park",
    "工业区": "industrial zone",
    "开发区": "development zone",
    "科技园": "technology park",
    "工业": "industrial",
    "科技": "technology",
    "商贸": "trading",
    "贸易": "trading",
    "实业": "industrial",
    "物流": "logistics",
    "仓储": "warehouse",
    "仓库": "warehouse",
    "制造": "manufacturing",
    "制品": "products",
    "皮具": "leather goods",
    "皮革": "leather",
    "鞋业": "footwear",
    "鞋厂": "footwear factory",
    "服饰": "garments",
    "服装": "garments",
    "箱包": "bags",
    "电子": "electronics",
    "化妆品": "cosmetics",
    "钟表": "watches",
    "手表": "watches",
    "酒业": "liquor",
    "大道": "avenue",
    "大街": "street",
    "自治区": "",
    "路": "road",
    "街": "street",
    "道": "road",
    "巷": "lane",
    "弄": "lane",
    "号": "",
    "栋": "building",
    "楼": "floor",
    "层": "floor",
    "室": "room",
    "市": "",
    "省": "",
    "区": "district",
    "县": "county",
    "镇": "town",
    "村": "village",
    "厂": "factory",
    "店": "shop",
    "行": "firm",
}
# English spellings reduced to one form; empty: a word that says nothing about which place
ENGLISH_WORDS = {
    "rd": "road",
    "str": "street",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "ln": "lane",
    "dist": "district",
    "bldg": "building",
    "fl": "floor",
    "rm": "room",
    "no": "",
    "num": "",
    "number": "",
    "city": "",
    "province": "",
    "prc": "",
    "china": "",
    "cn": "",
    "company": "co",
    "corp": "co",
    "corporation": "co",
    "limited": "ltd",
    "inc": "co",
    "mfg": "manufacturing",
    "manufactory": "factory",
    "intl": "international",
    "ind": "industrial",
    "tech": "technology",
}
# words of a company name that say what kind of business it is, not which one
LEGAL_FORMS = {
    "co",
    "ltd",
    "group",
    "factory",
    "manufacturing",
    "trading",
    "industrial",
    "firm",
    "shop",
    "international",
    "products",
    "the",
    "and",
    "of",
}
TRADES = {
    "leather",
    "goods",
    "footwear",
    "shoes",
    "garments",
    "clothing",
    "bags",
    "electronics",
    "cosmetics",
    "watches",
    "liquor",
    "logistics",
    "warehouse",
    "technology",
}

# a city as English exports write it, and as its Chinese name transliterates (haerbin: Harbin)
_CITY = {re.sub(r"[^a-z]", "", c.lower()): c for c in CITIES["city"]} | {
    "".join(lazy_pinyin(z)): c for c, z in zip(CITIES["city"], CITIES["chinese"], strict=True)
}
_PROVINCE = {re.sub(r"[^a-z]", "", p.lower()) for p in CITIES["province"]} | {"innermongolia"}
_CHINESE_RUN = re.compile(r"[\u3400-\u9fff]+")
# an ordinal ("2nd", "3rd") is one word of a road's name: read as a number it became the house
# number (Longhua 2nd Rd 306 was number 2 on "longhua nd road") and "rd" the word road
_TOKEN = re.compile(r"\d+(?:st|nd|rd|th)(?![a-z])|[a-z]+|\d+")
_LONGEST = max(map(len, CHINESE_WORDS))


@dataclass(frozen=True)
class AddressParts:
    """What two records of one place have in common, whatever the spelling."""

    number: str  # house number ("" when none)
    road: str  # the remaining words, in order ("industrial road")
    city: str  # canonical English city name ("" when none)
    text: str  # every word, for token-set comparison


@dataclass(frozen=True)
class NameParts:
    """A company name: the words that name it, the trade it is in, the city it names."""

    core: str  # "henghua"; "17" for "Manufacturing Co. #17"
    trade: frozenset[str]
    city: str
    text: str


@lru_cache(maxsize=200_000)
def _chinese(run: str) -> str:
    """A run of Chinese characters in English words and pinyin: dictionary words translated,
    the characters between them transliterated and joined (恒华 -> henghua)."""
    out, pending, i = [], [], 0
    while i < len(run):
        for size in range(min(_LONGEST, len(run) - i), 0, -1):
            word = run[i : i + size]
            if word in CHINESE_WORDS:
                if pending:
                    out.append(_pinyin("".join(pending)))
                    pending = []
                out.append(CHINESE_WORDS[word])
                i += size
                break
        else:
            pending.append(run[i])
            i += 1
    if pending:
        out.append(_pinyin("".join(pending)))
    return " " + " ".join(w for w in out if w) + " "


def _pinyin(chars: str) -> str:
    joined = "".join(lazy_pinyin(chars))
    # a city name written without 市 before the company's own name (东莞恒华): split it off
    for city in _CITY:
        if joined.startswith(city) and len(joined) > len(city):
            return f"{city} {joined[len(city) :]}"
    return joined


@lru_cache(maxsize=100_000)
def words(text: str) -> tuple[str, ...]:
    """Lower-case English words and numbers of ``text`` (Chinese translated or transliterated,
    abbreviations spelled out, words that name no place dropped).

    >>> words("东莞市工业路123号")
    ('dongguan', 'industrial', 'road', '123')
    >>> words("No. 123, Industrial Rd., Dongguan City")
    ('123', 'industrial', 'road', 'dongguan')
    """
    text = str(text)
    if not text.isascii():
        text = _CHINESE_RUN.sub(lambda m: _chinese(m.group()), unicodedata.normalize("NFKC", text))
    # Xi'an is one word
    out: list[str] = []
    for token in _TOKEN.findall(text.lower().replace("'", "")):
        out.extend(ENGLISH_WORDS.get(token, token).split())
    return tuple(out)


@lru_cache(maxsize=10_000)
def _city_column(given: str) -> str:
    return _CITY.get("".join(words(given)), "")


def _city_of(tokens: tuple[str, ...], given: str) -> tuple[str, list[str]]:
    """The city named (the ``city`` column first), and the tokens without city and province."""
    city = _city_column(given) if given else ""
    rest = []
    for token in tokens:
        if token in _CITY:
            city = city or _CITY[token]
        elif token not in _PROVINCE:
            rest.append(token)
    return city, rest


def address_parts(text: str, city: str = "") -> AddressParts:
    """House number, road and city of an address, however it is written.

    >>> address_parts("Dongguan, Industrial Rd 123")
    AddressParts(number='123', road='industrial road', city='Dongguan', text='dongguan industrial road 123')
    """
    tokens = words(text)
    found, rest = _city_of(tokens, city)
    numbers = [t for t in rest if t.isdigit()]
    road = " ".join(t for t in rest if not t.isdigit())
    return AddressParts(numbers[0] if numbers else "", road, found, " ".join(tokens))


def name_parts(name: str, city: str = "") -> NameParts:
    """The naming words, trade and city of a company name.

    >>> parts = name_parts("东莞市恒华皮具厂")
    >>> parts.core, sorted(parts.trade), parts.city
    ('henghua', ['goods', 'leather'], 'Dongguan')
    """
    tokens = words(name)
    found, rest = _city_of(tokens, city)
    core = " ".join(t for t in rest if t not in LEGAL_FORMS and t not in TRADES)
    return NameParts(core, frozenset(t for t in rest if t in TRADES), found, " ".join(tokens))


def forget_texts() -> None:
    """Empty the caches of words read from texts. Addresses rarely repeat (3 % of a million were
    read again), so after resolution the caches hold about 140 MiB that nothing reads."""
    for cached in (words, _chinese, _city_column):
        cached.cache_clear()


def address_columns(texts: pd.Series, cities: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """House number, road and city of every address (``address_parts`` of each), as three
    columns. Texts all in ASCII, as English exports write them, are read in Arrow's C++ a column
    at a time (a million took twelve seconds one by one); the others one by one."""
    given = cities.astype(object).fillna("").to_numpy()
    number, road, city = (np.full(len(texts), "", dtype=object) for _ in range(3))
    arrow = pa.array(texts, from_pandas=True)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    fast = pc.fill_null(pc.and_(pc.is_valid(arrow), pc.string_is_ascii(arrow)), False)
    fast = fast.to_numpy(zero_copy_only=False)
    slow = np.flatnonzero(~fast)
    # only the texts read one by one become Python strings (all of them were a copy of the column)
    raw = texts.iloc[slow].astype(object).to_numpy()
    for at, text in zip(slow.tolist(), raw.tolist(), strict=True):
        parts = address_parts(text, given[at])
        number[at], road[at], city[at] = parts.number, parts.road, parts.city
    ascii_rows = np.flatnonzero(fast)
    # a part at a time: a text's tokens, their owners and their words are ten values a text
    # (gigabytes for ten million addresses at once); ``words`` remembers the tokens read
    for start in range(0, len(ascii_rows), _ADDRESS_PART):
        rows = ascii_rows[start : start + _ADDRESS_PART]
        found = _ascii_address_columns(arrow.take(pa.array(rows)), given[rows])
        number[rows], road[rows], city[rows] = found
    return number, road, city


# addresses read at a time in Arrow
_ADDRESS_PART = 1 << 20


def _ascii_address_columns(texts: pa.Array, given: np.ndarray) -> tuple[np.ndarray, ...]:
    """``address_columns`` of texts all in ASCII: ``words`` and ``_city_of`` on whole columns."""
    n = len(texts)
    lowered = pc.replace_substring(pc.ascii_lower(texts), "'", "")
    tokens, owner = _flattened(pc.split_pattern_regex(lowered, "[^a-z0-9]+"), np.arange(n))
    # each distinct token read once by ``words`` (runs of letters and of digits, ordinals, each
    # spelled out: an abbreviation may stand for several words or none)
    distinct = pc.dictionary_encode(tokens)
    spelled = pa.array(
        [list(words(token)) for token in distinct.dictionary.to_pylist()], type=pa.list_(pa.string())
    )
    tokens, owner = _flattened(spelled.take(distinct.indices), owner)
    distinct = pc.dictionary_encode(tokens)
    words_ = distinct.dictionary.to_pylist()
    index = distinct.indices.to_numpy(zero_copy_only=False)
    is_city = np.array([w in _CITY for w in words_], dtype=bool)[index]
    kept = np.array([w not in _CITY and w not in _PROVINCE for w in words_], dtype=bool)[index]
    is_number = np.array([w.isdigit() for w in words_], dtype=bool)[index] & kept
    # the city column first, else the first city the text names
    column = {g: (_city_column(g) if g else "") for g in set(given.tolist())}
    city = np.array([column[g] for g in given.tolist()], dtype=object)
    named = np.array([_CITY.get(w, "") for w in words_], dtype=object)
    first_city = _first_per_owner(owner, is_city, n)
    unnamed = (city == "") & (first_city >= 0)
    city[unnamed] = named[index[first_city[unnamed]]]
    number = np.full(n, "", dtype=object)
    first_number = _first_per_owner(owner, is_number, n)
    numbered = first_number >= 0
    number[numbered] = np.array(words_, dtype=object)[index[first_number[numbered]]]
    on_road = kept & ~is_number
    counts = np.bincount(owner[on_road], minlength=n)
    offsets = pa.array(np.r_[0, np.cumsum(counts)].astype(np.int64))
    road = pc.binary_join(pa.LargeListArray.from_arrays(offsets, tokens.filter(pa.array(on_road))), " ")
    return number, road.to_numpy(zero_copy_only=False).astype(object), city


def _flattened(lists: pa.Array, owner: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """The non-empty strings of ``lists``, and the owner of the list each came from."""
    values = pc.list_flatten(lists)
    owners = owner[pc.list_parent_indices(lists).to_numpy()]
    present = pc.greater(pc.utf8_length(values), 0)
    return values.filter(present), owners[present.to_numpy(zero_copy_only=False)]


def _first_per_owner(owner: np.ndarray, where: np.ndarray, n: int) -> np.ndarray:
    """Per owner ``0..n-1``, the position of its first value (owners run in order) ``where``
    holds, else -1."""
    out = np.full(n, -1, dtype=np.int64)
    picked = np.flatnonzero(where)
    owners = owner[picked]
    first = np.r_[True, owners[1:] != owners[:-1]] if len(owners) else np.zeros(0, dtype=bool)
    out[owners[first]] = picked[first]
    return out
