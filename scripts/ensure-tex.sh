#!/usr/bin/env bash
# Make sure TeX Live (pdfLaTeX with T2A Cyrillic and cm-super Type 1 fonts), poppler's
# pdftotext/pdffonts and qpdf are installed. On Debian/Ubuntu as root they are installed
# with apt-get (about a minute, ~270 MB); elsewhere this prints the exact command to run.
set -euo pipefail

PACKAGES="texlive-latex-base texlive-latex-recommended texlive-lang-cyrillic texlive-fonts-recommended cm-super poppler-utils qpdf"

have_tex() {
    command -v pdflatex >/dev/null && command -v pdftotext >/dev/null \
        && command -v pdffonts >/dev/null && command -v qpdf >/dev/null \
        && kpsewhich t2aenc.def >/dev/null 2>&1 \
        && kpsewhich cm-super-t2a.enc >/dev/null 2>&1
}

if have_tex; then
    exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "==> TeX is missing: installing it with apt-get (about a minute, ~270 MB):"
    echo "    $PACKAGES"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
    if have_tex; then
        echo "==> TeX installed."
        exit 0
    fi
    echo "error: apt-get finished but pdflatex with T2A/cm-super is still not usable." >&2
    exit 1
fi

echo "error: exgen needs TeX Live for its PDFs, and it is not installed." >&2
echo "On Debian or Ubuntu, run as root:" >&2
echo "    apt-get update && apt-get install -y --no-install-recommends $PACKAGES" >&2
echo "(Or build Markdown only: make exams SEED=1 FORMAT=md)" >&2
exit 1
