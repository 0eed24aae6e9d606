"""Keep the message catalogues in step with the code: every text wrapped in ``_()``, ``N_()`` or
``ngettext()`` under ``workbench/`` (Python files and the packet's HTML templates) becomes an entry
of each language's ``workbench.po``; entries already translated keep their translation, texts gone
from the code are dropped.

    python tools/messages.py            # update the catalogues (``make messages``)
    python tools/messages.py --check    # exit 1 naming every text without a translation
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, LOCALE_DIR  # noqa: E402

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extracted() -> Catalog:
    """Every text of the code, with where it is used."""
    catalog = Catalog(project="Counterfeit Ring Workbench", domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT / "workbench",
        # the report's template calls _() as Python does (jinja2's extractor reads it)
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")],
        keywords=KEYWORDS,
    ):
        catalog.add(
            message, locations=[(f"workbench/{filename}", lineno)], auto_comments=comments, context=context
        )
    return catalog


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def untranslated(language: str, template: Catalog | None = None) -> list[str]:
    """The code's texts that ``language``'s catalogue does not translate (or marks fuzzy)."""
    template = template or extracted()
    with catalogue_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        strings = found.string if found else None
        texts = strings if isinstance(strings, tuple) else (strings,)
        if found is None or found.fuzzy or not all(texts):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update(language: str, template: Catalog) -> int:
    path = catalogue_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        catalog = Catalog(locale=language, domain=DOMAIN, project=template.project)
    # no fuzzy guesses: a changed text waits for a person to translate it
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, omit_header=False)
    return len(untranslated(language, template))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report texts without a translation")
    args = parser.parse_args()
    template = extracted()
    status = 0
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        if args.check:
            missing = untranslated(language, template)
            for text in missing:
                print(f"{catalogue_path(language).relative_to(ROOT)}: no translation for {text!r}")
            status |= bool(missing)
        else:
            left = update(language, template)
            print(f"{language}: {len(template)} texts, {left} without a translation")
    return status


if __name__ == "__main__":
    sys.exit(main())
