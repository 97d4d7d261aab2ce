# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import uuid

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._errors import ApiError, GcoreError, MalformedAnswerError, NoAnswerError
from ansible_collections.gcore.tasks.plugins.module_utils._waiter import TaskWaiter, poll_delay
from ansible_collections.gcore.tasks.tests.unit.plugins.fake_api import EPOCH, FakeApi

@pytest.fixture
def api():
    return FakeApi()


def waiter_for(api):
    return TaskWaiter(api, clock=api.clock, sleep=api.sleep)


def test_a_single_task_is_read_with_its_own_get(api):
    task_id = api.add(3)
    waiter = waiter_for(api)
    assert waiter.wait([task_id], timeout=60, interval=1) == []
    assert {path for _unused, path in api.requests} == {"/cloud/v1/tasks/" + task_id}
    assert waiter.tasks[task_id]["state"] == "FINISHED"


def test_waiting_on_fifty_tasks_costs_one_list_request_per_round(api):
    task_ids = [api.add(1 + n % 10) for n in range(50)]
    waiter = waiter_for(api)
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert all(waiter.tasks[t]["state"] == "FINISHED" for t in task_ids)
    # The first round reads one task by ID to learn its project/region, then lists that one's active tasks.
    assert api.requests[:2] == [("GET", "/cloud/v1/tasks/" + task_ids[0]), ("GET", "/cloud/v1/tasks/1/1/active")]
    assert api.requests[2:] == [("GET", "/cloud/v1/tasks")] * (waiter.rounds - 1)
    assert waiter.rounds <= 12


def test_tasks_missing_from_the_lists_are_read_by_id(api):
    task_ids = [api.add(2) for _unused in range(3)]
    hidden = api.add(2, project_id=None, region_id=None)
    waiter = waiter_for(api)
    original = api.list_page

    def without_hidden(path, params=None, **kwargs):
        count, page = original(path, params, **kwargs)
        return count, [t for t in page if t["id"] != hidden]

    api.list_page = without_hidden
    assert waiter.wait(task_ids + [hidden], timeout=60, interval=1) == []
    assert waiter.tasks[hidden]["state"] == "FINISHED"
    assert ("GET", "/cloud/v1/tasks/" + hidden) in api.requests


def test_a_task_is_final_only_after_its_final_state_was_read(api):
    task_ids = [api.add(5) for _unused in range(4)]
    waiter = waiter_for(api)
    assert waiter.wait(task_ids, timeout=2, interval=1) == task_ids
    assert all(waiter.tasks[t]["state"] == "RUNNING" for t in task_ids)


def test_a_vanished_task_is_an_error_for_that_task_only(api):
    kept, gone = api.add(2), api.add(50)
    waiter = waiter_for(api)
    api.now = 1
    waiter.poll([kept, gone])
    del api.tasks[gone]
    assert waiter.wait([kept, gone], timeout=60, interval=1) == []
    assert gone in waiter.vanished and waiter.vanished[gone].status == 404
    assert waiter.tasks[kept]["state"] == "FINISHED"


def test_retryable_api_errors_are_tolerated_until_the_deadline(api):
    task_id = api.add(3)
    api.failures = [ApiError("down", status=503), NoAnswerError("slow")]
    waiter = waiter_for(api)
    assert waiter.wait([task_id], timeout=60, interval=1) == []
    assert waiter.tasks[task_id]["state"] == "FINISHED"


def test_non_retryable_api_errors_stop_the_wait_and_keep_what_was_read(api):
    task_ids = [api.add(1), api.add(30)]
    waiter = waiter_for(api)
    api.now = 2
    waiter.poll(task_ids)
    api.failures = [ApiError("bad key", status=401)] * 3
    with pytest.raises(GcoreError):
        waiter.wait(task_ids, timeout=60, interval=1)
    assert waiter.tasks[task_ids[0]]["state"] == "FINISHED"


def test_no_sleep_goes_past_the_deadline_and_the_last_read_is_at_the_deadline(api):
    task_id = api.add(None)
    waiter = waiter_for(api)
    assert waiter.wait([task_id], timeout=7.5) == [task_id]
    assert api.now == 7.5
    assert waiter.elapsed == 7.5


def test_interval_policy_polls_soon_then_backs_off_to_the_type_interval():
    assert [poll_delay(n, ["create_volume"]) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    assert [poll_delay(n, ["create_k8s_cluster_v2"]) for n in range(1, 7)] == [1, 2, 4, 8, 16, 30]
    assert poll_delay(9, ["create_loadbalancer"]) == 10
    assert poll_delay(9, ["something_new"]) == 5
    assert poll_delay(9, ["create_k8s_cluster_v2", "create_vm"]) == 5
    assert poll_delay(1, ["create_vm"], interval=2.5) == 2.5


def test_on_round_sees_every_round_with_the_full_id_list_and_what_is_still_pending(api):
    task_ids = [api.add(1), api.add(3), api.add(5)]
    calls = []
    waiter = TaskWaiter(api, clock=api.clock, sleep=api.sleep,
                        on_round=lambda w, ids, pending: calls.append((w, list(ids), list(pending))))
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert len(calls) == waiter.rounds
    assert all(w is waiter and ids == task_ids for w, ids, _unused in calls)
    remaining = [len(pending) for _unused, _ids, pending in calls]
    assert remaining == sorted(remaining, reverse=True)
    assert remaining[0] == 3 and remaining[-1] == 0


def test_an_on_round_that_raises_does_not_break_the_wait(api):
    task_ids = [api.add(2), api.add(3)]

    def broken(waiter, ids, pending):
        raise RuntimeError("display went away")

    waiter = TaskWaiter(api, clock=api.clock, sleep=api.sleep, on_round=broken)
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert all(waiter.tasks[t]["state"] == "FINISHED" for t in task_ids)


def test_seeded_tasks_are_found_on_their_project_region_without_reading_the_account(api):
    for _unused in range(30):
        api.add(1, project_id=9, region_id=9)
    task_ids = [api.add(4, project_id=3, region_id=7) for _unused in range(5)]
    waiter = waiter_for(api)
    for task_id in task_ids:
        waiter.seed(task_id, project_id=3, region_id=7, submitted_at=EPOCH)
    assert waiter.tasks == {}
    waiter.poll(task_ids)
    assert api.requests == [("GET", "/cloud/v1/tasks/3/7/active")]
    assert all(waiter.tasks[t]["state"] == "RUNNING" for t in task_ids)


def test_a_seed_is_a_hint_never_a_task(api):
    task_ids = [api.add(2), api.add(2)]
    stranger = str(uuid.uuid4())
    waiter = waiter_for(api)
    waiter.seed(stranger, project_id=1, region_id=1)
    waiter.seed(task_ids[0], project_id=1, region_id=1, submitted_at="2026-05-23T05:00:00Z")
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert set(waiter.tasks) == set(task_ids)
    assert stranger not in waiter.vanished


def test_a_wrong_seed_costs_requests_never_a_wrong_result(api):
    task_ids = [api.add(3, project_id=1, region_id=1) for _unused in range(3)]
    waiter = waiter_for(api)
    for task_id in task_ids:
        waiter.seed(task_id, project_id=5, region_id=6, submitted_at=EPOCH)
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert all(waiter.tasks[t]["state"] == "FINISHED" for t in task_ids)
    assert api.requests[0] == ("GET", "/cloud/v1/tasks/5/6/active")
    assert waiter.rounds == 4 and len(api.requests) <= 3 + waiter.rounds


def test_seeds_of_odd_types_are_ignored(api):
    task_ids = [api.add(2), api.add(2)]
    waiter = waiter_for(api)
    waiter.seed(task_ids[0], project_id="1", region_id=True, submitted_at="not a time")
    waiter.seed(task_ids[1], project_id=1.5, region_id=None, submitted_at=12)
    waiter.seed(None, project_id=1, region_id=1)
    assert [(h["project_id"], h["region_id"], h["submitted_at"]) for h in waiter.hints.values()] == [(None, None, None)] * 2
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert api.requests[0] == ("GET", "/cloud/v1/tasks/" + task_ids[0])


def busy_account(api, waited=100, crowd=2500, low=5, high=10):
    """crowd finished same-type tasks created just before the waited ones and crowd just after, all in 1/1."""
    for _unused in range(crowd):
        api.add(0, created=0.0)
    task_ids = [api.add(low + (high - low) * n / float(waited), created=0.0) for n in range(waited)]
    for _unused in range(crowd):
        api.add(0, created=0.0)
    return task_ids


def test_a_busy_account_costs_about_one_read_per_task_plus_one_list_per_round(api):
    task_ids = busy_account(api)
    waiter = waiter_for(api)
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert all(waiter.tasks[t]["state"] == "FINISHED" for t in task_ids)
    lists = [path for _unused, path in api.requests if not path.startswith("/cloud/v1/tasks/") or "/active" in path]
    reads = [path for _unused, path in api.requests if path.startswith("/cloud/v1/tasks/") and "/active" not in path]
    assert len(reads) <= len(task_ids) + 1, "each task is read by ID at most once, plus the one that placed them"
    assert len(lists) <= waiter.rounds + 2
    assert len(api.requests) <= len(task_ids) + waiter.rounds + 3
    assert "/cloud/v1/tasks" in lists, "the window was tried once before the active list took over"
    assert (1, 1) in waiter.window_crowded


def test_a_crowded_window_is_never_paged_through(api):
    task_ids = busy_account(api, waited=10, crowd=3000)
    waiter = waiter_for(api)
    pages = []
    original = api.list_page

    def counting(path, params=None, limit=1000, offset=0, deadline=None):
        count, results = original(path, params, limit=limit, offset=offset)
        pages.append((path, limit, offset, len(results)))
        return count, results

    api.list_page = counting
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert all(offset == 0 for _path, _limit, offset, _size in pages)
    assert max(size for _path, _limit, _offset, size in pages) <= 2 * 10 + 100


def test_the_per_task_reads_of_a_round_go_out_concurrently():
    import threading
    import time

    class SlowApi(FakeApi):
        def __init__(self):
            super(SlowApi, self).__init__()
            self.lock = threading.Lock()
            self.active = self.peak = 0

        def get_task(self, task_id, deadline=None):
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            time.sleep(0.05)
            with self.lock:
                self.active -= 1
            return FakeApi.get_task(self, task_id)

    api = SlowApi()
    task_ids = [api.add(0, project_id=n, region_id=n) for n in range(16)]
    started = time.monotonic()
    waiter_for(api).reader.read_many(task_ids)
    assert api.peak > 1 and api.peak <= 8
    assert time.monotonic() - started < 16 * 0.05 * 0.75


@pytest.mark.parametrize("failure", [
    ApiError("Internal", status=500), ApiError("Bad request", status=400), ApiError("Forbidden", status=403),
    MalformedAnswerError("malformed list answer: results is null, not a list", status=200),
])
def test_a_failing_list_endpoint_never_fails_the_wait(api, failure):
    task_ids = [api.add(1 + n % 4) for n in range(20)]
    original = api.list_page

    def failing(path, params=None, limit=1000, offset=0, deadline=None):
        api.requests.append(("GET", path))
        raise failure

    api.list_page = failing
    waiter = waiter_for(api)
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert all(waiter.tasks[t]["state"] == "FINISHED" for t in task_ids)
    lists = [path for _unused, path in api.requests if path == "/cloud/v1/tasks" or path.endswith("/active")]
    assert len(lists) == 2 and waiter.lists_off, "two failed lists, then reads by ID only"
    api.list_page = original


def test_one_failed_list_sends_only_that_round_to_reads_by_id(api):
    task_ids = [api.add(3) for _unused in range(10)]
    waiter = waiter_for(api)
    api.now = 0.5
    waiter.poll(task_ids)
    api.requests[:] = []
    api.failures = [ApiError("Internal", status=500)]
    waiter.poll(task_ids)
    assert len(api.requests) == 1 + len(task_ids)
    api.requests[:] = []
    waiter.poll(task_ids)
    assert api.requests == [("GET", "/cloud/v1/tasks")] and not waiter.lists_off


def test_a_task_with_a_null_created_on_costs_only_its_own_reads(api):
    task_ids = [api.add(4) for _unused in range(50)]
    odd = task_ids[7]
    original = api.render

    def render(task_id):
        task = original(task_id)
        if task_id == odd:
            task["created_on"] = None
        return task

    api.render = render
    waiter = waiter_for(api)
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    reads = [path for _unused, path in api.requests if path.startswith("/cloud/v1/tasks/") and "/active" not in path]
    assert set(reads) <= {"/cloud/v1/tasks/" + task_ids[0], "/cloud/v1/tasks/" + odd}
    assert len(api.requests) <= 3 * waiter.rounds + 2


@pytest.mark.parametrize("field, value", [
    ("created_on", "0001-01-01T00:00:00"), ("created_on", "9999-12-31T23:59:59.999999"), ("created_on", "soon"),
    ("created_on", 20260523), ("task_type", ["create_vm"]), ("task_type", {"a": 1}), ("project_id", "1"),
    ("project_id", [1]), ("region_id", True), ("region_id", 1.5), ("id", None), ("state", {"x": 1}),
])
def test_an_odd_value_in_one_task_affects_that_task_alone(api, field, value):
    task_ids = [api.add(2 + n % 3) for n in range(10)]
    odd = task_ids[3]
    original = api.render

    def render(task_id):
        task = original(task_id)
        if task_id == odd:
            task[field] = value
        return task

    api.render = render
    waiter = waiter_for(api)
    pending = waiter.wait(task_ids, timeout=20, interval=1)
    others = [t for t in task_ids if t != odd]
    assert all(waiter.tasks[t]["state"] == "FINISHED" for t in others)
    assert set(pending) <= {odd}
    reads = [path for _unused, path in api.requests if path.startswith("/cloud/v1/tasks/") and "/active" not in path]
    assert len(set(reads) - {"/cloud/v1/tasks/" + odd}) <= 2, "the other tasks are still read with lists"


def test_every_task_unknown_at_the_first_read_is_an_api_url_error(api):
    task_ids = [str(uuid.uuid4()) for _unused in range(3)]
    waiter = waiter_for(api)
    with pytest.raises(GcoreError) as err:
        waiter.wait(task_ids, timeout=60, interval=1)
    assert "the API knows none of the 3 task(s) at https://api.example/cloud/v1/tasks/" in str(err.value)
    assert "Check api_url (https://api.example)" in str(err.value) and not err.value.retryable
    assert err.value.url.startswith("https://api.example/cloud/v1/tasks/")
    assert set(waiter.vanished) == set(task_ids)


def test_one_unknown_task_among_known_ones_is_not_an_api_url_error(api):
    known = api.add(1)
    unknown = str(uuid.uuid4())
    waiter = waiter_for(api)
    assert waiter.wait([known, unknown], timeout=60, interval=1) == []
    assert unknown in waiter.vanished and waiter.tasks[known]["state"] == "FINISHED"


def test_a_404_without_a_gcore_error_body_ends_the_wait_instead_of_vanishing_the_task(api):
    task_id = api.add(5)
    api.failures = [ApiError("Not Found; the body is not a Gcore error", status=404, method="GET",
                               path="/cloud/v1/tasks/" + task_id)]
    waiter = waiter_for(api)
    with pytest.raises(GcoreError):
        waiter.wait([task_id], timeout=60, interval=1)
    assert task_id not in waiter.vanished


def test_tasks_that_ended_before_the_first_round_are_found_with_one_list_near_a_known_one(api):
    task_ids = [api.add(0, created=n * 0.01) for n in range(40)]
    api.now = 30
    waiter = waiter_for(api)
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert api.requests == [("GET", "/cloud/v1/tasks/" + task_ids[0]), ("GET", "/cloud/v1/tasks/1/1/active"),
                            ("GET", "/cloud/v1/tasks")]


def test_when_reads_by_id_fail_one_list_still_finds_what_the_tasks_created(api):
    done, stuck = api.add(0), api.add(None)
    original = api.get_task

    def unauthorized(task_id, deadline=None):
        api.requests.append(("GET", "/cloud/v1/tasks/" + task_id))
        raise ApiError("revoked", status=401)

    api.get_task = unauthorized
    waiter = waiter_for(api)
    with pytest.raises(GcoreError):
        waiter.wait([done, stuck], timeout=60, interval=1)
    assert waiter.tasks[done]["state"] == "FINISHED" and waiter.tasks[stuck]["state"] == "RUNNING"
    api.get_task = original


def test_a_window_full_of_the_waits_own_finished_tasks_is_not_crowded(api):
    task_ids = [api.add(1 + 29 * n / 1000.0, project_id=1, region_id=76) for n in range(1000)]
    api.now = 0.7
    waiter = waiter_for(api)
    assert waiter.wait(task_ids, timeout=600, interval=1) == []
    assert not waiter.window_crowded and not waiter.active_crowded
    assert len(api.requests) <= waiter.rounds + 2


def test_seeded_tasks_that_ended_before_the_first_round_are_found_around_their_submission_time(api):
    task_ids = [api.add(0.5, project_id=3, region_id=7, created=0.0) for _unused in range(20)]
    api.now = 30
    waiter = waiter_for(api)
    for task_id in task_ids:
        waiter.seed(task_id, project_id=3, region_id=7, submitted_at=EPOCH + datetime.timedelta(seconds=2))
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert api.requests == [("GET", "/cloud/v1/tasks/3/7/active"), ("GET", "/cloud/v1/tasks")]


def test_tasks_scattered_over_many_regions_are_read_at_once_after_one_fruitless_list(api):
    task_ids = [api.add(0, project_id=1, region_id=n) for n in range(20)]
    api.now = 5
    waiter = waiter_for(api)
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    lists = [path for _unused, path in api.requests if path == "/cloud/v1/tasks" or path.endswith("/active")]
    assert len(lists) <= 2 and len(api.requests) <= len(task_ids) + 2


@pytest.mark.parametrize("answer", ["the answer is not a task object but a string", "the answer is nested too deeply to read"])
def test_a_task_read_that_is_not_a_task_affects_that_task_alone(api, monkeypatch, answer):
    """The others are waited for to the end (their IDs come back); then the wait fails naming the odd read."""
    odd, others = api.add(1), [api.add(4), api.add(6)]
    real_get = api.get_task

    def get_task(task_id, deadline=None):
        if task_id == odd:
            api.requests.append(("GET", "/cloud/v1/tasks/" + task_id))
            raise MalformedAnswerError(answer, status=200, method="GET", path="/cloud/v1/tasks/" + task_id)
        return real_get(task_id)

    def list_page(*args, **kwargs):
        raise ApiError("down", status=500)  # every task is read by ID

    monkeypatch.setattr(api, "get_task", get_task)
    monkeypatch.setattr(api, "list_page", list_page)
    waiter = waiter_for(api)
    with pytest.raises(GcoreError) as err:
        waiter.wait([odd] + others, timeout=60, interval=1)
    assert answer in str(err.value)
    assert api.now >= 6  # not before the others ended
    assert all(waiter.tasks[task_id]["state"] == "FINISHED" for task_id in others)


def test_a_task_read_that_is_not_a_task_once_is_read_again(api, monkeypatch):
    task_id = api.add(3)
    real_get, calls = api.get_task, []

    def get_task(wanted, deadline=None):
        calls.append(wanted)
        if len(calls) == 1:
            raise MalformedAnswerError("the answer is not a task object but null", status=200)
        return real_get(wanted)

    monkeypatch.setattr(api, "get_task", get_task)
    waiter = waiter_for(api)
    assert waiter.poll([task_id]) is None and task_id in waiter.broken
    assert waiter.wait([task_id], timeout=60, interval=1) == [] and not waiter.broken


def test_an_ended_task_listed_without_created_resources_is_read_by_id_for_what_it_created(api, monkeypatch):
    task_ids = [api.add(2) for number in range(20)]
    real_list = api.list_page

    def list_page(path, params=None, limit=1000, offset=0, deadline=None):
        count, results = real_list(path, params, limit, offset)
        return count, [dict((k, v) for k, v in task.items() if k != "created_resources" or task["state"] == "RUNNING")
                       for task in results]

    monkeypatch.setattr(api, "list_page", list_page)
    waiter = waiter_for(api)
    assert waiter.wait(task_ids, timeout=60, interval=1) == []
    assert all(waiter.tasks[task_id]["created_resources"]["volumes"] == ["vol-" + task_id[:8]] for task_id in task_ids)
    reads = [path for method, path in api.requests if method == "GET" and path.startswith("/cloud/v1/tasks/") and path.count("/") == 4]
    assert len(reads) <= len(task_ids) + 1  # each ended task read once by ID, not once per round
