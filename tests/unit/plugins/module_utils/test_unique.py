# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""unique_by: which bodies of a create call are sent, which resources they already made."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._unique import (
    UniqueError,
    find_existing,
    list_filters,
    where_listed,
)
from ansible_collections.gcore.tasks.plugins.module_utils._errors import ApiError
from ansible_collections.gcore.tasks.plugins.module_utils._kinds import KINDS

CREATE_TASK = "11111111-1111-4111-8111-111111111111"
DELETE_TASK = "22222222-2222-4222-8222-222222222222"
VOLUMES = "/cloud/v1/volumes/1/76"


class FakeClient(object):
    """Lists the given resources in pages of C(page_size) and the C(active) tasks (NEW/RUNNING);
    records every request it is asked, in order, in C(calls)."""

    def __init__(self, resources=(), page_size=1000, tasks=None, active=(), failing=()):
        self.failing = failing  # "active" and/or "tasks": those lists answer 500
        self.resources = list(resources)
        self.page_size = page_size
        self.tasks = tasks or {}
        self.active = list(active)
        self.lists = []
        self.task_reads = []
        self.active_reads = []
        self.calls = []

    def iter_pages(self, path, params=None, limit=None, page_size=None):
        self.lists.append((path, dict(params or {})))
        self.calls.append("list")
        for start in range(0, max(len(self.resources), 1), self.page_size):
            yield self.resources[start:start + self.page_size]

    def list_active_tasks(self, project_id, region_id, task_type=None, limit=None):
        # like the API's active endpoint, though a server may ignore the task_type filter
        self.active_reads.append((project_id, region_id, task_type))
        self.calls.append("active")
        if "active" in self.failing:
            raise ApiError("Internal Server Error", status=500, method="GET", path="/cloud/v1/tasks/1/76/active")
        return [dict(task) for task in self.active]

    def list_tasks(self, filters=None, limit=None):
        self.calls.append(("tasks", filters))
        if "tasks" in self.failing:
            raise ApiError("Internal Server Error", status=500, method="GET", path="/cloud/v1/tasks")
        return [dict(task) for task in self.active if task["state"] in filters["state"]]

    def get_task(self, task_id):
        self.task_reads.append(task_id)
        if task_id not in self.tasks:
            raise ApiError("Task not found", status=404, method="GET", path="/cloud/v1/tasks/" + task_id)
        return self.tasks[task_id]


def volume(ident, name, status="available", **fields):
    return dict(fields, id=ident, name=name, status=status)


def test_no_match_sends_every_body_after_one_list_read():
    client = FakeClient([volume("v1", "other")])
    plan = find_existing(client, "POST", VOLUMES, [{"name": "a"}, {"name": "b"}], ["name"])
    assert plan.to_send() == [0, 1]
    assert plan.created_resources() == {}
    assert client.lists == [(VOLUMES, {})]


def test_one_match_is_adopted_with_its_id_name_and_status():
    client = FakeClient([volume("v1", "web"), volume("v2", "db")])
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web", "size": 1}, {"name": "new"}], ["name"])
    assert plan.to_send() == [1]
    assert plan.adopted[0].existing() == {"id": "v1", "name": "web", "status": "available"}
    assert plan.created_resources() == {"volumes": ["v1"]}
    assert plan.scopes() == {"v1": {"project_id": 1, "region_id": 76}}
    assert plan.wait_task_ids() == []


def test_the_comparison_is_exact_whatever_the_server_filter_matched():
    # volumes filter by name_part (a substring): "web-1" is listed for "web" but is not a match
    client = FakeClient([volume("v1", "web-1"), volume("v2", "WEB")])
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert plan.to_send() == [0]
    assert client.lists == [(VOLUMES, {"name_part": "web"})]


def test_several_matches_fail_naming_every_id():
    client = FakeClient([volume("v1", "web"), volume("v2", "web"), volume("v3", "db")])
    with pytest.raises(UniqueError) as caught:
        find_existing(client, "POST", VOLUMES, [{"name": "db"}, {"name": "web"}], ["name"])
    assert "bodies[1] (name=web) matches 2 resources" in caught.value.message
    assert "v1, v2" in caught.value.message and "nothing was sent" in caught.value.message
    assert caught.value.ids == ["v1", "v2"]


def test_a_match_being_deleted_does_not_count():
    client = FakeClient([volume("v1", "web", "deleting"), volume("v2", "web")])
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert plan.adopted[0].id == "v2"


def test_a_match_whose_task_deletes_it_does_not_count():
    client = FakeClient([volume("v1", "web", task_id=DELETE_TASK, creator_task_id=CREATE_TASK)],
                        tasks={DELETE_TASK: {"id": DELETE_TASK, "task_type": "delete_volume", "state": "RUNNING"}})
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert plan.to_send() == [0]
    assert client.task_reads == [DELETE_TASK]


def test_a_match_whose_task_the_api_no_longer_knows_is_adopted():
    client = FakeClient([volume("v1", "web", task_id=DELETE_TASK, creator_task_id=CREATE_TASK)])
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert plan.adopted[0].id == "v1" and client.task_reads == [DELETE_TASK]
    assert plan.wait_task_ids() == [], "an unknown task is not waited for"


def test_a_match_another_running_task_works_on_is_waited_for_until_that_task_ends():
    update = "33333333-3333-4333-8333-333333333333"
    client = FakeClient([volume("v1", "web", task_id=update, creator_task_id=CREATE_TASK),
                         volume("v2", "db", task_id=DELETE_TASK, creator_task_id=CREATE_TASK)],
                        tasks={update: {"id": update, "task_type": "extend_volume", "state": "RUNNING"},
                               DELETE_TASK: {"id": DELETE_TASK, "task_type": "extend_volume", "state": "FINISHED"}})
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}, {"name": "db"}], ["name"])
    assert plan.wait_task_ids() == [update]


def test_a_match_in_an_error_state_fails_naming_it():
    client = FakeClient([volume("v1", "web", "error")])
    with pytest.raises(UniqueError) as caught:
        find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert "matches v1 at %s, which is in status error" % VOLUMES in caught.value.message
    assert caught.value.ids == ["v1"]


def test_a_match_still_being_created_is_adopted_and_its_task_waited_for():
    client = FakeClient([volume("v1", "web", "creating", task_id=CREATE_TASK.upper(), creator_task_id=CREATE_TASK),
                         volume("v2", "db", "creating", task_id=None, creator_task_id=CREATE_TASK)])
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}, {"name": "db"}], ["name"])
    assert plan.to_send() == []
    assert plan.wait_task_ids() == [CREATE_TASK]
    assert plan.adopted[0].existing()["task_id"] == CREATE_TASK
    assert client.task_reads == []  # a creating status says which task it is: no read


def test_a_finished_resource_is_not_waited_for_by_its_creator_task():
    client = FakeClient([volume("v1", "web", "available", task_id=None, creator_task_id=CREATE_TASK)])
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert plan.wait_task_ids() == []


def test_tags_of_the_body_must_be_contained_in_the_resources_tags():
    tags = [{"key": "env", "value": "prod", "read_only": False}, {"key": "app", "value": "web", "read_only": False}]
    client = FakeClient([dict(id="f1", status="ACTIVE", tags=tags), dict(id="f2", status="ACTIVE", tags=[])])
    path = "/cloud/v1/floatingips/1/76"
    plan = find_existing(client, "POST", path, [{"tags": {"env": "prod"}}, {"tags": {"env": "dev"}}], ["tags"])
    assert plan.to_send() == [1]
    assert plan.created_resources() == {"floatingips": ["f1"]}


def test_no_bodies_need_no_list():
    client = FakeClient([volume("v1", "web")])
    plan = find_existing(client, "POST", VOLUMES, [], ["name"])
    assert plan.to_send() == [] and plan.created_resources() == {} and client.lists == []


def test_every_page_is_read_once_for_all_bodies():
    client = FakeClient([volume("v%d" % index, "vol-%d" % index) for index in range(250)], page_size=100)
    bodies = [{"name": "vol-%d" % index} for index in range(100)] + [{"name": "vol-new"}]
    plan = find_existing(client, "POST", VOLUMES, bodies, ["name"])
    assert plan.pages == 3
    assert client.lists == [(VOLUMES, {"name_part": "vol-"})]
    assert plan.to_send() == [100]
    assert plan.created_resources()["volumes"] == ["v%d" % index for index in range(100)]


def test_name_filters_narrow_only_where_one_read_still_serves_every_body():
    networks, instances = KINDS["networks"], KINDS["instances"]
    assert list_filters(networks, [{"name": "a"}, {"name": "a"}], ["name"]) == {"name": "a"}
    assert list_filters(networks, [{"name": "a"}, {"name": "b"}], ["name"]) == {}  # exact filter: one name only
    assert list_filters(instances, [{"name": "web-2"}, {"name": "web-10"}], ["name"]) == {"name": "web-"}
    assert list_filters(instances, [{"name": "a"}, {"name": "b"}], ["name"]) == {}
    assert list_filters(KINDS["subnets"], [{"name": "a"}], ["name"]) == {}  # no name filter
    assert list_filters(None, [{"name": "a"}], ["name"]) == {}


def test_the_tag_filter_asks_for_the_pairs_every_body_holds():
    floatingips, routers = KINDS["floatingips"], KINDS["routers"]
    bodies = [{"tags": {"env": "prod", "app": "web"}}, {"tags": {"env": "prod", "app": "db"}}]
    assert list_filters(floatingips, bodies, ["tags"]) == {"tag_key_value": '{"env": "prod"}'}
    assert list_filters(floatingips, [{"tags": {"a": "1"}}, {"tags": {"b": "2"}}], ["tags"]) == {}
    assert list_filters(routers, bodies, ["tags"]) == {}  # routers take no tag filter


def test_instances_are_listed_where_the_api_lists_them_and_list_path_overrides():
    assert where_listed("/cloud/v2/instances/1/76") == ("instances", "/cloud/v1/instances/1/76", 1, 76)
    assert where_listed("/cloud/v1/secrets/1/76", "/cloud/v2/secrets/1/76") == ("secrets", "/cloud/v2/secrets/1/76",
                                                                                1, 76)
    assert where_listed("/cloud/v1/x/1/76", "/cloud/v1/volumes/1/76")[0] == "volumes"


@pytest.mark.parametrize("method, path, bodies, unique_by, message", [
    ("POST", "/cloud/v1/secrets/1/76", [{"name": "a"}], ["name"], "give list_path"),
    ("POST", "/cloud/v1/volumes", [{"name": "a"}], ["name"], "needs the project and region"),
    ("PATCH", VOLUMES, [{"name": "a"}], ["name"], "method POST"),
    ("POST", VOLUMES, [{"size": 1}], ["name"], "bodies[0] has no name"),
    ("POST", VOLUMES, [None], ["name"], "needs a body"),
    ("POST", VOLUMES, [{"name": "a"}], [], "non-empty list"),
    ("POST", VOLUMES, [{"name": "a", "tags": ["x"]}], ["tags"], "tags must be a dict"),
    ("POST", VOLUMES, [{"name": "a"}, {"name": "b"}, {"name": "a"}], ["name"], "bodies[0] and bodies[2] have the same"),
])
def test_input_that_cannot_work_fails_before_any_request(method, path, bodies, unique_by, message):
    client = FakeClient()
    with pytest.raises(UniqueError) as caught:
        find_existing(client, method, path, bodies, unique_by)
    assert message in caught.value.message
    assert client.lists == [] and client.task_reads == []


def create_task(task_id, data, state="NEW", task_type="create_volume"):
    return dict(id=task_id, task_type=task_type, state=state, data=data, project_id=1, region_id=76)


QUEUED = "33333333-3333-4333-8333-333333333333"
QUEUED_TOO = "44444444-4444-4444-8444-444444444444"


def test_a_create_still_queued_whose_resource_is_not_listed_yet_is_adopted_and_waited_for():
    # An API may list a volume only once its task runs: a rerun after a stop must not create it again.
    client = FakeClient([], active=[create_task(QUEUED, {"name": "web", "size": 1}),
                                    create_task(QUEUED_TOO, {"name": "other", "size": 1}, state="RUNNING")])
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web", "size": 1}, {"name": "db"}], ["name"])
    assert plan.to_send() == [1]
    assert plan.adopted[0].existing() == {"id": None, "name": "web", "status": "NEW", "task_id": QUEUED}
    assert plan.wait_task_ids() == [QUEUED]
    assert plan.created_resources() == {} and plan.scopes() == {}  # its ID is the task's, once FINISHED
    assert client.active_reads == [(1, 76, "create_volume")]


def test_the_active_creates_are_read_before_the_list_so_a_task_ending_between_is_seen_either_way():
    client = FakeClient([], active=[create_task(QUEUED, {"name": "web"})])
    find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert client.calls == ["active", "list"]


def test_a_create_task_whose_resource_is_listed_counts_once_as_that_resource():
    client = FakeClient([volume("v1", "web", "creating", task_id=QUEUED, creator_task_id=QUEUED)],
                        active=[create_task(QUEUED, {"name": "web"}, state="RUNNING")])
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert plan.to_send() == []
    assert plan.adopted[0].existing() == {"id": "v1", "name": "web", "status": "creating", "task_id": QUEUED}
    assert plan.created_resources() == {"volumes": ["v1"]}


def test_tasks_of_another_type_or_ended_are_not_creates_of_the_kind():
    client = FakeClient([], active=[create_task(QUEUED, {"name": "web"}, task_type="create_vm"),
                                    create_task(QUEUED_TOO, {"name": "web"}, state="FINISHED")])
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert plan.to_send() == [0]


def test_a_task_without_data_matches_no_body():
    client = FakeClient([], active=[dict(create_task(QUEUED, None)), create_task(QUEUED_TOO, "masked")])
    assert find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"]).to_send() == [0]


def test_two_creates_of_one_body_still_running_fail_naming_both_tasks():
    client = FakeClient([], active=[create_task(QUEUED, {"name": "web"}), create_task(QUEUED_TOO, {"name": "web"})])
    with pytest.raises(UniqueError) as caught:
        find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert "matches 2 resources" in caught.value.message
    assert QUEUED in caught.value.message and QUEUED_TOO in caught.value.message
    assert "nothing was sent" in caught.value.message


def test_a_listed_match_and_another_create_still_running_fail_naming_both():
    client = FakeClient([volume("v1", "web", creator_task_id=CREATE_TASK)],
                        active=[create_task(QUEUED, {"name": "web"})])
    with pytest.raises(UniqueError) as caught:
        find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert "v1" in caught.value.message and QUEUED in caught.value.message
    assert caught.value.ids == ["v1"]


def test_tags_of_a_create_still_running_are_matched_as_sent():
    client = FakeClient([], active=[create_task(QUEUED, {"name": "f", "tags": {"job": "42", "env": "ci"}},
                                                task_type="create_fip")])
    plan = find_existing(client, "POST", "/cloud/v1/floatingips/1/76", [{"tags": {"job": "42"}}], ["tags"])
    assert plan.to_send() == [] and plan.wait_task_ids() == [QUEUED]
    assert client.active_reads == [(1, 76, "create_fip")]


def test_a_kind_the_module_does_not_know_reads_no_tasks():
    client = FakeClient([], active=[create_task(QUEUED, {"name": "web"})])
    plan = find_existing(client, "POST", "/cloud/v1/secrets/1/76", [{"name": "web"}], ["name"],
                         list_path="/cloud/v1/secrets/1/76")
    assert plan.to_send() == [0] and client.active_reads == []


def test_a_failing_active_list_is_replaced_by_the_task_list_filtered_by_state():
    client = FakeClient([], active=[create_task(QUEUED, {"name": "web"})], failing=("active",))
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}], ["name"])
    assert plan.wait_task_ids() == [QUEUED] and plan.warnings == []
    assert client.calls == ["active", ("tasks", {"project_id": 1, "region_id": 76, "task_type": "create_volume",
                                                 "state": ["NEW", "RUNNING"]}), "list"]


def test_when_no_task_list_answers_the_resource_list_alone_decides_and_a_warning_says_so():
    client = FakeClient([volume("v1", "web")], active=[create_task(QUEUED, {"name": "db"})],
                        failing=("active", "tasks"))
    plan = find_existing(client, "POST", VOLUMES, [{"name": "web"}, {"name": "db"}], ["name"])
    assert plan.to_send() == [1] and plan.created_resources() == {"volumes": ["v1"]}
    (warning,) = plan.warnings
    assert "create_volume tasks not ended in project 1, region 76" in warning and "500" in warning
