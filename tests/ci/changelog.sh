#!/usr/bin/env bash
# CHANGELOG.md from changelogs/changelog.yaml (antsibull-changelog).
#
#   tests/ci/changelog.sh generate  regenerate CHANGELOG.md, refreshing plugin
#                                   descriptions in changelogs/changelog.yaml
#                                   (what `make changelog` runs)
#   tests/ci/changelog.sh check     lint fragments and changelog.yaml, then fail if
#                                   `generate` would change CHANGELOG.md or changelog.yaml
#
# Releasing (once per version): add changelogs/fragments/<version>.yml with a
# release_summary, then
#   .venv/bin/antsibull-changelog release --version X.Y.Z --date YYYY-MM-DD
# which moves the fragments into changelogs/changelog.yaml and writes CHANGELOG.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
mode="${1:?usage: changelog.sh generate|check}"

generate() {
    antsibull-changelog generate --reload-plugins --refresh-plugins prevent-removal
}

case "$mode" in
generate)
    generate
    echo "regenerated CHANGELOG.md"
    ;;
check)
    antsibull-changelog lint -v
    antsibull-changelog lint-changelog-yaml --strict changelogs/changelog.yaml
    # Regenerate in a throw-away copy of the collection and compare.
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/gcore-changelog.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    copy="$(python tests/ci/copy_collection.py "$tmp")"
    (
        cd "$copy"
        unset PYTHONPATH
        export ANSIBLE_COLLECTIONS_PATH="$tmp"
        generate >/dev/null
    )
    stale=0
    for f in CHANGELOG.md changelogs/changelog.yaml; do
        if [ ! -f "$f" ]; then
            echo "FAIL: $f does not exist"
            stale=1
        elif ! diff -u "$f" "$copy/$f"; then
            stale=1
        fi
    done
    if [ "$stale" -ne 0 ]; then
        echo "FAIL: the changelog is stale; run 'make changelog' and commit the result"
        exit 1
    fi
    echo "ok: CHANGELOG.md and changelogs/changelog.yaml are up to date"
    ;;
*)
    echo "usage: $0 generate|check" >&2
    exit 2
    ;;
esac
