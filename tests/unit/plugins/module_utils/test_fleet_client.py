# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client at fleet scale (issue #18): 429 retried by time with jitter, redirects named, one spelling of IDs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils import _client
from ansible_collections.gcore.tasks.plugins.module_utils._client import GcoreClient, throttle_pause
from ansible_collections.gcore.tasks.plugins.module_utils._errors import ApiError

KEY = "unit-test-key-7f3a"
TASK_ID = "26986bc0-748a-4448-b836-0a2aa465eb06"
VOLUMES = "/cloud/v1/volumes/1/2"
THROTTLED = (429, {"Retry-After": "0"}, {"exception_class": "Throttled", "message": "slow down"})


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """Backoff in hundredths of seconds: the policy is the same, the tests are quick."""
    monkeypatch.setattr(_client, "BACKOFF_FACTOR", 0.01)
    monkeypatch.setattr(_client, "BACKOFF_MAX", 0.2)


def client_for(server, **kwargs):
    kwargs.setdefault("retries", 1)
    return GcoreClient(KEY, api_url=server.url, timeout=5, **kwargs)


# ---------------------------------------------------------------- 429: a time budget, not a count

def test_a_read_throttled_more_often_than_api_retries_is_retried_until_it_passes(server):
    server.script = [THROTTLED] * 5 + [(200, {}, {"id": TASK_ID})]
    assert client_for(server, retries=0).get_task(TASK_ID)["id"] == TASK_ID
    assert len(server.seen) == 6


def test_a_write_throttled_more_often_than_api_retries_is_sent_until_accepted(server):
    server.script = [THROTTLED] * 4 + [(200, {}, {"tasks": [TASK_ID]})]
    assert client_for(server, retries=0).call("POST", VOLUMES, json_body={}) == (200, {"tasks": [TASK_ID]})
    assert [seen["method"] for seen in server.seen] == ["POST"] * 5


def test_429_retries_end_once_api_throttle_timeout_passed_and_the_error_says_so(server):
    server.script = [THROTTLED] * 100
    started = time.monotonic()
    with pytest.raises(ApiError) as err:
        client_for(server, throttle_timeout=1.0).call("POST", VOLUMES, json_body={})
    assert time.monotonic() - started < 4
    assert 2 <= len(server.seen) < 100
    assert err.value.status == 429 and not err.value.maybe_processed and err.value.not_processed
    assert "api_throttle_timeout" in str(err.value) and "did not act" in str(err.value)


def test_a_retry_after_longer_than_the_budget_left_ends_the_call_at_once(server):
    server.script = [(429, {"Retry-After": "30"}, {"exception_class": "Throttled", "message": "slow down"})]
    started = time.monotonic()
    with pytest.raises(ApiError):
        client_for(server, throttle_timeout=5.0).get_task(TASK_ID)
    assert time.monotonic() - started < 2 and len(server.seen) == 1


def test_a_call_deadline_bounds_429_retries_before_api_throttle_timeout(server):
    server.script = [THROTTLED] * 100
    client = client_for(server, throttle_timeout=300.0)
    started = time.monotonic()
    with pytest.raises(ApiError) as err:
        client.get_task(TASK_ID, deadline=client.clock() + 1.0)
    assert time.monotonic() - started < 4 and err.value.status == 429


def test_api_throttle_timeout_0_counts_429_as_any_retryable_status(server):
    server.script = [THROTTLED] * 10
    with pytest.raises(ApiError):
        client_for(server, retries=2, throttle_timeout=0).get_task(TASK_ID)
    assert len(server.seen) == 3


def test_retry_after_is_a_minimum_and_backoff_grows_with_each_429_in_a_row():
    assert throttle_pause(3.0, 1, 0.0) == 3.0
    assert throttle_pause(None, 1, 0.0) == _client.BACKOFF_FACTOR
    assert throttle_pause(None, 3, 0.0) == _client.BACKOFF_FACTOR * 4
    assert throttle_pause(None, 30, 0.0) == _client.BACKOFF_MAX
    assert throttle_pause(0.05, 4, 0.0) == _client.BACKOFF_FACTOR * 8, "backoff wins over a shorter Retry-After"


def test_every_429_pause_has_jitter_above_retry_after():
    pauses = [throttle_pause(1.0, 1, draw) for draw in (0.0, 0.25, 0.5, 0.999)]
    assert pauses[0] == 1.0 and all(1.0 <= pause <= 1.0 + _client.JITTER for pause in pauses)
    assert len(set(pauses)) == 4, "hosts throttled together draw different pauses"
    assert throttle_pause(30.0, 1, 0.999) <= 30.0 + _client.JITTER_MAX, "jitter is bounded"


def test_two_clients_throttled_together_do_not_retry_in_step(server):
    server.script = [(429, {"Retry-After": "1"}, "slow down")] * 2 + [(200, {}, {"id": TASK_ID})] * 2
    draws = iter([0.0, 0.9])

    def throttled_client():
        client = client_for(server)
        client.read_retry.draw = lambda: next(draws)
        return client

    first, second = throttled_client(), throttled_client()
    threads = [threading.Thread(target=client.get_task, args=(TASK_ID,)) for client in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    retries = sorted(seen["at"] for seen in server.seen[2:])
    assert retries[1] - retries[0] >= 0.3, "the second retry waits its own jittered pause"


# ---------------------------------------------------------------- redirects

def test_a_redirect_names_its_location_without_credentials_or_query(server):
    server.script = [(301, {"Location": "https://user:pw@api.example.test/cloud/v1/tasks/x?token=SECRET"}, "")]
    with pytest.raises(ApiError) as err:
        client_for(server).get_task(TASK_ID)
    text = str(err.value)
    assert err.value.status == 301 and "https://api.example.test/cloud/v1/tasks/x" in text
    assert "SECRET" not in text and "pw@" not in text
    assert "http:// api_url is the usual cause" in text, "the client was called over http://"
    assert len(server.seen) == 1, "a redirect is not followed"


def test_a_relative_location_is_named_in_full(server):
    server.script = [(307, {"Location": "/v2/elsewhere"}, "")]
    with pytest.raises(ApiError) as err:
        client_for(server).get_task(TASK_ID)
    assert server.url + "/v2/elsewhere" in str(err.value)


def test_a_write_answered_with_a_redirect_was_not_processed_and_is_not_repeated(server):
    server.script = [(307, {"Location": "https://api.gcore.com" + VOLUMES}, "")]
    with pytest.raises(ApiError) as err:
        client_for(server).call("POST", VOLUMES, json_body={})
    assert err.value.not_processed and not err.value.maybe_processed
    assert len(server.seen) == 1


def test_a_redirect_without_location_says_so(server):
    server.script = [(302, {}, "")]
    with pytest.raises(ApiError) as err:
        client_for(server).get_task(TASK_ID)
    assert "without a Location" in str(err.value)


# ---------------------------------------------------------------- one spelling of task IDs

def test_a_task_read_in_upper_case_comes_back_with_its_id_in_lower_case(server):
    server.script = [(200, {}, {"id": TASK_ID.upper(), "state": "RUNNING"})]
    assert client_for(server).get_task(TASK_ID)["id"] == TASK_ID


def test_listed_and_acknowledged_tasks_have_lower_case_ids(server):
    server.script = [(200, {}, {"count": 1, "results": [{"id": TASK_ID.upper()}]}),
                     (200, {}, {"count": 1, "results": [{"id": TASK_ID.upper()}]}),
                     (200, {}, {"id": TASK_ID.upper(), "acknowledged_by": 1})]
    client = client_for(server)
    assert client.list_tasks()[0]["id"] == TASK_ID
    assert client.list_active_tasks(1, 2)[0]["id"] == TASK_ID
    assert client.acknowledge_task(TASK_ID)["id"] == TASK_ID
