# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A crowded region costs about one read per task plus two requests a round, whatever else the account
holds, for one wait and summed over many (issue #18, point 1). Counted on an in-memory API, no HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import uuid

from ansible_collections.gcore.tasks.plugins.module_utils._tasks import parse_timestamp
from ansible_collections.gcore.tasks.plugins.module_utils._waiter import CROWDED_READS, TaskWaiter

EPOCH = datetime.datetime(2026, 5, 23, 5, 0, 0, tzinfo=datetime.timezone.utc)
WAITED = 25


class CrowdedApi(object):
    """Tasks on a fake clock; lists put the crowd first (the worst order for a wait), honour the state,
    task_type and created_on filters, and count every request."""

    def __init__(self, with_resources_in_lists=True):
        self.now = 0.0
        self.tasks = {}
        self.order = []
        self.requests = 0
        self.reads = 0
        self.with_resources_in_lists = with_resources_in_lists

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds

    def add(self, count, duration, created=0.0, project_id=1, region_id=1):
        ids = []
        for _unused in range(count):
            task_id = str(uuid.uuid4())
            self.tasks[task_id] = dict(duration=duration, created=created, project_id=project_id, region_id=region_id)
            self.order.append(task_id)
            ids.append(task_id)
        return ids

    def state(self, task_id):
        spec = self.tasks[task_id]
        ended = spec["duration"] is not None and self.now >= spec["created"] + spec["duration"]
        return "FINISHED" if ended else "RUNNING"

    def render(self, task_id, listed=False):
        spec = self.tasks[task_id]
        ended = self.state(task_id) == "FINISHED"
        task = {
            "id": task_id, "task_type": "create_volume", "state": self.state(task_id), "user_id": 1,
            "project_id": spec["project_id"], "region_id": spec["region_id"],
            "created_on": (EPOCH + datetime.timedelta(seconds=spec["created"])).strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "created_resources": {"volumes": ["vol-" + task_id[:8]] if ended else []},
        }
        if listed and ended and not self.with_resources_in_lists:
            del task["created_resources"]
        return task

    def get_task(self, task_id, deadline=None):
        self.requests += 1
        self.reads += 1
        return self.render(task_id)

    def list_page(self, path, params=None, limit=1000, offset=0, deadline=None):
        self.requests += 1
        params = params or {}
        found = self.order
        if path.endswith("/active"):
            place = tuple(int(part) for part in path.split("/")[-3:-1])
            found = [t for t in found if (self.tasks[t]["project_id"], self.tasks[t]["region_id"]) == place
                     and self.state(t) == "RUNNING"]
        for key in ("project_id", "region_id"):
            if params.get(key):
                found = [t for t in found if self.tasks[t][key] in params[key]]
        if params.get("state"):
            found = [t for t in found if self.state(t) in params["state"]]
        if params.get("from_timestamp"):
            low = (parse_timestamp(params["from_timestamp"]) - EPOCH).total_seconds()
            high = (parse_timestamp(params["to_timestamp"]) - EPOCH).total_seconds()
            found = [t for t in found if low <= self.tasks[t]["created"] <= high]
        return len(found), [self.render(t, listed=True) for t in found[offset:offset + limit]]


def bound(rounds, tasks=WAITED):
    """The issue's target for one wait: a read per task, two requests a round, ten for finding them."""
    return tasks + 2 * rounds + 10


def test_a_wait_among_a_thousand_active_tasks_of_its_region_stays_within_the_bound():
    api = CrowdedApi()
    api.add(1000, None)  # created in the same moment and never ending: both the window and the active list crowd
    task_ids = api.add(WAITED, None)
    for number, task_id in enumerate(task_ids):
        api.tasks[task_id]["duration"] = 2 + 8.0 * number / WAITED
    waiter = TaskWaiter(api, clock=api.clock, sleep=api.sleep)
    assert waiter.wait(task_ids, timeout=120, interval=1) == []
    assert all(waiter.tasks[task_id]["created_resources"]["volumes"] for task_id in task_ids)
    assert api.requests <= bound(waiter.rounds), (api.requests, waiter.rounds)


def test_lists_crowded_beyond_a_page_cost_a_few_reads_by_id_a_round_and_the_wait_still_ends():
    api = CrowdedApi()
    api.add(1500, None)  # active crowd
    api.add(1500, 0.0)  # ended crowd, in the same window
    task_ids = api.add(WAITED, 5.0)
    waiter = TaskWaiter(api, clock=api.clock, sleep=api.sleep)
    assert waiter.wait(task_ids, timeout=600, interval=1) == []
    assert api.requests <= bound(waiter.rounds), (api.requests, waiter.rounds)
    # After the first rounds (which learn where the tasks are and how crowded each list is), each round reads
    # CROWDED_READS tasks at most.
    assert api.reads <= WAITED + CROWDED_READS * waiter.rounds + 10


def test_forty_waits_in_one_crowded_region_stay_within_forty_bounds():
    api = CrowdedApi()
    api.add(1000, None)
    hosts = []
    for host in range(40):
        task_ids = api.add(WAITED, None, created=host * 0.05)
        for number, task_id in enumerate(task_ids):
            api.tasks[task_id]["duration"] = 3 + 6.0 * ((number + host) % WAITED) / WAITED
        hosts.append(dict(task_ids=task_ids, waiter=TaskWaiter(api, clock=api.clock, sleep=api.sleep), rounds=0))
    # The hosts poll in step, one round each per second, as forty forks of one job do.
    for _unused in range(60):
        for host in hosts:
            pending = host["waiter"].pending(host["task_ids"])
            if pending:
                host["waiter"].poll(pending)
                host["rounds"] += 1
        api.now += 1.0
    assert all(not host["waiter"].pending(host["task_ids"]) for host in hosts)
    total = sum(bound(host["rounds"]) for host in hosts)
    assert api.requests <= total, (api.requests, total)


def test_ended_tasks_a_list_gives_without_created_resources_are_read_by_id_for_them():
    api = CrowdedApi(with_resources_in_lists=False)
    api.add(1000, None)
    task_ids = api.add(WAITED, 3.0)
    waiter = TaskWaiter(api, clock=api.clock, sleep=api.sleep)
    assert waiter.wait(task_ids, timeout=120, interval=1) == []
    assert all(waiter.tasks[task_id]["created_resources"]["volumes"] for task_id in task_ids)
    assert api.requests <= bound(waiter.rounds) + WAITED


def test_a_quiet_region_still_costs_one_list_a_round():
    api = CrowdedApi()
    task_ids = api.add(WAITED, 6.0)
    waiter = TaskWaiter(api, clock=api.clock, sleep=api.sleep)
    assert waiter.wait(task_ids, timeout=120, interval=1) == []
    assert api.requests <= waiter.rounds + 2
