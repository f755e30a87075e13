#!/usr/bin/env bash
# Set up a Debian 12 machine to run Cobrand (and, with --test, its tests); safe to run again.
#
#   scripts/bootstrap.sh          system libraries for WeasyPrint + .venv with requirements.txt
#   scripts/bootstrap.sh --test   also redis-server, PostgreSQL, Chromium, poppler-utils, nginx, openssl
#                                 and systemd (deploy/ is tested with them) and requirements-dev.txt
#
# Installs only what is missing (checked with dpkg -s), runs `apt-get update` at most once, and
# skips pip when .venv's stamp is newer than the requirements files. As a non-root user without
# the packages it prints the apt-get command to run and exits 1.
set -euo pipefail

cd "$(dirname "$0")/.."

with_test=false
for arg in "$@"; do
    case "$arg" in
        --test) with_test=true ;;
        -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bootstrap: unknown argument '$arg' (expected --test)" >&2; exit 2 ;;
    esac
done

say() { echo "bootstrap: $*" >&2; }

# --- system packages -------------------------------------------------------------------------------
# fontconfig brings fc-list, which `doctor` asks which installed fonts cover each script in use.
packages=(python3 python3-venv python3-dev
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 libcairo2
    fonts-dejavu-core shared-mime-info fontconfig
    fonts-noto-core fonts-noto-cjk libfribidi0)
test_packages=(redis-server chromium poppler-utils libzbar0 nginx-light openssl systemd)

missing=()
for pkg in "${packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
missing_test=()
if $with_test; then
    for pkg in "${test_packages[@]}"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing_test+=("$pkg")
    done
    # Any PostgreSQL server version will do; the tests start their own throwaway cluster.
    if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && ! command -v initdb >/dev/null; then
        missing_test+=(postgresql)
    fi
fi

if ((${#missing[@]} + ${#missing_test[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        all_missing=("${missing[@]}" "${missing_test[@]}")
        say "missing Debian packages: ${all_missing[*]}"
        say "install them as root, then run this again:"
        [[ ${#missing[@]} -gt 0 ]] && echo "  sudo apt-get install -y ${missing[*]}" >&2
        [[ ${#missing_test[@]} -gt 0 ]] && echo "  sudo apt-get install -y --no-install-recommends ${missing_test[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # Installing redis-server, postgresql or nginx would start system-wide daemons the tests never use
    # (they run their own on free ports); keep Debian from starting them, unless a policy exists.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    say "apt-get update"
    apt-get update -qq
    if ((${#missing[@]})); then
        say "installing ${missing[*]}"
        apt-get install -y -qq "${missing[@]}"
    fi
    if ((${#missing_test[@]})); then
        # Recommends would add a desktop's worth of packages to chromium; none is needed headless.
        say "installing ${missing_test[*]}"
        apt-get install -y -qq --no-install-recommends "${missing_test[@]}"
    fi
fi

# --- virtualenv ------------------------------------------------------------------------------------
is_new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

if [[ ! -x .venv/bin/python ]] || ! is_new_enough .venv/bin/python; then
    python=""
    for candidate in "${PYTHON:-}" python3 /usr/bin/python3; do
        if [[ -n "$candidate" ]] && is_new_enough "$candidate"; then python=$candidate; break; fi
    done
    if [[ -z "$python" ]]; then
        say "no Python >= 3.11 found (set PYTHON=/path/to/python3.11 or newer)"
        exit 1
    fi
    say "creating .venv with $("$python" --version)"
    rm -rf .venv
    "$python" -m venv .venv
fi

if $with_test; then
    requirements=requirements-dev.txt stamp=.venv/.bootstrap-dev
else
    requirements=requirements.txt stamp=.venv/.bootstrap-runtime
fi
up_to_date() { [[ -e "$1" && "$1" -nt requirements.txt && "$1" -nt requirements-dev.txt ]]; }
# The dev stamp covers the runtime requirements too (requirements-dev.txt includes them).
if up_to_date "$stamp" || { ! $with_test && up_to_date .venv/.bootstrap-dev; }; then
    say "ok (.venv is up to date with $requirements)"
    exit 0
fi
say "pip install -r $requirements"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
touch "$stamp"
say "ok"
