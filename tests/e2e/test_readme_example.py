# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""README's first example, as a new user copies it: the key in a variable, not in the environment."""

import re

from conftest import API_KEY, REPO


def readme_first_example():
    return re.findall(r"```yaml\n(.*?)```", (REPO / "README.md").read_text(), re.S)[0]


def test_the_readmes_first_example_runs_with_the_key_in_a_variable_and_none_in_the_environment(run_playbook,
                                                                                               sandbox):
    run = run_playbook(readme_first_example(), extra_vars={"gcore_api_key": API_KEY}, env={"GCORE_API_KEY": ""})
    assert run.rc == 0, run.stdout + run.stderr
    created = run.result("Create a volume and wait for its task")["result"]["created_resources"]["volumes"]
    acked = run.result("Acknowledge the tasks")["result"]
    assert acked["changed"] is True and [task["acknowledged_at"] is not None for task in acked["tasks"]] == [True]
    assert sandbox.counters()["routes"].get("POST /cloud/v1/volumes/{project_id}/{region_id}") == 1
    assert len(created) == 1 and created[0] in run.stdout, "the later play read the ID from the facts"
