#!/usr/bin/env bash
# Generated documentation: the plugin/role reference in docs/reference/, and the user guides
# (docs/*.md) as antsibull-docs extra docs in docs/docsite/ (tests/ci/guides.py).
#
#   tests/ci/docs.sh generate   regenerate docs/docsite/ and docs/reference/ (what `make docs` runs)
#   tests/ci/docs.sh check      lint the docs and fail if docs/docsite/ or docs/reference/ is stale
#
# Output: antsibull-docs "simplified-rst" (plain RST that renders on GitHub), one file
# per module/role plus index.rst, without the antsibull-docs version stamp so that the
# output only changes when the documentation does. Needs ANSIBLE_COLLECTIONS_PATH to hold
# the collection (the Makefile points it at build/collections -> this repo).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DEST=docs/reference
mode="${1:?usage: docs.sh generate|check}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/gcore-docs.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

generate() {
    mkdir -m 700 "$1"
    antsibull-docs collection --use-current --fail-on-error \
        --output-format simplified-rst --squash-hierarchy \
        --no-add-antsibull-docs-version --cleanup everything \
        --dest-dir "$1" gcore.tasks >"$tmp/antsibull-docs.log" 2>&1 \
        || { cat "$tmp/antsibull-docs.log"; return 1; }
}

guides() {
    python tests/ci/guides.py "$1" >/dev/null
}

case "$mode" in
generate)
    guides docs/docsite
    generate "$tmp/out"
    rm -rf "$DEST"
    mkdir -p "$(dirname "$DEST")"
    cp -R "$tmp/out" "$DEST"
    chmod 755 "$DEST"
    echo "regenerated $DEST:"
    ls "$DEST"
    ;;
check)
    mkdir "$tmp/docsite"
    cp docs/docsite/links.yml "$tmp/docsite/"
    guides "$tmp/docsite"
    if ! diff -ru docs/docsite "$tmp/docsite"; then
        echo "FAIL: docs/docsite is stale (a guide in docs/*.md changed); run 'make docs' and commit the result"
        exit 1
    fi
    collection="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/gcore/tasks"
    echo "antsibull-docs lint-collection-docs --plugin-docs $collection"
    antsibull-docs lint-collection-docs --plugin-docs "$collection"
    generate "$tmp/out"
    if [ ! -d "$DEST" ]; then
        echo "FAIL: $DEST does not exist; run 'make docs' and commit it"
        exit 1
    fi
    if ! diff -ru "$DEST" "$tmp/out"; then
        echo "FAIL: $DEST is stale; run 'make docs' and commit the result"
        exit 1
    fi
    echo "ok: docs/docsite and $DEST are up to date"
    ;;
*)
    echo "usage: $0 generate|check" >&2
    exit 2
    ;;
esac
