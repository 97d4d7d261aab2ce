#!/usr/bin/env bash
# CHANGELOG.md from changelogs/changelog.yaml (antsibull-changelog).
#
#   tests/ci/changelog.sh generate  regenerate CHANGELOG.md, refreshing plugin
#                                   descriptions in changelogs/changelog.yaml
#                                   (what `make changelog` runs)
#   tests/ci/changelog.sh check     lint fragments and changelog.yaml, then fail if
#                                   `generate` would change CHANGELOG.md or changelog.yaml
#
# Fragments may pend in changelogs/fragments/ between releases: `check` lints them and says how
# many there are; CHANGELOG.md is generated from changelogs/changelog.yaml alone, so they never
# make it stale. Releasing: `make changelog-release` (see the Makefile) folds them into the
# release of the galaxy.yml version.
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
    pending="$(find changelogs/fragments -name '*.yml' -o -name '*.yaml' | wc -l)"
    echo "ok: CHANGELOG.md and changelogs/changelog.yaml are up to date ($pending fragment(s) pending for \`make changelog-release\`)"
    ;;
*)
    echo "usage: $0 generate|check" >&2
    exit 2
    ;;
esac
