#!/usr/bin/env bash
# The unrelated 'pytest-lambda' distribution installs the same import package. Whichever order
# the two are installed in, pytest must stop with our message (not a pluggy ValueError).
# usage: check_clash.sh PYTHON WHEEL
set -euo pipefail
py=$1 wheel=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'def test_nothing():\n    pass\n' > "$work/test_it.py"
expected="the unrelated 'pytest-lambda' distribution is installed too"
status=0
for order in "ours-first" "theirs-first"; do
  venv="$work/venv-$order"
  "$py" -m venv "$venv"
  if [ "$order" = "ours-first" ]; then
    "$venv/bin/python" -m pip install --quiet "$wheel"
    "$venv/bin/python" -m pip install --quiet "pytest-lambda==2.2.1"
  else
    "$venv/bin/python" -m pip install --quiet "pytest-lambda==2.2.1"
    "$venv/bin/python" -m pip install --quiet "$wheel"
  fi
  out=$(cd "$work" && "$venv/bin/python" -m pytest -p no:cacheprovider test_it.py 2>&1) && rc=0 || rc=$?
  if [ "$rc" -ne 0 ] && grep -qF "$expected" <<<"$out" && ! grep -q "already registered" <<<"$out"; then
    echo "$order: exit $rc with the clear message"
  else
    echo "$order: exit $rc WITHOUT the clear message:"
    tail -n 15 <<<"$out"
    status=1
  fi
done
exit "$status"
