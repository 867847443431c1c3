"""English, French and Arabic are complete: every message in the code is translated, the
placeholders survive translation, and the compiled catalogues match their sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "webapp" / "translations"
LANGUAGES = ("fr", "ar")
KEYWORDS = {"_": None, "N_": None, "L": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "gettext_in": (2,)}
METHOD_MAP = [("webapp/**.py", "python"), ("core/organisations/**.py", "python"), ("matching/**.py", "python"), ("webapp/templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def code_messages() -> set[str]:
    messages = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, options_map={"webapp/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ):
        messages.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in messages if m}


def catalogue(language: str):
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"no {language} catalogue: run `make translations` and translate it"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.fixture(scope="module")
def messages() -> set[str]:
    found = code_messages()
    assert len(found) > 100, "the extractor found too few messages; is babel.cfg still right?"
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(messages, language):
    catalog = catalogue(language)
    missing = sorted(m for m in messages if not (catalog.get(m) and catalog.get(m).string and not catalog.get(m).fuzzy))
    assert not missing, f"{len(missing)} messages lack a {language} translation (make translations), e.g. {missing[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    catalog = catalogue(language)
    broken = [
        message.id
        for message in catalog
        if message.id and message.string and isinstance(message.id, str)
        and set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string))
    ]
    assert not broken, f"{language}: placeholders differ in {broken[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_source(language):
    mo_path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), f"{mo_path} missing: run `make translations`"
    def key(value):  # plural entries: read_mo gives lists where read_po gives tuples
        return tuple(value) if isinstance(value, list) else value

    with mo_path.open("rb") as handle:
        compiled = {key(m.id): key(m.string) for m in read_mo(handle) if m.id}
    source = {key(m.id): key(m.string) for m in catalogue(language) if m.id and m.string and not m.fuzzy}
    assert compiled == source, f"{language}: messages.mo is stale; run `make translations`"


def test_pages_come_out_in_the_chosen_language(client):
    french = client.get("/login", headers={"Accept-Language": "fr"}).data.decode()
    arabic = client.get("/login", headers={"Accept-Language": "ar"}).data.decode()
    english = client.get("/login", headers={"Accept-Language": "en"}).data.decode()
    assert "Sign in" in english
    assert "Sign in" not in french and "Sign in" not in arabic
    assert 'dir="rtl"' in arabic
