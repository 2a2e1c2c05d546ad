"""One way to validate a file: every file of a bank is checked against its declared
schema, with messages that name the file, the line, the key and what was expected; and
every word of a language (exercise titles, answer labels) lives in its folder."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from generator.bank import ANSWER, VARIANTS, load_bank
from generator.errors import ExgenError
from generator.schema import TEXT, Key, line_of, table, whole
from generator.spec import load_spec

from conftest import ROOT, run_process

SCHEMA = {"name": Key(TEXT), "count": Key(whole(1), 3),
          "old": Key(TEXT, moved="to {where}")}


def checked(tmp_path: Path, text: str, **names):
    path = tmp_path / "file.toml"
    path.write_text(text, encoding="utf-8")
    return table(tomllib.loads(text), SCHEMA,
                 lambda key: line_of(path, key) if key else str(path), **names)


# ---------------------------------------------------------------- the helper


def test_a_table_of_its_schema_comes_back_with_its_defaults(tmp_path):
    assert checked(tmp_path, 'name = "x"\n') == {"name": "x", "count": 3}
    assert checked(tmp_path, 'name = "x"\ncount = 7\n') == {"name": "x", "count": 7}


def test_an_unknown_key_is_named_with_its_line_and_the_keys_allowed(tmp_path):
    with pytest.raises(ExgenError) as exc:
        checked(tmp_path, 'name = "x"\n\ncuont = 2\n')
    assert str(exc.value) == (f"{tmp_path / 'file.toml'}, line 3 (cuont): unknown key "
                              "`cuont` (allowed: count, name)")


def test_a_value_of_the_wrong_kind_says_what_was_expected(tmp_path):
    with pytest.raises(ExgenError) as exc:
        checked(tmp_path, 'name = "x"\ncount = 0\n')
    assert "line 2 (count)" in str(exc.value)
    assert "`count` must be a whole number from 1, not 0" in str(exc.value)
    with pytest.raises(ExgenError) as exc:
        checked(tmp_path, 'name = 5\n')
    assert "line 1 (name)" in str(exc.value) and "`name` must be a string" in str(exc.value)


def test_a_missing_required_key_is_named_with_what_it_should_be(tmp_path):
    with pytest.raises(ExgenError) as exc:
        checked(tmp_path, 'count = 2\n')
    assert str(exc.value) == f"{tmp_path / 'file.toml'}: missing `name` (a string)"


def test_a_key_that_has_moved_says_where_to(tmp_path):
    with pytest.raises(ExgenError) as exc:
        checked(tmp_path, 'name = "x"\nold = "y"\n', where="the other file")
    assert "line 2 (old)" in str(exc.value)
    assert "`old` has moved to the other file" in str(exc.value)


def test_booleans_are_not_whole_numbers(tmp_path):
    with pytest.raises(ExgenError, match="`count` must be a whole number"):
        checked(tmp_path, 'name = "x"\ncount = true\n')


# ---------------------------------------------------------------- each file kind


def edit_pattern(path: Path, pattern: str, new: str) -> None:
    """Replace what a regular expression finds in a bank file."""
    path.write_text(re.sub(pattern, new, path.read_text(encoding="utf-8")), encoding="utf-8")


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def refused(bank_dir: Path) -> str:
    with pytest.raises(ExgenError) as exc:
        load_bank(bank_dir)
    return str(exc.value)


def line_with(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text in line)


def test_variants_file_unknown_key_names_file_line_and_allowed_keys(bank_copy):
    path = bank_copy / "variants" / "ffn_dims.toml"
    edit(path, "parts = 4", "parts = 4\nsymbol = 3")
    message = refused(bank_copy)
    assert f"ffn_dims.toml, line {line_with(path, 'symbol = 3')} (symbol)" in message
    assert "unknown key `symbol`" in message
    assert "allowed: " + ", ".join(sorted(k for k, v in VARIANTS.items() if not v.moved)) \
        in message


def test_answer_of_the_wrong_kind_names_the_line_of_its_key(bank_copy):
    path = bank_copy / "variants" / "gqa_kv_cache.toml"
    edit(path, "decimals = 3 ", "decimals = 11 ")
    message = refused(bank_copy)
    assert f"gqa_kv_cache.toml, line {line_with(path, 'decimals = 11')}" in message
    assert "`decimals` in answer `gqa_savings_percent` must be a whole number from 0 to " \
        "10, not 11" in message


def test_answer_unknown_key_lists_the_keys_an_answer_may_have(bank_copy):
    path = bank_copy / "variants" / "ffn_dims.toml"
    edit(path, 'formula = "d_model * expansion"', 'formula = "d_model * expansion"\n'
         'decimal = 2')
    message = refused(bank_copy)
    assert f"line {line_with(path, 'decimal = 2')}" in message
    assert "unknown key `decimal` in answer `d_ff`" in message
    assert ", ".join(sorted(k for k, v in ANSWER.items() if not v.moved)) in message


def test_variants_file_without_its_number_is_told_what_is_missing(bank_copy):
    edit(bank_copy / "variants" / "ffn_dims.toml", "number = 1\n", "")
    message = refused(bank_copy)
    assert "ffn_dims.toml: missing `number` (a whole number from 1)" in message


def test_a_misconception_table_is_checked_too(bank_copy):
    path = bank_copy / "variants" / "ffn_dims.toml"
    edit(path, 'one_matrix = "w1_params"', 'one_matrix = { formula = "w1_params", '
         'avoid = "yes" }')
    message = refused(bank_copy)
    assert f"line {line_with(path, 'one_matrix')}" in message
    assert "`avoid` in misconception `one_matrix` of `total_params` must be true or false" \
        in message


def test_strings_file_is_checked(bank_copy):
    strings = bank_copy / "templates" / "en" / "strings.toml"
    assert load_bank(bank_copy).language("en").words["exercise"]
    edit(strings, "min_grouping_digits = 2", "min_grouping_digit = 2")
    message = refused(bank_copy)
    assert f"strings.toml, line {line_with(strings, 'min_grouping_digit =')}" in message
    assert "unknown key `min_grouping_digit`" in message


def test_strings_file_without_its_locale_is_refused(bank_copy):
    strings = bank_copy / "templates" / "bg" / "strings.toml"
    edit_pattern(strings, r"(?m)^locale = .*\n", "")
    message = refused(bank_copy)
    assert "templates/bg/strings.toml: missing `locale`" in message


def test_a_locale_babel_does_not_know_is_named(bank_copy):
    """It once ended in an internal error in `exgen check`."""
    strings = bank_copy / "templates" / "en" / "strings.toml"
    edit_pattern(strings, r'(?m)^locale = .*$', 'locale = "xx_YY"')
    message = refused(bank_copy)
    assert f"strings.toml, line {line_with(strings, 'xx_YY')} (locale)" in message
    assert "must be a CLDR locale" in message and "'xx_YY'" in message


def test_an_explanation_must_be_text(bank_copy):
    path = bank_copy / "templates" / "en" / "misconceptions.toml"
    edit(path, "[ffn_dims]\n", "[ffn_dims]\nempty = \"  \"\n")
    message = refused(bank_copy)
    assert f"misconceptions.toml, line {line_with(path, '[ffn_dims]')}" in message
    assert "[ffn_dims] must be a table mapping each misconception's name" in message


@pytest.mark.parametrize("text, words", [
    ('[[slot]]\npool = ["rope"]\npick = "1"\n',
     ["line 1 (slot 1)", "`pick` in slot 1 must be a whole number from 1, not '1'"]),
    ('[[slot]]\npool = ["rope"]\nparts = [1, "2"]\n',
     ["line 1 (slot 1)", "`parts` in slot 1 must be a list of sub-question numbers"]),
    ('[[slot]]\npool = ["rope"]\n\n[grading]\nscale = [[0.5, 3], [0]]\n',
     ["line 5 (grading.scale)", "`scale` in [grading] must be [[share, grade], …]"]),
    ('[en]\ncourse = "C"\n\n[[slot]]\npool = ["rope"]\nwritten = -1\n',
     ["line 4 (slot 1)", "`written` in slot 1 must be a positive number of points"]),
    ('[[slots]]\npool = ["rope"]\n',
     ["line 1 (slots)", "unknown key `slots` (allowed: bg, en, form, grading, slot)"]),
    ('[en]\ncourse = "C"\n', ["missing `slot` (at least one [[slot]]"]),
    ('form = "bubbles"\n[en]\ncourse = "C"\n\n[[slot]]\npool = ["rope"]\n',
     ["form", '"write" (typed in) or "scan"']),
])
def test_a_spec_is_checked_by_its_schema(bank, tmp_path, text, words):
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExgenError) as exc:
        load_spec(path, bank)
    assert str(exc.value).startswith(str(path))
    for word in words:
        assert word in str(exc.value), (word, str(exc.value))


# ---------------------------------------------------------------- words in the language


def test_titles_and_labels_are_read_from_the_languages_folders(bank):
    ffn = bank.exercise("ffn_dims")
    assert ffn.titles == {"bg": "FFN размерности", "en": "FFN dimensions"}
    assert ffn.answers["w1_params"].labels == {"bg": "Параметри на $W_1$",
                                               "en": "$W_1$ parameters"}
    for path in (ROOT / "variants").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?m)^\[title\]|^label\s*=", text), path


def test_a_missing_title_in_one_language_names_that_languages_exercises_toml(bank_copy):
    path = bank_copy / "templates" / "en" / "exercises.toml"
    edit(path, '[residual]\ntitle = "Residual connections"\n', "[residual]\n")
    message = refused(bank_copy)
    assert f"templates/en/exercises.toml, line {line_with(path, '[residual]')}" in message
    assert "missing `title` in [residual]" in message


def test_an_exercise_absent_from_one_languages_exercises_toml_is_refused(bank_copy):
    path = bank_copy / "templates" / "bg" / "exercises.toml"
    edit_pattern(path, r"(?ms)^\[rope\].*?(?=^\[position_interpolation\])", "")
    message = refused(bank_copy)
    assert "templates/bg/exercises.toml" in message
    assert "exercise `rope` has no bg title" in message


def test_a_language_without_exercises_toml_is_told_what_it_holds(bank_copy):
    (bank_copy / "templates" / "en" / "exercises.toml").unlink()
    message = refused(bank_copy)
    assert message.startswith(f"{bank_copy / 'templates' / 'en' / 'exercises.toml'}: "
                              "not found")
    assert "[<exercise>] title" in message


def test_a_missing_label_in_one_language_names_the_file_and_the_answer(bank_copy):
    path = bank_copy / "templates" / "bg" / "exercises.toml"
    edit(path, 'w2_params = "Параметри на $W_2$"\n', "")
    message = refused(bank_copy)
    assert f"templates/bg/exercises.toml, line {line_with(path, '[ffn_dims.labels]')}" \
        in message
    assert "answer `w2_params` of `ffn_dims` has no bg label" in message


def test_an_intermediate_answer_needs_no_label(bank_copy):
    for lang in ("bg", "en"):
        path = bank_copy / "templates" / lang / "exercises.toml"
        edit_pattern(path, r"(?m)^mha_bytes = .*\n", "")
    answer = load_bank(bank_copy).exercise("gqa_kv_cache").answers["mha_bytes"]
    assert answer.intermediate and answer.labels == {}


def test_words_for_an_answer_or_exercise_the_bank_lacks_are_refused(bank_copy):
    path = bank_copy / "templates" / "en" / "exercises.toml"
    edit(path, 'd_ff = "Hidden size"\n', 'd_ff = "Hidden size"\nd_fff = "Typo"\n')
    message = refused(bank_copy)
    assert f"templates/en/exercises.toml, line {line_with(path, 'd_fff')}" in message
    assert "`d_fff`, which is no answer of ffn_dims" in message
    edit(path, 'd_fff = "Typo"\n', "")
    with path.open("a", encoding="utf-8") as file:
        file.write('\n[no_such_exercise]\ntitle = "Nothing"\n')
    message = refused(bank_copy)
    assert f"line {line_with(path, '[no_such_exercise]')}" in message
    assert "[no_such_exercise] names no exercise of the bank" in message


def test_a_variants_file_still_holding_words_is_told_where_they_moved(bank_copy):
    path = bank_copy / "variants" / "ffn_dims.toml"
    edit(path, "[params]", '[title]\nen = "FFN dimensions"\n\n[params]')
    message = refused(bank_copy)
    assert f"ffn_dims.toml, line {line_with(path, '[title]')} (title)" in message
    assert "has moved to templates/<lang>/exercises.toml" in message
    assert "[ffn_dims] title = " in message
    edit(path, '[title]\nen = "FFN dimensions"\n\n', "")
    edit(path, 'formula = "d_model * d_ff"', 'formula = "d_model * d_ff"\n'
         'label = { en = "$W_1$ parameters" }')
    message = refused(bank_copy)
    assert f"line {line_with(path, 'label = ')}" in message
    assert "w1_params = \"…\" under [ffn_dims.labels]" in message


def test_a_real_user_sees_one_line_and_exit_status_2(bank_copy):
    path = bank_copy / "templates" / "en" / "exercises.toml"
    edit(path, 'output = "output"\n', "")
    proc = run_process("--bank", bank_copy, "list")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "templates/en/exercises.toml" in proc.stderr and "`output`" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_check_reports_the_words_of_every_language_at_once(bank_copy):
    """`exgen check` collects a bad exercise's problem and goes on."""
    edit(bank_copy / "templates" / "en" / "exercises.toml", 'output = "output"\n', "")
    with (bank_copy / "templates" / "bg" / "exercises.toml").open("a", encoding="utf-8") as f:
        f.write('\n[extra]\ntitle = "Допълнителна"\n')
    proc = run_process("--bank", bank_copy, "check")
    assert proc.returncode == 2
    assert "`output` of `residual` has no en label" in proc.stderr
    assert "[extra] names no exercise of the bank" in proc.stderr


def test_a_new_exercise_is_one_variants_file_and_its_words_per_language(tmp_path):
    bank_dir = tmp_path / "bank"
    shutil.copytree(ROOT / "templates", bank_dir / "templates")
    (bank_dir / "variants").mkdir()
    shutil.copy(ROOT / "variants" / "residual.toml", bank_dir / "variants")
    for lang in ("bg", "en"):
        path = bank_dir / "templates" / lang / "exercises.toml"
        text = path.read_text(encoding="utf-8")
        keep = re.search(r"(?ms)^\[residual\].*?(?=^\[layernorm\])", text).group(0)
        path.write_text(keep, encoding="utf-8")
        path = bank_dir / "templates" / lang / "misconceptions.toml"
        text = path.read_text(encoding="utf-8")
        keep = re.search(r"(?ms)^\[residual\].*?(?=^\[)", text).group(0)
        path.write_text(keep, encoding="utf-8")
    bank = load_bank(bank_dir)
    assert list(bank.exercises) == ["residual"]
    assert bank.exercise("residual").title("en") == "Residual connections"


@pytest.mark.parametrize("written, words", [
    ("{ length = 3, values = 5 }", ["`values` in parameter `x` must be a list of values"]),
    ("{ length = 3, values = [1, 2], lenght = 4 }", ["unknown key `lenght`"]),
    ("{ from = 1, to = 5, stride = 2 }", ["unknown key `stride`", "allowed: from, step, to"]),
    ("{ from = 1, to = 5, step = 0 }", ["`step` in parameter `x` must be a whole number "
                                        "from 1, not 0"]),
    ("{ from = 1 }", ["missing `to` in parameter `x`"]),
])
def test_a_parameter_written_as_a_table_is_checked_by_its_schema(bank_copy, written, words):
    """A vector space's `values` that is no list once ended in an internal error, and a
    misspelt key of a range or vector space was silently ignored."""
    path = bank_copy / "variants" / "residual.toml"
    edit(path, "x = { length = 3, values = [0, 1, 2, 3, 4, 5] }", f"x = {written}")
    message = refused(bank_copy)
    assert f"residual.toml, line {line_with(path, 'x = {')} (params.x)" in message
    for word in words:
        assert word in message, (word, message)


def test_check_names_the_languages_file_of_a_label_the_pdfs_cannot_set(bank_copy, run):
    edit(bank_copy / "templates" / "en" / "exercises.toml", 'output = "output"',
         'output = "output 🙂"')
    result = run("--bank", bank_copy, "check", "residual")
    assert result.code == 2
    assert "templates/en/exercises.toml: the en label of `output` of residual" in result.err


def test_an_explanation_for_what_the_bank_does_not_have_is_refused(bank_copy):
    """Like exercises.toml, misconceptions.toml may not keep words for a misconception
    or an exercise that was renamed."""
    path = bank_copy / "templates" / "bg" / "misconceptions.toml"
    edit(path, "one_matrix = ", 'one_matrx = "Typo."\none_matrix = ')
    message = refused(bank_copy)
    assert f"templates/bg/misconceptions.toml, line {line_with(path, 'one_matrx')}" \
        in message
    assert "[ffn_dims] explains `one_matrx`, which no answer of ffn_dims declares" \
        in message
    edit(path, 'one_matrx = "Typo."\n', "")
    with path.open("a", encoding="utf-8") as file:
        file.write('\n[ffn_dim]\nwith_bias = "Typo."\n')
    message = refused(bank_copy)
    assert f"misconceptions.toml, line {line_with(path, '[ffn_dim]')}" in message
    assert "[ffn_dim] names no exercise of the bank" in message
