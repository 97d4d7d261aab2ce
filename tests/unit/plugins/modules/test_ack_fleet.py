# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gcore_task_ack at scale and under faults (issue #18, point 6): concurrent, bounded, and what was
acknowledged before a failure is reported."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time
import uuid

from ansible_collections.gcore.tasks.plugins.module_utils._client import READ_CONCURRENCY
from ansible_collections.gcore.tasks.plugins.module_utils._errors import ApiError
from ansible_collections.gcore.tasks.plugins.modules import gcore_task_ack
from ansible_collections.gcore.tasks.tests.unit.plugins.modules.module_runner import run_module


class AckClient(object):
    """Tasks of one project/region; acknowledgements take a little while and are counted, in flight too.
    From the C(fail_after)-th acknowledgement on, the key is revoked (401)."""

    def __init__(self, count, fail_after=None):
        self.tasks = dict((task_id, {"id": task_id, "task_type": "create_volume", "state": "FINISHED", "user_id": 1,
                                     "project_id": 1, "region_id": 1, "created_on": "2026-05-23T05:07:31",
                                     "created_resources": {"volumes": []}, "acknowledged_at": None})
                          for task_id in (str(uuid.uuid4()) for _unused in range(count)))
        self.fail_after = fail_after
        self.lock = threading.Lock()
        self.started = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.acknowledged = []

    def get_task(self, task_id, deadline=None):
        return dict(self.tasks[task_id])

    def list_page(self, path, params=None, limit=1000, offset=0, deadline=None):
        tasks = [dict(task) for task in self.tasks.values()]
        return len(tasks), tasks[offset:offset + limit]

    def acknowledge_task(self, task_id):
        with self.lock:
            self.started += 1
            number = self.started
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(0.002)
            if self.fail_after is not None and number > self.fail_after:
                raise ApiError("Invalid API key.", status=401, method="POST", exception_class="NotAuthenticated",
                               path="/cloud/v1/tasks/%s/acknowledge" % task_id)
            with self.lock:
                self.acknowledged.append(task_id)
            return dict(self.tasks[task_id], acknowledged_at="2026-05-23T06:00:00", acknowledged_by=1)
        finally:
            with self.lock:
                self.in_flight -= 1


def test_a_thousand_acknowledgements_go_out_concurrently_at_most_a_pool_at_a_time():
    client = AckClient(1000)
    result, failed = run_module(gcore_task_ack.main, {"task_ids": list(client.tasks)}, client=client)
    assert not failed, result
    assert result["changed"] is True and len(result["tasks"]) == 1000
    assert sorted(client.acknowledged) == sorted(client.tasks)
    assert 2 <= client.most_in_flight <= READ_CONCURRENCY
    assert [task["id"] for task in result["tasks"]] == list(client.tasks), "in the order asked"


def test_a_key_revoked_midway_reports_what_was_acknowledged_before_and_starts_no_more():
    client = AckClient(30, fail_after=20)
    result, failed = run_module(gcore_task_ack.main, {"task_ids": list(client.tasks)}, client=client)
    assert failed
    assert result["changed"] is True, "20 tasks were acknowledged"
    assert sorted(task["id"] for task in result["tasks"]) == sorted(client.acknowledged)
    assert len(client.acknowledged) == 20
    assert "acknowledged 20 of 30" in result["msg"] and "HTTP 401" in result["msg"]
    assert result["failure"]["status"] == 401
    assert client.started <= 20 + READ_CONCURRENCY, "no acknowledgement starts after the first failure is known"


def test_a_failure_on_the_first_acknowledgement_changes_nothing():
    client = AckClient(3, fail_after=0)
    result, failed = run_module(gcore_task_ack.main, {"task_ids": list(client.tasks)}, client=client)
    assert failed and result["changed"] is False and result["tasks"] == []
    assert "acknowledged 0 of 3" in result["msg"]
