# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gcore_cleanup's action plugin: after a run, the host's record fact loses exactly what is gone."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from unittest import mock

from ansible_collections.gcore.tasks.plugins.action.gcore_cleanup import ActionModule

RECORD = dict(
    created_resources=dict(volumes=["v1", "v2"], instances=["i1"], ports=["p1"], networks=["n1"]),
    scopes=dict((item, dict(project_id=1, region_id=76)) for item in ("v1", "v2", "i1", "p1", "n1")),
    task_ids=["26986bc0-748a-4448-b836-0a2aa465eb06"],
)


def plugin(check_mode=False):
    action = ActionModule.__new__(ActionModule)  # only _update_record is exercised: no connection needed
    action._play_context = mock.Mock(check_mode=check_mode)
    return action


def test_the_record_fact_loses_the_deleted_the_already_gone_and_the_parts_that_went_with_them():
    result = dict(changed=True, deleted=dict(volumes=["v1"], instances=["i1"]), already_gone=dict(volumes=["v2"]),
                  with_parent=dict(ports=["p1"]))
    plugin()._update_record(result, dict(ansible_facts=dict(gcore_created_record=RECORD)))
    record = result["ansible_facts"]["gcore_created_record"]
    assert record["created_resources"] == dict(networks=["n1"])
    assert record["scopes"] == dict(n1=dict(project_id=1, region_id=76))
    assert record["task_ids"] == RECORD["task_ids"]


def test_the_record_is_read_from_the_fact_and_from_a_variable_handed_on():
    handed_on = dict(created_resources=dict(floatingips=["f1"]), scopes={}, task_ids=[])
    result = dict(deleted=dict(networks=["n1"]), already_gone={}, with_parent={})
    plugin()._update_record(result, dict(ansible_facts=dict(gcore_created_record=RECORD),
                                         gcore_created_record=handed_on))
    assert result["ansible_facts"]["gcore_created_record"]["created_resources"] == dict(
        volumes=["v1", "v2"], instances=["i1"], ports=["p1"], floatingips=["f1"])


def test_in_check_mode_the_record_fact_is_left_as_it_is():
    result = dict(would_delete=dict(volumes=["v1"]), deleted={}, already_gone=dict(volumes=["v2"]))
    plugin(check_mode=True)._update_record(result, dict(ansible_facts=dict(gcore_created_record=RECORD)))
    assert "ansible_facts" not in result


def test_without_a_record_fact_the_fact_becomes_an_empty_record():
    result = dict(deleted=dict(volumes=["v1"]), already_gone={}, with_parent={})
    plugin()._update_record(result, {})
    assert result["ansible_facts"]["gcore_created_record"] == dict(created_resources={}, scopes={}, task_ids=[])


def test_the_tasks_the_run_cleared_leave_the_record_with_their_ids():
    result = dict(changed=True, deleted=dict(volumes=["v1", "v2"]), already_gone={}, with_parent={},
                  cleared_task_ids=[RECORD["task_ids"][0].upper()])
    plugin()._update_record(result, dict(ansible_facts=dict(gcore_created_record=RECORD)))
    record = result["ansible_facts"]["gcore_created_record"]
    assert record["task_ids"] == [] and record["created_resources"] == dict(instances=["i1"], ports=["p1"],
                                                                            networks=["n1"])
