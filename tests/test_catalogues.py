"""The message catalogues: extracted from today's code, complete in every language, compiled.

A worker reads the site in their language only if every string reaches the catalogue
(`make messages` extracts it), every catalogue translates it, and the compiled `.mo` that
the app serves matches the `.po` that translators edit.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.config import Config
from app.i18n import catalogue_folder

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
LOCALES = [code for code in Config.LANGUAGES if code != Config.BABEL_DEFAULT_LOCALE]
EXTRACT_LINE = re.compile(r"pybabel extract (.+) -o app/translations/messages.pot (.+)$", re.M)


def read_catalogue(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def message_ids(catalogue) -> set:
    return {m.id for m in catalogue if m.id}


def test_the_template_holds_every_string_of_todays_code(tmp_path, monkeypatch):
    options, folders = EXTRACT_LINE.search((ROOT / "Makefile").read_text()).groups()
    fresh = tmp_path / "fresh.pot"
    monkeypatch.chdir(ROOT)
    CommandLineInterface().run(["pybabel", "-q", "extract", *options.split(), "-o", str(fresh),
                                *folders.split()])
    missing = message_ids(read_catalogue(fresh)) - message_ids(
        read_catalogue(TRANSLATIONS / "messages.pot"))
    assert not missing, f"run `make messages`: {len(missing)} new strings, e.g. {sorted(missing, key=str)[:5]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_is_translated_with_its_placeholders(locale):
    template = message_ids(read_catalogue(TRANSLATIONS / "messages.pot"))
    po = TRANSLATIONS / catalogue_folder(locale) / "LC_MESSAGES" / "messages.po"
    catalogue = read_catalogue(po, locale)
    assert template <= message_ids(catalogue), "run `make messages` to update the catalogue"
    untranslated = [m.id for m in catalogue if m.id and m.id in template and (
        m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))]
    assert not untranslated, f"{len(untranslated)} untranslated or fuzzy, e.g. {untranslated[:3]}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert not problems, problems[:5]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("locale", LOCALES)
def test_msgfmt_finds_no_format_error(locale):
    po = TRANSLATIONS / catalogue_folder(locale) / "LC_MESSAGES" / "messages.po"
    result = subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(po)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def forms(message) -> tuple | None:
    """A message's translation as a tuple of forms (a compiled plural reads as a list)."""
    if message is None:
        return None
    string = message.string
    return tuple(string) if isinstance(string, (list, tuple)) else (string,)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_is_the_edited_one(locale):
    folder = TRANSLATIONS / catalogue_folder(locale) / "LC_MESSAGES"
    edited = read_catalogue(folder / "messages.po", locale)
    with (folder / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    stale = [m.id for m in edited if m.id and not m.fuzzy and m.string
             and forms(compiled.get(m.id)) != forms(m)]
    assert not stale, f"run `make messages` to compile: {len(stale)} differ, e.g. {stale[:3]}"
