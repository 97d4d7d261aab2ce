#!/usr/bin/env bash
# Check that `ansible-doc gcore.tasks.<module>` renders for every module in plugins/modules
# (text and --json), with no errors or warnings. Needs ANSIBLE_COLLECTIONS_PATH to hold
# the collection (the Makefile points it at build/collections).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

modules=()
for f in plugins/modules/*.py; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .py)"
    [ "$name" = "__init__" ] && continue
    modules+=("$name")
done
if [ "${#modules[@]}" -eq 0 ]; then
    exec bash tests/ci/skip.sh "no modules in plugins/modules yet"
fi

failed=0
errfile="$(mktemp)"
trap 'rm -f "$errfile"' EXIT
for m in "${modules[@]}"; do
    for mode in text json; do
        args=()
        [ "$mode" = json ] && args=(--json)
        if ! out="$(ansible-doc "${args[@]}" "gcore.tasks.$m" 2>"$errfile")"; then
            echo "FAIL: ansible-doc ${args[*]} gcore.tasks.$m exited non-zero:"
            cat "$errfile"
            failed=1
            continue
        fi
        if grep -Eq 'ERROR|WARNING' "$errfile"; then
            echo "FAIL: ansible-doc ${args[*]} gcore.tasks.$m printed errors/warnings:"
            cat "$errfile"
            failed=1
            continue
        fi
        if [ "$mode" = json ]; then
            if ! printf '%s' "$out" | python -c '
import json, sys
m = sys.argv[1]
d = json.load(sys.stdin)["gcore.tasks." + m]
doc = d["doc"]
assert doc.get("short_description"), "no short_description"
assert d.get("examples"), "no EXAMPLES"
' "$m"; then
                echo "FAIL: ansible-doc --json gcore.tasks.$m: incomplete documentation"
                failed=1
                continue
            fi
        elif [ -z "$out" ]; then
            echo "FAIL: ansible-doc gcore.tasks.$m printed nothing"
            failed=1
            continue
        fi
        echo "ok: ansible-doc ${args[*]} gcore.tasks.$m"
    done
done
exit "$failed"
