#!/usr/bin/env bash
# Make sure a Python >= 3.11 with the venv module exists; on Debian as root install it.
set -euo pipefail
ok() { command -v python3 >/dev/null && python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
if ok; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "==> Python 3.11+ with venv is missing: installing python3 and python3-venv with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
    ok && exit 0
fi
echo "error: exgen needs Python 3.11 or newer with the venv module (Debian: apt-get install python3 python3-venv)." >&2
exit 1
