"""The words a language declares ([words] of templates/<lang>/strings.toml) against the words the
code and the pages use: every declared word is used somewhere, every word used is
declared in every language, and every word the site's script shows is shipped to the
page (an accepted alternative once showed an empty verdict: its word was declared but
not shipped)."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT
from generator.reading import UNREAD_WORDS
from generator.scan_page import REASONS as SCAN_REASONS
from generator.site import PAGE_WORDS, SITE_WORDS

TEMPLATES = ROOT / "templates"
# bank.py reads the words (and exercises.toml's own `words` tables): it uses none.
SOURCES = [*sorted(p for p in (ROOT / "generator").glob("*.py") if p.name != "bank.py"),
           *sorted((ROOT / "generator" / "site_assets").glob("*.*")),
           *sorted((TEMPLATES / "layouts").glob("*.*"))]
# A verdict's status and the reasons it gives (reading.Verdict), and a written
# sub-question's `scored`: the words built from them at run time.
STATUSES = ("right", "alternative", "wrong", "blank", "unparseable", "scored")
REASONS = ("number", "vector", "matrix", "choice")
BUILT = {"mark_": STATUSES, "site_": STATUSES[:5], "unread_": REASONS, "scan_": SCAN_REASONS}
# A word used by name: language.word("…"), words["…"], words.get("…"), or words.… in a
# Jinja template or the site's script.
USED = re.compile(r"""\bword\(["']([a-z_0-9]+)["']\)|\bwords\[["']([a-z_0-9]+)["']\]"""
                  r"""|\bwords\.get\(["']([a-z_0-9]+)["']|\bwords\.([a-z_0-9]+)\b(?!\()""")
# Words a module lists in a tuple and reads in a loop.
LISTED = {*PAGE_WORDS, *SITE_WORDS, *UNREAD_WORDS, "parameters", "answers", "variants"}


def declared() -> dict[str, set[str]]:
    return {folder.name: set(tomllib.loads((folder / "strings.toml").read_text(
        encoding="utf-8"))["words"])
            for folder in sorted(TEMPLATES.iterdir()) if (folder / "strings.toml").is_file()}


def by_name() -> set[str]:
    found = set()
    for path in SOURCES:
        for match in USED.finditer(path.read_text(encoding="utf-8")):
            found.add(next(g for g in match.groups() if g))
    return found


def built() -> set[str]:
    return {prefix + end for prefix, ends in BUILT.items() for end in ends}


def test_every_word_the_code_and_pages_use_is_declared_in_every_language():
    used = by_name() | LISTED | built()
    for lang, words in declared().items():
        assert sorted(used - words) == [], lang


def test_every_declared_word_is_used_by_the_code_or_the_pages():
    text = "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)
    quoted = set(re.findall(r"""["']([a-z_0-9]+)["']""", text))
    used = by_name() | LISTED | built() | quoted
    for lang, words in declared().items():
        assert sorted(words - used) == [], lang


def test_every_word_the_site_s_script_shows_is_shipped_to_its_page():
    script = (ROOT / "generator" / "site_assets" / "site.js").read_text(encoding="utf-8")
    shown = {next(g for g in m.groups() if g) for m in USED.finditer(script)}
    if 'words["site_" + verdict]' in script:
        shown |= {f"site_{s}" for s in BUILT["site_"]}
    if 'words["unread_" + verdict.reason]' in script:
        shown |= {f"unread_{r}" for r in REASONS}
    assert "site_alternative" in shown and "unread_vector" in shown
    assert sorted(shown - set(PAGE_WORDS)) == []
