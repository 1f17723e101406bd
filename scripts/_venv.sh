# Shared by scripts/build-site and scripts/test: create .venv and install the project.
# Usage: . scripts/_venv.sh [EXTRA]   (EXTRA e.g. "test" installs .[test])
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
spec="."
[ -n "${1:-}" ] && spec=".[${1}]"
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install --quiet -e "$spec" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import renderer" || { echo "installing the project failed" >&2; exit 1; }
