# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every shipped example and the README's playbook: --check on an empty sandbox sends no write; after a real run
a rerun changes nothing and --check shows the real IDs.

examples/awx_credential_type.yml is left out: it talks to AWX (awx.awx), not to the Gcore API.
"""

import re

import pytest

from conftest import API_KEY, REPO

SCOPE = {"GCORE_CLOUD_PROJECT_ID": "1", "GCORE_CLOUD_REGION_ID": "76"}


def recap_changed(run):
    found = re.search(r"^localhost\s*:.*\bchanged=(\d+)", run.stdout, re.M)
    assert found, run.stdout + run.stderr
    return int(found.group(1))


def readme_playbook(tmp_path):
    path = tmp_path / "readme.yml"
    path.write_text(re.findall(r"```yaml\n(.*?)```", (REPO / "README.md").read_text(), re.S)[0])
    return str(path)


EXAMPLES = {
    "demo": lambda tmp_path: str(REPO / "examples" / "demo.yml"),
    "cleanup_on_failure": lambda tmp_path: str(REPO / "examples" / "cleanup_on_failure.yml"),
    "awx_create_volume": lambda tmp_path: str(REPO / "examples" / "awx_create_volume.yml"),
    "readme": readme_playbook,
    "teardown": lambda tmp_path: str(REPO / "examples" / "teardown.yml"),
}
# Examples that delete what the host's record holds: on their own (no fact cache) they create nothing.
CREATE_NOTHING = ("teardown",)


def created_ids(run):
    """Every ID in the created_resources of every task result of the run, sorted."""
    return sorted(item for entry in run.results
                  for ids in (entry["result"].get("created_resources") or {}).values() for item in ids)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_an_example_runs_in_check_mode_then_converges(name, run_playbook, sandbox, tmp_path):
    playbook = EXAMPLES[name](tmp_path)
    extra = {"gcore_api_key": API_KEY}
    checked = run_playbook(playbook, check=True, extra_vars=extra, env=SCOPE)
    assert checked.rc == 0, checked.stdout + checked.stderr
    assert sandbox.counters()["writes"] == 0, "check mode sent a write"

    real = run_playbook(playbook, extra_vars=extra, env=SCOPE)
    assert real.rc == 0, real.stdout + real.stderr
    writes = sandbox.counters()["writes"]
    created = created_ids(real)
    assert bool(created) is (name not in CREATE_NOTHING), "the real run created %s" % created

    again = run_playbook(playbook, extra_vars=extra, env=SCOPE)
    assert again.rc == 0, again.stdout + again.stderr
    assert recap_changed(again) == 0, again.stdout
    assert sandbox.counters()["writes"] == writes, "the rerun sent a write"

    checked = run_playbook(playbook, check=True, extra_vars=extra, env=SCOPE)
    assert checked.rc == 0 and recap_changed(checked) == 0, checked.stdout + checked.stderr
    assert sandbox.counters()["writes"] == writes
    shown = created_ids(checked)
    assert set(shown) == set(created), "check mode after a real run shows the real IDs"


def test_the_second_awx_node_uses_what_the_first_published_and_converges(run_playbook, sandbox):
    node1 = run_playbook(str(REPO / "examples" / "awx_create_volume.yml"), env=SCOPE)
    assert node1.rc == 0, node1.stdout + node1.stderr
    handed = dict((key, value) for entry in node1.results
                  for key, value in ((entry["result"].get("ansible_stats") or {}).get("data") or {}).items())
    assert handed.get("gcore_created_resources", {}).get("volumes"), node1.stdout
    for check in (True, False, False):
        node2 = run_playbook(str(REPO / "examples" / "awx_use_volume.yml"), extra_vars=handed, env=SCOPE, check=check)
        assert node2.rc == 0, node2.stdout + node2.stderr
    assert recap_changed(node2) == 0, node2.stdout
