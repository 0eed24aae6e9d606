"""The interface's languages: English and Simplified Chinese, with the texts in gettext catalogues.

Texts are written in English in the code, wrapped in ``_()`` (or marked with ``N_()`` where they
are constants translated later), and translated from ``workbench/locale/zh/LC_MESSAGES/workbench.po``.
The catalogue is read as text at first use (no compiled ``.mo`` file to keep in step with it).
``make messages`` re-extracts the texts after a change; ``tests/app/test_i18n.py`` fails while a
text has no translation.
"""

from __future__ import annotations

import contextvars
import functools
import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "DEFAULT_LANGUAGE",
    "LOCALE_DIR",
    "N_",
    "_",
    "ngettext",
    "current_language",
    "set_language",
    "in_language",
    "language_from_header",
    "missing",
]

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"
DOMAIN = "workbench"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)
# texts asked for in a language whose catalogue lacks them (read by the completeness test)
_missing: set[tuple[str, str]] = set()


def N_(message: str) -> str:
    """Marks a constant text for the catalogue; it is translated where it is shown, with ``_()``."""
    return message


@functools.cache
def _read(language: str) -> tuple[dict, object]:
    """``language``'s translations, keyed as gettext keys them (a text, or ``(singular, form)`` for
    plurals; untranslated and fuzzy entries left out), and its rule from a number to a plural form."""
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    texts: dict = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, str):
            if message.string:
                texts[message.id] = message.string
        else:
            texts.update({(message.id[0], k): s for k, s in enumerate(message.string) if s})
    return texts, _gettext.c2py(catalog.plural_expr)


def _catalogue(language: str) -> dict:
    """The translations of ``language`` (empty for English, the language of the code)."""
    return {} if language == DEFAULT_LANGUAGE else _read(language)[0]


def current_language() -> str:
    return _language.get()


def set_language(language: str) -> None:
    """The language of what is drawn or written from here on, in this thread of work."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    _language.set(language)


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Draw or write the enclosed texts in ``language``, then return to the one before."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """``message`` in the current language (English where the catalogue lacks it, noted as missing)."""
    language = _language.get()
    if language == DEFAULT_LANGUAGE or not message:
        return message
    found = _catalogue(language).get(message)
    if not found:
        _missing.add((language, message))
        return message
    return found


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural text for ``n`` in the current language."""
    language = _language.get()
    if language == DEFAULT_LANGUAGE:
        return singular if n == 1 else plural
    found = _catalogue(language).get((singular, _read(language)[1](n)))
    if not found:
        _missing.add((language, singular))
        return singular if n == 1 else plural
    return found


def language_from_header(accept_language: str | None) -> str:
    """The first of our languages a browser's Accept-Language asks for (``zh-CN,zh;q=0.9`` -> zh)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def missing() -> set[tuple[str, str]]:
    """The (language, text) pairs asked for and not found since the process started."""
    return set(_missing)
