# Build / test entry points for the gcore.tasks collection.
#
#   make test            every gate in order, with a summary table (what CI runs)
#   make unit e2e        pytest suites        make units        ansible-test units
#   make sanity          ansible-test sanity on 2.16, 2.19 and 2.21 (sanity-2.16 ...)
#   make lint            ansible-lint         make ansible-doc  render every module
#   make docs            regenerate docs/reference/ and docs/docsite/ (docs-check: lint + staleness)
#   make changelog       regenerate CHANGELOG.md      (changelog-check: lint + staleness)
#   make changelog-release  fold changelogs/fragments/ into the galaxy.yml version (set-version VERSION=)
#   make galaxy          build, check and install the tarball, run the demo from it
#   make demo            examples/demo.yml against the local sandbox (installs only ansible-core + requests)
#   make bench           tests/bench/bench_wait.py and bench_request.py (not part of `make test`)
#   make clean           remove build outputs (keeps the venvs; distclean removes them)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
PYTHON_VERSION := 3.11

VENV := $(CURDIR)/.venv
VENV_STAMP := $(VENV)/.stamp-requirements
DEV_REQUIREMENTS := requirements-dev.txt requirements.txt
# `make demo` needs only the runtime requirements and ansible-core (the version line of
# requirements-dev.txt), not the development toolchain: a fresh `make demo` installs just these.
DEMO_STAMP := $(VENV)/.stamp-demo
ANSIBLE_CORE_REQUIREMENT := $(shell grep -m1 '^ansible-core' requirements-dev.txt)

# ansible-core versions for sanity: 2.16 (the oldest meta/runtime.yml claims) and 2.21 (the
# newest release) get their own venvs; 2.19 is the one in .venv. 2.21 needs Python >= 3.12:
# 3.12, else 3.13, found by running the candidates (tests/ci/find_python.sh).
VENV_AC216 := $(CURDIR)/.venv-ac216
VENV_AC221 := $(CURDIR)/.venv-ac221
PYTHON_AC221 := $(shell bash tests/ci/find_python.sh 3.12 2>/dev/null || bash tests/ci/find_python.sh 3.13 2>/dev/null)
PYTHON_AC221_VERSION := $(shell '$(PYTHON_AC221)' -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)

COLLECTIONS_DIR := $(CURDIR)/build/collections
COLLECTION_LINK := $(COLLECTIONS_DIR)/ansible_collections/gcore/tasks

# Test targets import ansible_collections.gcore.tasks... and run ansible-playbook
# through the collection tree (a symlink to this repo).
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS_DIR)
export PYTHONPATH := $(COLLECTIONS_DIR)
export PATH := $(VENV)/bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Keep ansible-lint / ansible-playbook from asking anything.
export ANSIBLE_NOCOLOR ?= 1
export PY_COLORS ?= 0

SKIP := bash tests/ci/skip.sh

# Gates of `make test`, in order. "a|b" = run a and b at the same time (see
# tests/ci/run_gates.sh): the three sanity runs use separate trees and venvs, and
# overlapping them saves minutes on 2 cores. The e2e suite overlaps them too: it mostly
# waits on the sandbox's task durations, and its tests assert behaviour, not speed, so a
# saturated CPU cannot fail them. CI_GATE_SERIAL=1 runs them one by one.
GATES := setup unit e2e|sanity-2.16|sanity-2.19|sanity-2.21 units lint ansible-doc docs changelog galaxy
GATE_NAMES := $(subst |, ,$(GATES))

.PHONY: help
help:
	@sed -n '3,14p' Makefile | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------------------- venvs

.PHONY: venv venv-demo venv-ac216 venv-ac221
venv: $(VENV_STAMP)

$(VENV_STAMP): $(DEV_REQUIREMENTS)
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade-strategy only-if-needed -r requirements-dev.txt
	@touch $@

# What the demo needs, in the same .venv; a full `make venv` already satisfies it.
venv-demo: $(DEMO_STAMP)

$(DEMO_STAMP): $(DEV_REQUIREMENTS)
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@if [ -f $(VENV_STAMP) ] && [ $(VENV_STAMP) -nt requirements-dev.txt ] && [ $(VENV_STAMP) -nt requirements.txt ]; then \
	    echo "demo: .venv already holds the full toolchain"; \
	else \
	    $(VENV)/bin/python -m pip install --quiet --upgrade-strategy only-if-needed -r requirements.txt '$(ANSIBLE_CORE_REQUIREMENT)'; \
	fi
	@touch $@

venv-ac216: $(VENV_AC216)/.stamp-requirements
$(VENV_AC216)/.stamp-requirements: tests/ci/requirements-ac216.txt
	@test -x $(VENV_AC216)/bin/python || $(PYTHON) -m venv $(VENV_AC216)
	$(VENV_AC216)/bin/python -m pip install --quiet -r $<
	@touch $@

venv-ac221: $(VENV_AC221)/.stamp-requirements
$(VENV_AC221)/.stamp-requirements: tests/ci/requirements-ac221.txt
	@test -n "$(PYTHON_AC221)" || { echo "no Python 3.12 or 3.13 interpreter found" >&2; exit 1; }
	@test -x $(VENV_AC221)/bin/python || $(PYTHON_AC221) -m venv $(VENV_AC221)
	$(VENV_AC221)/bin/python -m pip install --quiet -r $<
	@touch $@

# ------------------------------------------------------------------ collection tree

.PHONY: collection-tree
collection-tree:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn $(CURDIR) $(COLLECTION_LINK)

# ---------------------------------------------------------------------------- gates

.PHONY: test
test:
	@bash tests/ci/run_gates.sh $(foreach g,$(GATES),'$(g)')

# Each gate-NAME is what `make test` runs; NAME alone is the same for manual use.
.PHONY: $(addprefix gate-,$(GATE_NAMES))
gate-setup: venv collection-tree
gate-unit: unit
gate-e2e: e2e
gate-sanity-2.16: sanity-2.16
gate-sanity-2.19: sanity-2.19
gate-sanity-2.21: sanity-2.21
gate-units: units
gate-lint: lint
gate-ansible-doc: ansible-doc
gate-docs: docs-check
gate-changelog: changelog-check
gate-galaxy: galaxy

.PHONY: unit
unit: venv collection-tree
	$(VENV)/bin/python -m pytest -q tests/unit tests/sandbox

# Skips only while tests/e2e holds no test files; once it has any, pytest's exit code
# counts as for every other gate (5 = "no tests collected" then fails).
.PHONY: e2e
e2e: venv collection-tree
	@if [ -z "$$(find tests/e2e -name 'test_*.py' -o -name '*_test.py' 2>/dev/null)" ]; then \
	    $(SKIP) "tests/e2e has no test files yet"; \
	else \
	    $(VENV)/bin/python -m pytest -q -rs -n 3 --dist loadfile tests/e2e; \
	fi

.PHONY: sanity sanity-2.16 sanity-2.19 sanity-2.21
sanity: sanity-2.16 sanity-2.19 sanity-2.21

sanity-2.16: venv-ac216
	bash tests/ci/ansible_test.sh $(VENV_AC216) $(PYTHON_VERSION) sanity

sanity-2.19: venv
	bash tests/ci/ansible_test.sh $(VENV) $(PYTHON_VERSION) sanity

ifeq ($(PYTHON_AC221),)
sanity-2.21:
	@$(SKIP) "no Python 3.12 or 3.13 interpreter (pyenv versions or pythonX.Y on PATH); ansible-core 2.21 needs >= 3.12"
else
sanity-2.21: venv-ac221
	bash tests/ci/ansible_test.sh $(VENV_AC221) $(PYTHON_AC221_VERSION) sanity
endif

.PHONY: units
units: venv
	bash tests/ci/ansible_test.sh $(VENV) $(PYTHON_VERSION) units

.PHONY: lint
lint: venv collection-tree
	$(VENV)/bin/ansible-lint --version
	$(VENV)/bin/ansible-lint

.PHONY: ansible-doc
ansible-doc: venv collection-tree
	bash tests/ci/check_ansible_doc.sh

.PHONY: docs docs-check
docs: venv collection-tree
	bash tests/ci/docs.sh generate

docs-check: venv collection-tree
	bash tests/ci/docs.sh check

.PHONY: changelog changelog-check
changelog: venv
	bash tests/ci/changelog.sh generate

changelog-check: venv
	bash tests/ci/changelog.sh check

# Releasing. galaxy.yml holds the version (tests/unit/test_version.py ties _version.py, the
# changelog and every version_added to it). `make set-version VERSION=X.Y.Z` starts the next
# version (galaxy.yml and plugins/module_utils/_version.py together). `make changelog-release`
# folds every pending fragment of changelogs/fragments/ into the release of the galaxy.yml
# version -- creating it, or adding to it while it is unpublished (its date becomes
# RELEASE_DATE, default today) -- lists the plugins whose version_added is that version,
# rewrites CHANGELOG.md and runs the version test. Fragments may pend between releases:
# changelog-check lints them and only compares CHANGELOG.md with changelog.yaml.
RELEASE_DATE ?= $(shell date -u +%Y-%m-%d)
GALAXY_VERSION = $(shell $(VENV)/bin/python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
.PHONY: changelog-release set-version
changelog-release: venv collection-tree
	antsibull-changelog lint
	antsibull-changelog release --reload-plugins --update-existing --date $(RELEASE_DATE) --version $(GALAXY_VERSION)
	bash tests/ci/changelog.sh generate
	$(VENV)/bin/python -m pytest -q tests/unit/test_version.py
	@echo "released $(GALAXY_VERSION) ($(RELEASE_DATE)) in changelogs/changelog.yaml and CHANGELOG.md: commit changelogs/ CHANGELOG.md"

set-version: venv
	@test -n "$(VERSION)" || { echo "usage: make set-version VERSION=X.Y.Z" >&2; exit 2; }
	sed -i -E 's/^version: .*/version: $(VERSION)/' galaxy.yml
	sed -i -E 's/^COLLECTION_VERSION = .*/COLLECTION_VERSION = "$(VERSION)"/' plugins/module_utils/_version.py
	@grep -n '^version:' galaxy.yml; grep -n '^COLLECTION_VERSION' plugins/module_utils/_version.py

.PHONY: galaxy
galaxy: venv
	bash tests/ci/galaxy.sh

.PHONY: demo
demo: venv-demo collection-tree
	bash tests/ci/with_sandbox.sh $(VENV)/bin/ansible-playbook examples/demo.yml

# Benchmark extras (e.g. the gcore SDK it compares against) go in
# tests/bench/requirements.txt, installed into .venv only for this target.
.PHONY: bench
bench: venv collection-tree
	@if [ ! -f tests/bench/bench_wait.py ]; then \
	    echo "tests/bench/bench_wait.py does not exist yet"; exit 0; \
	fi; \
	if [ -f tests/bench/requirements.txt ]; then \
	    $(VENV)/bin/python -m pip install --quiet -r tests/bench/requirements.txt; \
	fi; \
	$(VENV)/bin/python tests/bench/bench_wait.py $(BENCH_ARGS); \
	$(VENV)/bin/python tests/bench/bench_request.py $(BENCH_REQUEST_ARGS)

# --------------------------------------------------------------------------- cleanup

.PHONY: clean distclean
clean:
	rm -rf build tests/output .pytest_cache .ansible .tmp
	find . -path ./.git -prune -o -path './.venv*' -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) $(VENV_AC216) $(VENV_AC221)
