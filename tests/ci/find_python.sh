#!/usr/bin/env bash
# Print the path of a working Python X.Y interpreter, or nothing (exit 1) if none.
#   tests/ci/find_python.sh 3.12
# Looks in pyenv's versions (pyenv root, ~/.pyenv), then pythonX.Y on PATH (pyenv shims
# for a version that is not selected fail when run, so each candidate is run to check).
set -u
want="${1:?usage: find_python.sh X.Y}"
candidates=()
roots=()
if command -v pyenv >/dev/null 2>&1; then
    roots+=("$(pyenv root 2>/dev/null)")
fi
roots+=("${PYENV_ROOT:-}" "$HOME/.pyenv")
for root in "${roots[@]}"; do
    [ -n "$root" ] || continue
    # Newest patch release first.
    while IFS= read -r p; do
        [ -n "$p" ] && candidates+=("$p")
    done < <(printf '%s\n' "$root"/versions/"$want".*/bin/python"$want" | grep -v '\*' | sort -V -r)
done
candidates+=("python$want" "/usr/local/bin/python$want" "/usr/bin/python$want")
for c in "${candidates[@]}"; do
    if out="$("$c" -c 'import sys; print(sys.executable) if "%d.%d" % sys.version_info[:2] == sys.argv[1] else sys.exit(1)' "$want" 2>/dev/null)"; then
        if "$c" -c 'import venv, ensurepip' 2>/dev/null; then
            echo "$out"
            exit 0
        fi
    fi
done
exit 1
