"""`exgen site`: the static practice site, built by the command line and opened in a real
headless Chromium (Debian's `chromium`, driven by Playwright's Python package; no
browser is ever downloaded). Under CI=true the browser tests run, never skip.

The reading rules themselves are proved the same in reading.py and the page's
reading.js by tests/test_reading_twins.py; here the page uses them as grade does.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import CHROMIUM, ROOT
from generator.html import inline_markdown_to_html
from generator.numbers import plain
from generator.bank import load_bank
from generator.cli import main
from generator.export import plan_export
from generator.grade import misconception_in
from generator import reading
from generator.misconceptions import judged_key
from generator.spec import default_spec

SEED = 3
VARIANTS = 6


def build(out: Path, *args) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["site", "--seed", str(SEED), "--variants", str(VARIANTS), "--out", str(out),
              *map(str, args)])
    assert exc.value.code == 0


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build(out)
    return out


# ---------------------------------------------------------------- the files


def test_index_a_list_per_language_and_a_page_per_exercise(site, bank):
    assert (site / "index.html").is_file() and (site / ".exgen-build").is_file()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="bg/index.html"' in index and 'href="en/index.html"' in index
    for lang in ("bg", "en"):
        listing = (site / lang / "index.html").read_text(encoding="utf-8")
        for ex in bank.exercises.values():
            assert f'href="{ex.id}.html"' in listing
            page = (site / lang / f"{ex.id}.html").read_text(encoding="utf-8")
            assert f'<html lang="{lang}">' in page and ex.title(lang) in page
    for asset in ("assets/site.js", "assets/reading.js", "assets/site.css",
                  "assets/katex/katex.min.js", "assets/katex/katex.min.css",
                  "assets/katex/auto-render.js", "assets/katex/fonts/KaTeX_Main-Regular.woff2"):
        assert (site / asset).is_file(), asset


def test_the_page_holds_the_export_variants_with_their_keys_and_tolerances(site, bank):
    """The site is a writer over the export's plan: the same variants, keys, tolerances."""
    export = plan_export(bank, default_spec(bank), SEED, VARIANTS, "en")
    page = (site / "en" / "layernorm.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="exgen-data">(.*?)</script>', page, re.S).group(1))
    planned = [q for q in export.questions if q.exercise.id == "layernorm"]
    assert [v["code"] for v in data["variants"]] == [q.code for q in planned]
    assert len(planned) == VARIANTS
    for variant, question in zip(data["variants"], planned):
        assert variant["answers"] == [
            judged_key(question.item.solution, r.answer.name).to_json()
            for r in question.responses]
        for answer, r in zip(variant["answers"], question.responses):
            assert answer["value"] == r.answer.plain
            assert answer["tolerance"] == r.answer.tolerance
            assert answer["alternatives"] == [plain(v) for v in r.answer.alternatives]
    labels = re.findall(r'<label for="answer-\d+">(.*?)</label>', page)
    assert labels == [inline_markdown_to_html(r.answer.label("en"))
                      for r in planned[0].responses]
    assert labels[1].startswith("\\(\\sigma^2\\)")        # math for KaTeX


def test_the_page_explains_each_mistake_in_its_own_language(site, bank):
    for lang in ("bg", "en"):
        page = (site / lang / "layernorm.html").read_text(encoding="utf-8")
        data = json.loads(re.search(r'id="exgen-data">(.*?)</script>', page, re.S)[1])
        language = bank.language(lang)
        assert data["mistakes"] == {       # Markdown with math, as HTML for KaTeX
            name: inline_markdown_to_html(language.explanation("layernorm", name))
            for name in ("sample_variance", "variance_std_swapped", "divided_by_variance")}
        assert "\\(n - 1\\)" in data["mistakes"]["sample_variance"]
        assert "$" not in json.dumps(data["mistakes"])


def test_both_languages_practise_the_same_variants(site, bank):
    for ex_id in bank.exercises:
        codes = []
        for lang in ("bg", "en"):
            page = (site / lang / f"{ex_id}.html").read_text(encoding="utf-8")
            data = json.loads(re.search(r'id="exgen-data">(.*?)</script>', page, re.S)[1])
            codes.append([v["code"] for v in data["variants"]])
        assert codes[0] == codes[1]


def test_same_arguments_give_a_byte_identical_site(site, tmp_path):
    build(tmp_path / "again")
    assert tree(tmp_path / "again") == tree(site)


def test_every_page_sets_a_csp_and_names_no_other_host(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 1 + 2 * (1 + 12)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert ('<meta http-equiv="Content-Security-Policy" content="default-src '
                "&#39;none&#39;; script-src &#39;self&#39;; style-src &#39;self&#39;") in text
        assert not re.search(r'(src|href)="(https?:)?//', text), page


def test_a_spec_builds_its_own_folder_with_only_its_exercises(tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "quiz.toml"
    spec.write_text('[en]\ncourse = "Course"\ntitle = "Quiz"\n\n'
                    '[[slot]]\npool = ["rope", "residual"]\n', encoding="utf-8")
    result = run("site", "--spec", spec, "--variants", 2)
    assert result.code == 0, result.err
    out = tmp_path / "build" / "site" / "quiz"
    assert sorted(p.name for p in (out / "en").iterdir()) == [
        "index.html", "residual.html", "rope.html"]
    assert not (out / "bg").exists()


def test_an_exercise_with_fewer_variants_has_all_of_them_and_says_so(site, run, tmp_path):
    result = run("site", "--variants", 3, "--out", tmp_path / "s")
    assert result.code == 0
    assert "pre_post_norm has only 2 variant(s): the site has all of them" in result.err
    page = (tmp_path / "s" / "en" / "pre_post_norm.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="exgen-data">(.*?)</script>', page, re.S).group(1))
    assert len(data["variants"]) == 2


def test_bad_variants_count_is_refused_without_output(tmp_path, run):
    result = run("site", "--variants", 0, "--out", tmp_path / "s")
    assert result.code == 2 and "--variants must be at least 1" in result.err
    assert not (tmp_path / "s").exists()


def test_missing_katex_is_named_with_how_to_install_it(tmp_path, run, monkeypatch):
    monkeypatch.setenv("EXGEN_KATEX", str(tmp_path / "nowhere"))
    result = run("site", "--out", tmp_path / "s")
    assert result.code == 2 and "libjs-katex" in result.err and "make setup" in result.err
    assert not (tmp_path / "s").exists()


def test_a_bank_without_the_site_s_words_is_told_which_is_missing(bank_copy, tmp_path, run):
    strings = bank_copy / "templates" / "en" / "strings.toml"
    text = strings.read_text(encoding="utf-8")
    strings.write_text(re.sub(r"(?m)^site_check = .*\n", "", text), encoding="utf-8")
    result = run("--bank", bank_copy, "site", "--out", tmp_path / "s")
    assert result.code == 2 and "site_check" in result.err and "strings.toml" in result.err
    assert not (tmp_path / "s").exists()


HOSTILE = ("<script>window.pwned = 1</script>\n\n"
           'A picture: <img src="x" onerror="window.pwned = 2"> and '
           '<a href="javascript:window.pwned=3">a link</a>.\n\n')


HOSTILE_MISTAKE = '<img src="x" onerror="window.pwned = 4"><script>window.pwned = 5</script>'


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """A bank whose template carries raw HTML: it must show as text, never run."""
    root = tmp_path_factory.mktemp("hostile")
    bank = root / "bank"
    shutil.copytree(ROOT / "variants", bank / "variants")
    shutil.copytree(ROOT / "templates", bank / "templates")
    template = bank / "templates" / "en" / "residual.md"
    text = template.read_text(encoding="utf-8")
    start = text.index("{% block question %}") + len("{% block question %}")
    template.write_text(text[:start] + "\n" + HOSTILE + text[start:], encoding="utf-8")
    explanations = bank / "templates" / "en" / "misconceptions.toml"
    text = explanations.read_text(encoding="utf-8")
    explanations.write_text(re.sub(r"(?m)^no_skip = .*$", lambda m: "no_skip = '"
                                   + HOSTILE_MISTAKE + "'", text), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["--bank", str(bank), "site", "--variants", "2", "--out", str(root / "site")])
    assert exc.value.code == 0
    return root / "site"


def test_raw_html_in_a_template_is_escaped_in_the_files(hostile_site):
    page = (hostile_site / "en" / "residual.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page
    assert "<script>window" not in page and "<img" not in page
    assert 'href="javascript:' not in page
    data = re.search(r'id="exgen-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in data and ">" not in data


# ---------------------------------------------------------------- in a real browser


class Visit:
    """One page opened from file://, with every request, error and CSP report kept."""

    def __init__(self, browser, url: str, width: int = 420):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.add_init_script(
            "window.cspReports = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.cspReports.push(e.violatedDirective + ' ' + e.blockedURI));")
        self.page.goto(url)
        self.page.wait_for_load_state("load")

    def close(self) -> None:
        if self.page.is_closed():
            return
        assert self.errors == []
        assert [u for u in self.requests if not u.startswith("file://")] == []
        self.context.close()

    @property
    def code(self) -> str:
        return self.page.get_attribute("#question", "data-code")


@pytest.fixture
def visit(browser):
    opened = []

    def _open(path: Path, width: int = 420) -> Visit:
        opened.append(Visit(browser, path.as_uri(), width))
        return opened[-1]

    yield _open
    for v in opened:
        v.close()


def _questions(bank, lang):
    export = plan_export(bank, default_spec(bank), SEED, VARIANTS, lang)
    return {q.code: q for q in export.questions}


def _typed(text: str) -> str:
    """As a keyboard types it: ordinary spaces between digit groups."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _wrong(answer) -> str:
    if answer.kind == "choice":
        return next(letter for letter in answer.letters if letter != answer.plain)
    if answer.kind == "number":
        return str(answer.plain * 2 + 1)
    return "[" + "; ".join("7" for _ in answer.components) + "]"


@pytest.mark.parametrize("lang,exercise", [("bg", "gqa_kv_cache"), ("en", "gqa_kv_cache"),
                                           ("bg", "layernorm"), ("en", "residual"),
                                           ("bg", "attention_masks"), ("en", "rope")])
def test_answers_as_the_key_prints_them_are_right_and_others_wrong(site, visit, bank, lang,
                                                                   exercise):
    words = bank.language(lang).words
    style = bank.language(lang).style
    v = visit(site / lang / f"{exercise}.html")
    page = v.page
    question = _questions(bank, lang)[v.code]
    boxes = page.locator("#answers input")
    assert boxes.count() == len(question.responses)
    for i, response in enumerate(question.responses):
        boxes.nth(i).fill(_typed(response.answer.shown(style).text))
    page.click("#check")
    for i in range(len(question.responses)):
        assert page.inner_text(f"#verdict-{i}") == words["site_right"]
    total = len(question.responses)
    assert page.inner_text("#score") == words["site_score"].replace(
        "{right}", str(total)).replace("{total}", str(total))
    for i, response in enumerate(question.responses):
        boxes.nth(i).fill(_wrong(response.answer))
    boxes.nth(0).fill("")
    if total > 1:
        boxes.nth(1).fill("two")
    page.click("#check")
    assert page.inner_text("#verdict-0") == words["site_blank"]
    if total > 1:
        assert page.inner_text("#verdict-1").startswith(words["site_unparseable"])
        kind = question.responses[1].answer.kind
        assert page.inner_text("#verdict-1 .reason") == words[f"unread_{kind}"]
        assert page.get_attribute("#answer-1", "aria-invalid") == "true"
    for i in range(2, total):
        assert page.inner_text(f"#verdict-{i}") == words["site_wrong"]


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_an_accepted_alternative_is_named_on_the_page(site, visit, bank, lang):
    """LayerNorm's x̂ with σ rounded to two places first: right, and the verdict says so
    in words (it once was empty: the word was not shipped to the page)."""
    words = bank.language(lang).words
    v = visit(site / lang / "layernorm.html")
    questions = _questions(bank, lang)
    for _ in range(VARIANTS):
        question = questions[v.code]
        index = next(i for i, r in enumerate(question.responses)
                     if r.answer.name == "normalized")
        key = judged_key(question.item.solution, "normalized")
        text = "[" + "; ".join(f"{x:.2f}" for x in key.alternatives[0]) + "]"
        if reading.judge(text, key).status == "alternative":
            break
        v.page.click("#new-variant")
    else:
        pytest.fail("no variant of the page has an alternative apart from the key")
    v.page.fill(f"#answer-{index}", text)
    v.page.click("#check")
    assert v.page.get_attribute(f"#verdict-{index}", "class") == "verdict alternative"
    assert v.page.inner_text(f"#verdict-{index}") == words["site_alternative"] != ""


# Each mistake's value from a numpy oracle of the mistake itself, not from exgen.
def _sample_variance(params) -> float:
    return float(np.var(np.array(params["x"], dtype=float), ddof=1))


def _megabytes_of_a_million_bytes(params) -> float:
    size = np.prod([2, params["n_heads"], params["seq_len"], params["d_k"],
                    params["bytes_per_value"]], dtype=np.int64)
    return float(size / 10**6)


MISTAKES = [("layernorm", "variance", "sample_variance", _sample_variance),
            ("gqa_kv_cache", "mha_mb", "decimal_megabytes", _megabytes_of_a_million_bytes)]


@pytest.mark.parametrize("lang", ["bg", "en"])
@pytest.mark.parametrize("exercise,name,mistake,oracle", MISTAKES,
                         ids=[m[2] for m in MISTAKES])
def test_a_wrong_answer_that_is_a_known_mistake_is_explained(site, visit, bank, lang,
                                                              exercise, name, mistake,
                                                              oracle):
    """The page tells the student what went wrong, in the live region of the verdict,
    exactly where grade labels the answer with the misconception; a right answer and an
    unrelated wrong one are told nothing more."""
    language = bank.language(lang)
    v = visit(site / lang / f"{exercise}.html")
    page = v.page
    question = _questions(bank, lang)[v.code]
    index = next(i for i, r in enumerate(question.responses) if r.answer.name == name)
    box, verdict = f"#answer-{index}", f"#verdict-{index}"
    decimal = "," if lang == "bg" else "."
    typed = f"{oracle(question.item.solution.plain_params):.2f}".replace(".", decimal)
    assert misconception_in(typed, question.item, name) == mistake
    page.fill(box, typed)
    page.click("#check")
    assert page.get_attribute(verdict, "aria-live") == "polite"
    assert page.get_attribute(verdict, "class") == "verdict wrong"
    explanation = language.explanation(exercise, mistake)
    # Its words as written, its math set by KaTeX (no `$` left in the page's text).
    shown = page.inner_text(f"{verdict} .mistake")
    words, math = explanation.split("$")[::2], explanation.split("$")[1::2]
    assert explanation and all(w.strip() in shown for w in words) and "$" not in shown
    assert page.locator(f"{verdict} .mistake .katex").count() == len(math) > 0
    assert page.inner_text(verdict).startswith(language.word("site_wrong"))

    response = question.responses[index]
    for text, expected in ((_typed(response.answer.shown(language.style).text), "right"),
                           (_wrong(response.answer).replace(".", decimal), "wrong")):
        assert misconception_in(text, question.item, name) == ""
        page.fill(box, text)
        page.click("#check")
        assert page.get_attribute(verdict, "class") == f"verdict {expected}"
        assert page.locator(f"{verdict} .mistake").count() == 0


def test_the_page_recognises_every_mistake_as_grade_does(site, visit, bank):
    """Each misconception's value of every variant, typed plainly, and the key itself:
    the page names the same mistake as grade's misconception_in (or none)."""
    export = plan_export(bank, default_spec(bank), SEED, VARIANTS, "en")
    questions = {q.idnumber: q for q in export.questions}
    cases, expected = [], []
    for page_file in sorted((site / "en").glob("*.html")):
        if page_file.name == "index.html":
            continue
        data = json.loads(re.search(r'id="exgen-data">(.*?)</script>',
                                    page_file.read_text(encoding="utf-8"), re.S)[1])
        for variant in data["variants"]:
            question = questions[f"{page_file.stem}-{variant['code']}"]
            for response, answer in zip(question.responses, variant["answers"]):
                for value in [answer["value"]] + [f[0] for m in answer["mistakes"]
                                                  for f in m["printed"]]:
                    text = json.dumps(value) if isinstance(value, list) else repr(value)
                    cases.append({"key": answer, "text": text})
                    expected.append(misconception_in(text, question.item,
                                                     response.answer.name))
    assert len([e for e in expected if e]) > 50
    v = visit(site / "en" / "rope.html")
    got = v.page.evaluate("cases => cases.map(c => exgenReading.mistakeIn(c.text, c.key))",
                          cases)
    assert got == expected


def test_each_language_s_number_format_is_read(site, visit, bank):
    """1 048 576 and 1,048,576; 93,75 and 93.75: typed with the keyboard, Enter checks."""
    for lang, typed in (("bg", "{:,}"), ("en", "{:,}")):
        v = visit(site / lang / "ffn_dims.html")
        question = _questions(bank, lang)[v.code]
        response = next(r for r in question.responses if r.answer.name == "w1_params")
        text = typed.format(response.answer.plain)
        if lang == "bg":
            text = text.replace(",", " ")
        box = f"#answer-{question.responses.index(response)}"
        v.page.focus(box)
        v.page.keyboard.type(text)
        v.page.keyboard.press("Enter")
        index = question.responses.index(response)
        assert v.page.inner_text(f"#verdict-{index}") == bank.language(lang).word("site_right")
        v = visit(site / lang / "gqa_kv_cache.html")
        question = _questions(bank, lang)[v.code]
        percent = next(r for r in question.responses
                       if r.answer.name == "gqa_savings_percent")
        index = question.responses.index(percent)       # as the key prints it: 87,5
        v.page.fill(f"#answer-{index}", percent.answer.shown(bank.language(lang).style).text)
        v.page.keyboard.press("Enter")
        assert v.page.inner_text(f"#verdict-{index}") == bank.language(lang).word("site_right")


def test_the_solution_opens_and_closes_with_the_worked_steps(site, visit, bank):
    v = visit(site / "en" / "ffn_dims.html")
    page = v.page
    words = bank.language("en").words
    assert not page.is_visible("#solution")
    assert page.get_attribute("#toggle-solution", "aria-expanded") == "false"
    page.focus("#toggle-solution")
    page.keyboard.press("Enter")
    assert page.is_visible("#solution")
    assert page.get_attribute("#toggle-solution", "aria-expanded") == "true"
    assert page.inner_text("#toggle-solution") == words["site_hide_solution"]
    question = _questions(bank, "en")[v.code]
    steps = page.inner_text("#solution-body")
    for response in question.responses:
        assert response.answer.shown(bank.language("en").style).text in steps
    assert page.locator("#solution-body .katex").count() > 0      # typeset by KaTeX
    page.click("#toggle-solution")
    assert not page.is_visible("#solution")


def test_new_variant_cycles_through_all_variants_in_an_unpredictable_order(site, visit):
    orders = []
    for _ in range(3):
        v = visit(site / "bg" / "block_params.html")
        seen = [v.code]
        for _ in range(VARIANTS - 1):
            v.page.fill("#answer-0", "1")
            v.page.click("#new-variant")
            assert v.page.input_value("#answer-0") == ""
            assert v.page.evaluate("document.activeElement.id") == "title"
            assert v.page.inner_text("#variant-code") == v.code
            seen.append(v.code)
        assert len(set(seen)) == VARIANTS              # each of the K once before a repeat
        v.page.click("#new-variant")
        assert v.code != seen[-1]
        orders.append(seen)
    assert len({tuple(o) for o in orders}) > 1         # the same order 3 times: 1 in 518,400


def test_the_csp_blocks_inline_code_even_if_markup_got_in(site, visit):
    v = visit(site / "en" / "residual.html")
    v.page.evaluate("""() => {
        const box = document.getElementById('question');
        box.insertAdjacentHTML('beforeend', '<img src="x.png" onerror="window.pwned = 1">');
        const s = document.createElement('script');
        s.textContent = 'window.pwned = 2';
        document.body.appendChild(s);
    }""")
    v.page.wait_for_timeout(200)
    assert v.page.evaluate("window.pwned") is None
    reports = v.page.evaluate("window.cspReports")
    assert any(r.startswith("script-src") for r in reports)
    v.errors.clear()


def test_raw_html_of_a_template_shows_as_text_in_the_browser(hostile_site, visit):
    v = visit(hostile_site / "en" / "residual.html")
    for _ in range(2):
        text = v.page.inner_text("#question")
        assert "<script>window.pwned = 1</script>" in text
        assert 'onerror="window.pwned = 2"' in text
        assert v.page.locator("#question img, #question script, #question a").count() == 0
        v.page.click("#new-variant")
    assert v.page.evaluate("window.pwned") is None and v.dialogs == []


def test_a_misconception_s_explanation_shows_as_text_in_the_browser(hostile_site, visit):
    v = visit(hostile_site / "en" / "residual.html")
    mistake = v.page.evaluate("""() => {
        const data = JSON.parse(document.getElementById('exgen-data').textContent);
        const code = document.getElementById('question').dataset.code;
        const variant = data.variants.find(v => v.code === code);
        return variant.answers[0].mistakes.find(m => m.name === 'no_skip').printed[0][0];
    }""")
    v.page.fill("#answer-0", json.dumps(mistake))
    v.page.click("#check")
    assert v.page.inner_text("#verdict-0 .mistake") == HOSTILE_MISTAKE
    assert v.page.locator("#verdict-0 img, #verdict-0 script").count() == 0
    assert v.page.evaluate("window.pwned") is None and v.dialogs == []


def test_math_is_typeset_offline_and_the_page_fits_a_phone(site, visit):
    v = visit(site / "bg" / "gqa_kv_cache.html", width=360)
    page = v.page
    assert page.locator("#question .katex").count() > 0
    assert page.locator("#question .katex-error").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")


def test_every_variant_of_every_page_typesets_and_fits_a_phone(site, visit):
    """KaTeX reads every formula the bank prints (in strict mode a formula it reads only
    loosely warns on the console, which counts too), and no question or solution is
    wider than a small phone's screen."""
    v = visit(site / "index.html", width=360)
    warnings = []
    v.page.on("console", lambda m: warnings.append(m.text)
              if m.type in ("warning", "error") else None)
    for page_file in sorted(site.glob("*/*.html")):
        if page_file.name == "index.html":
            continue
        v.page.goto(page_file.as_uri())
        shown = v.page.evaluate("""() => {
            const count = JSON.parse(document.getElementById('exgen-data').textContent)
                .variants.length;
            const shown = [];
            for (let i = 0; i < count; i++) {
                document.getElementById('toggle-solution').click();
                shown.push([document.getElementById('question').dataset.code,
                            document.querySelectorAll('.katex-error').length,
                            document.querySelectorAll('main .katex').length,
                            document.documentElement.scrollWidth]);
                document.getElementById('new-variant').click();
            }
            return shown;
        }""")
        assert len({code for code, *_ in shown}) == len(shown) <= VARIANTS
        assert [(code, errors) for code, errors, *_ in shown if errors] == [], page_file
        assert all(typeset > 0 for _, _, typeset, _ in shown), page_file
        assert [(code, width) for code, *_, width in shown if width > 360] == [], page_file
    assert warnings == []


def test_the_index_offers_each_language_and_leads_to_the_exercises(site, visit):
    v = visit(site / "index.html")
    v.page.click("text=Български")
    assert v.page.url.endswith("/bg/index.html")
    v.page.click("text=GQA")
    assert v.page.locator("h1").inner_text().startswith("Упражнение 6")
    v.page.click("text=English")
    assert v.page.url.endswith("/en/gqa_kv_cache.html")


def screenshot(target: Path) -> None:
    """The README's picture of an exercise page (python tests/test_site.py)."""
    import tempfile

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        try:
            main(["site", "--seed", "1", "--variants", "2", "--out", str(out)])
        except SystemExit as exc:
            assert exc.code == 0
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM)
            page = chromium.new_page(viewport={"width": 720, "height": 900})
            page.goto((out / "bg" / "layernorm.html").as_uri())
            bank = load_bank()
            question = _questions_for(bank, "bg", page.get_attribute("#question", "data-code"))
            style = bank.language("bg").style
            for i, response in enumerate(question.responses):
                text = _typed(response.answer.shown(style).text)
                if response.answer.name == "variance":      # the n − 1 mistake, explained
                    params = question.item.solution.plain_params
                    text = f"{_sample_variance(params):.2f}".replace(".", ",")
                page.fill(f"#answer-{i}", text if i != 2 else "2,5")
            page.click("#check")
            page.screenshot(path=str(target), full_page=True)
            chromium.close()


def _questions_for(bank, lang, code):
    export = plan_export(bank, default_spec(bank), 1, 2, lang)
    return next(q for q in export.questions if q.code == code)


def test_labels_are_typeset_like_the_answer_forms(site, visit):
    """A label is the bank's Markdown: `$\\sigma^2$ (variance)` shows σ² set by KaTeX."""
    v = visit(site / "en" / "layernorm.html")
    assert v.page.locator("label[for='answer-1'] .katex").count() == 1
    assert "\\(" not in v.page.inner_text("label[for='answer-1']")


if __name__ == "__main__":
    screenshot(ROOT / "docs" / "img" / (sys.argv[1] if len(sys.argv) > 1 else
                                        "site-exercise.png"))
