#!/usr/bin/env bash
# Make sure what the practice site needs is installed: KaTeX (Debian's libjs-katex, copied
# into every site `exgen site` builds) and, for its browser tests, a headless Chromium
# (Debian's chromium, driven by Playwright's Python package: no browser is downloaded).
# Usage: ensure-web.sh katex [chromium]. On Debian/Ubuntu as root they are installed with
# apt-get; elsewhere this prints the exact command to run.
set -euo pipefail

packages=""
for want in "$@"; do
    case "$want" in
        katex) [ -f /usr/share/javascript/katex/katex.min.js ] || [ -n "${EXGEN_KATEX:-}" ] \
                   || packages="$packages libjs-katex" ;;
        chromium) command -v chromium >/dev/null || packages="$packages chromium" ;;
        *) echo "ensure-web.sh: unknown part \`$want\` (katex or chromium)" >&2; exit 2 ;;
    esac
done
packages="${packages# }"
[ -z "$packages" ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "==> Installing with apt-get what the practice site needs: $packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $packages >/dev/null
    echo "==> Installed: $packages"
    exit 0
fi

echo "error: the practice site needs $packages, which is not installed." >&2
echo "On Debian or Ubuntu, run as root:" >&2
echo "    apt-get update && apt-get install -y --no-install-recommends $packages" >&2
exit 1
