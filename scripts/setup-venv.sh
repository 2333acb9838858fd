#!/usr/bin/env bash
# Make .venv with Python 3.10 and the pinned environment; safe to run again (it only
# reinstalls when requirements.lock or pyproject.toml changed).
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(cat .python-version)
venv=.venv
stamp=$venv/.installed

is_wanted() {  # is $1 a Python of the wanted major.minor?
  "$1" -c "import sys; v='$want'.split('.'); sys.exit(sys.version_info[:2] != (int(v[0]), int(v[1])))" 2>/dev/null
}

find_python() {
  local root candidate
  root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for candidate in "$(pyenv prefix "$want" 2>/dev/null)/bin/python" \
                   $(ls -d "$root/versions/$want"* 2>/dev/null | sort -V -r | sed 's|$|/bin/python|') \
                   "$(command -v "python$want" 2>/dev/null)"; do
    if [ -x "$candidate" ] && is_wanted "$candidate"; then echo "$candidate"; return 0; fi
  done
  return 1
}

if [ -f "$stamp" ] && [ "$stamp" -nt requirements.lock ] && [ "$stamp" -nt pyproject.toml ]; then
  exit 0
fi
python=$(find_python) || { echo "Python $want not found: install it (pyenv install $want)." >&2; exit 1; }
if [ ! -x "$venv/bin/python" ] || ! is_wanted "$venv/bin/python"; then
  "$python" -m venv --clear "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.3.1"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
# Remove what the lock no longer lists, so the environment is exactly the lock.
"$venv/bin/python" - <<'PY'
import re, subprocess, sys
def norm(name): return re.sub(r"[-_.]+", "-", name).lower()
locked = {norm(l.split("==")[0]) for l in open("requirements.lock") if "==" in l and not l.startswith("#")}
locked |= {"taalmaatje", "pip"}
installed = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"], capture_output=True, text=True).stdout
extra = [l.split("==")[0] for l in installed.splitlines() if "==" in l and not l.startswith("#") and norm(l.split("==")[0]) not in locked]
if extra:
    subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", *extra], check=True)
PY
touch "$stamp"
echo "The virtual environment is ready: $venv" >&2
