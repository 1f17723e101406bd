# Shared by scripts/build-site and scripts/test: create .venv if missing and install the
# project into it (editable). Source it from the repository root:
#   . scripts/_venv.sh          # installs -e .
#   . scripts/_venv.sh test     # installs -e '.[test]'
# PYTHON=python3.12 picks the interpreter used to create the venv (default: python3; 3.11 or later).
# constraints.txt pins every dependency to the versions the suite was run with
# (regenerate: .venv/bin/pip freeze --exclude-editable > constraints.txt).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

_as_root() {  # run a command as root: directly, or through sudo when we are not root
  if [ "$(id -u)" = "0" ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi
}

_apt_install() {  # apt_install PACKAGE...: best effort, quiet; fails when apt is unavailable
  command -v apt-get >/dev/null 2>&1 || return 1
  _as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
  _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  command -v "$PYTHON" >/dev/null 2>&1 || { echo "error: $PYTHON not found; install Python 3.11 or later" >&2; exit 1; }
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "error: $PYTHON is $("$PYTHON" -V 2>&1); the engine needs Python 3.11 or later (set PYTHON=python3.11)" >&2; exit 1; }
  echo "creating the virtual environment in .venv"
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    # Debian ships venv/ensurepip separately from python3.
    rm -rf .venv
    echo "installing Debian's python3-venv"
    _apt_install python3-venv || { echo "error: '$PYTHON -m venv' failed and python3-venv could not be installed" >&2; exit 1; }
    "$PYTHON" -m venv .venv
  fi
fi

spec="."
[ -n "${1:-}" ] && spec=".[${1}]"
echo "installing the project into .venv (pip install -e '$spec' -c constraints.txt: the tested versions)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
_pip_log="$(mktemp)"
if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e "$spec" >"$_pip_log" 2>&1; then
  grep -v "^WARNING: Location" "$_pip_log" >&2 || true
  rm -f "$_pip_log"
  echo "error: pip install -e '$spec' failed (see above)" >&2
  exit 1
fi
rm -f "$_pip_log"
