# exgen — the two commands that matter: `make exams SEED=1` and `make test`.
# Each sets up what it needs: the virtual environment in .venv, the Python packages,
# and TeX Live through apt-get when it is missing (Debian/Ubuntu, as root).

VENV      ?= .venv
PYTHON    := $(VENV)/bin/python
EXGEN     := $(VENV)/bin/exgen
SEED      ?=
STUDENTS  ?= 30
ROSTER    ?=
SPEC      ?=
ANSWERS   ?=
ACCEPT    ?=
ANSWER_SHEET ?=
FORM      ?=
SCANS     ?=
EXAM_LANG ?= bg
FORMAT    ?=
VARIANTS  ?=
OUT       ?=

.PHONY: all setup tex web exams handouts grade export site check test bench clean scan scan-deps

all: exams

# exgen and what it runs; the test suite's packages (pytest, hypothesis, lxml and
# Playwright, 165 MB with its driver) come only with `make test`.
$(VENV)/.installed: pyproject.toml
	@scripts/ensure-python.sh
	@echo "==> Setting up the virtual environment in $(VENV) (exgen and its Python packages)"
	@python3 -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check -e .
	@touch $@

# The tests' packages, the scan reader's among them (the [test] extra pulls in [scan]).
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	@echo "==> Installing the test suite's packages in $(VENV) (pytest, hypothesis, lxml, Playwright, ruff, the scan reader's)"
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

# exgen's own bytecode, as pip writes it for an installed package (an editable install
# has none, and with PYTHONDONTWRITEBYTECODE set every command would compile it again).
setup: $(VENV)/.installed tex web
	@$(PYTHON) -m compileall -q generator > /dev/null

web:
	@scripts/ensure-web.sh katex

tex:
	@if [ "$(FORMAT)" != "md" ]; then scripts/ensure-tex.sh; fi

EXAMS_ARGS = --seed $(SEED) $(if $(ROSTER),--roster $(ROSTER),--students $(STUDENTS)) \
	--lang $(EXAM_LANG) $(if $(SPEC),--spec $(SPEC)) $(if $(ANSWER_SHEET),--answer-sheet) \
	$(if $(FORM),--form $(FORM)) \
	$(if $(FORMAT),--format $(FORMAT)) $(if $(OUT),--out $(OUT))
# grade takes the class from the build (found by SEED, SPEC and OUT); a ROSTER is checked.
GRADE_ARGS = --seed $(SEED) $(if $(ROSTER),--roster $(ROSTER)) \
	--lang $(EXAM_LANG) $(if $(SPEC),--spec $(SPEC)) --answers $(ANSWERS) \
	$(if $(ACCEPT),--accept $(ACCEPT)) \
	$(if $(FORMAT),--format $(FORMAT)) $(if $(OUT),--out $(OUT))

exams: setup
	@if [ -z "$(SEED)" ]; then echo "usage: make exams SEED=N [STUDENTS=N | ROSTER=file.csv] [SPEC=exams/x.toml] [EXAM_LANG=bg|en] [ANSWER_SHEET=1] [FORM=write|scan] [FORMAT=md,pdf] [OUT=dir]"; exit 2; fi
	$(EXGEN) exams $(strip $(EXAMS_ARGS))

# The scan reader's packages (OpenCV, pypdfium2: the [scan] extra), installed only here
# and for the tests: `make exams` does not need them.
$(VENV)/.scan-installed: $(VENV)/.installed
	@echo "==> Installing the scan reader's packages (OpenCV, pypdfium2) into $(VENV)"
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[scan]'
	@touch $@

scan-deps: $(VENV)/.scan-installed

# The build is found as `make exams` and `make grade` find it: by SEED, SPEC and OUT.
SCAN_BUILD = $(if $(OUT),$(OUT),build/exams/$(if $(SPEC),$(basename $(notdir $(SPEC)))-)seed-$(SEED))

scan: scan-deps
	@if [ -z "$(SEED)" ] || [ -z "$(SCANS)" ]; then echo "usage: make scan SEED=N SCANS='scans.pdf more/*.jpg' [SPEC=exams/x.toml] [OUT=build dir]"; exit 2; fi
	$(EXGEN) scan --build $(SCAN_BUILD) $(SCANS)

grade: setup
	@if [ -z "$(SEED)" ] || [ -z "$(ANSWERS)" ]; then echo "usage: make grade SEED=N ANSWERS=answers.csv|.xlsx [SPEC=exams/x.toml] [OUT=build dir] [ROSTER=file.csv] [ACCEPT=accepted.csv] [EXAM_LANG=bg|en]"; exit 2; fi
	$(EXGEN) grade $(strip $(GRADE_ARGS))

EXPORT_ARGS = --seed $(SEED) --lang $(EXAM_LANG) $(if $(SPEC),--spec $(SPEC)) \
	$(if $(VARIANTS),--variants $(VARIANTS)) $(if $(FORMAT),--format $(FORMAT)) \
	$(if $(OUT),--out $(OUT))

export: $(VENV)/.installed
	@if [ -z "$(SEED)" ]; then echo "usage: make export SEED=N [SPEC=exams/x.toml] [VARIANTS=K] [EXAM_LANG=bg|en] [FORMAT=moodle,qti] [OUT=dir]"; exit 2; fi
	$(EXGEN) export $(strip $(EXPORT_ARGS))

HANDOUT_ARGS = $(if $(SEED),--seed $(SEED),--reference) $(if $(SPEC),--spec $(SPEC)) \
	$(if $(FORMAT),--format $(FORMAT)) $(if $(MISCONCEPTIONS),--with-misconceptions) \
	$(if $(OUT),--out $(OUT))

handouts: setup
	$(EXGEN) handout $(strip $(HANDOUT_ARGS))

SITE_ARGS = $(if $(SEED),--seed $(SEED)) $(if $(SPEC),--spec $(SPEC)) \
	$(if $(VARIANTS),--variants $(VARIANTS)) $(if $(OUT),--out $(OUT))

site: $(VENV)/.installed web
	$(EXGEN) site $(strip $(SITE_ARGS))

check: $(VENV)/.installed
	$(EXGEN) check

test: setup $(VENV)/.installed-test
	@scripts/ensure-web.sh katex chromium
	$(PYTHON) -m ruff check --quiet --select F generator tests scripts examples
	$(PYTHON) -m pytest -q -n auto --dist loadfile

bench: setup scan-deps
	$(PYTHON) -m generator.bench

clean:
	rm -rf build
