# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import email.utils
import json
import socket
import threading
import time

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._client import GcoreClient
from ansible_collections.gcore.tasks.plugins.module_utils._errors import (
    ApiError,
    GcoreError,
    MalformedAnswerError,
    MaybeProcessedError,
    NoAnswerError,
)
from ansible_collections.gcore.tasks.plugins.module_utils._tasks import parse_http_date
from ansible_collections.gcore.tasks.plugins.module_utils._version import COLLECTION_VERSION

KEY = "unit-test-key-7f3a"
TASK_ID = "26986bc0-748a-4448-b836-0a2aa465eb06"


def client_for(server, retries=2, timeout=5):
    return GcoreClient(KEY, api_url=server.url + "/", timeout=timeout, retries=retries)


def test_requests_carry_the_api_key_scheme_and_a_user_agent_naming_the_collection(server):
    client_for(server).get_task(TASK_ID)
    headers = server.seen[0]["headers"]
    assert headers["Authorization"] == "APIKey " + KEY
    assert headers["User-Agent"].startswith("gcore.tasks/%s " % COLLECTION_VERSION)
    assert server.seen[0]["path"] == "/cloud/v1/tasks/" + TASK_ID


def test_the_client_keeps_the_date_header_of_its_latest_answer_errors_included(server):
    server.script = [(200, {"Date": "Wed, 02 Dec 2026 14:17:26 GMT"}, {"id": TASK_ID}),
                     (404, {"Date": "Wed, 02 Dec 2026 14:17:27 GMT"}, {"exception_class": "TaskNotFound"})]
    client = client_for(server)
    assert client.last_date is None
    client.get_task(TASK_ID)
    # The test server sends its own Date before the scripted one; the last one is the API's.
    assert parse_http_date(client.last_date) == datetime.datetime(2026, 12, 2, 14, 17, 26, tzinfo=datetime.timezone.utc)
    with pytest.raises(GcoreError):
        client.get_task(TASK_ID)
    assert parse_http_date(client.last_date) == datetime.datetime(2026, 12, 2, 14, 17, 27, tzinfo=datetime.timezone.utc)


def test_list_filters_are_sent_as_repeated_keys_and_booleans_as_lowercase(server):
    server.script = [(200, {}, {"count": 0, "results": []})]
    client_for(server).list_tasks({"state": ["NEW", "RUNNING"], "project_id": [1, 2], "is_acknowledged": False,
                                   "task_type": None})
    path = server.seen[0]["path"]
    assert "state=NEW&state=RUNNING" in path and "project_id=1&project_id=2" in path
    assert "is_acknowledged=false" in path and "task_type" not in path


def test_every_page_is_read_until_count_and_limit_stops_early(server):
    tasks = [{"id": str(n)} for n in range(5)]
    server.script = [(200, {}, {"count": 5, "results": tasks[:2]}), (200, {}, {"count": 5, "results": tasks[2:4]}),
                     (200, {}, {"count": 5, "results": tasks[4:]})]
    assert client_for(server).list_tasks() == tasks
    assert ["offset=0", "offset=2", "offset=4"] == [s["path"].split("&")[-1] for s in server.seen]
    server.seen[:] = []
    server.script = [(200, {}, {"count": 5, "results": tasks[:3]})]
    assert client_for(server).list_tasks(limit=3) == tasks[:3]
    assert len(server.seen) == 1 and "limit=3" in server.seen[0]["path"]


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_then_answered(server, status):
    server.script = [(status, {}, "<html>gateway</html>"), (200, {}, {"id": TASK_ID})]
    assert client_for(server).get_task(TASK_ID) == {"id": TASK_ID}
    assert len(server.seen) == 2


def test_post_acknowledge_is_retried_too(server):
    server.script = [(503, {}, "busy"), (200, {}, {"id": TASK_ID, "acknowledged_by": 1})]
    assert client_for(server).acknowledge_task(TASK_ID)["acknowledged_by"] == 1
    assert [s["method"] for s in server.seen] == ["POST", "POST"]


def test_retries_are_bounded_and_the_last_error_is_raised(server):
    server.script = [(503, {}, "<html><title>503</title>Service Unavailable</html>")] * 5
    with pytest.raises(GcoreError) as err:
        client_for(server, retries=2).get_task(TASK_ID)
    assert len(server.seen) == 3
    assert err.value.status == 503 and "503" in str(err.value) and "not a Gcore error" in str(err.value)
    assert "text/html" not in err.value.message or "Content-Type" in err.value.message


@pytest.mark.parametrize("page, shown", [
    ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
     "<hr><center>nginx</center></body></html>", ": 502 Bad Gateway nginx"),
    ("<html><head><title>Down</title><style>h1 {color: red}</style><script>var x = 1;</script></head>"
     "<body><h1>Maintenance</h1></body></html>", ": Maintenance"),
    ("<html><head><title>Only a title</title></head></html>", ": Only a title"),
])
def test_an_html_error_page_is_shown_by_its_text_once_without_title_scripts_or_styles(server, page, shown):
    server.script = [(400, {"Content-Type": "text/html"}, page)]
    with pytest.raises(GcoreError) as err:
        client_for(server, retries=0).get_task(TASK_ID)
    assert err.value.message.endswith("(Content-Type text/html)" + shown)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(server, status):
    server.script = [(status, {}, {"exception_class": "Nope", "message": "no", "request_id": "r-1"})]
    with pytest.raises(GcoreError) as err:
        client_for(server).get_task(TASK_ID)
    assert len(server.seen) == 1 and err.value.status == status


def test_retry_after_seconds_is_honoured(server):
    server.script = [(429, {"Retry-After": "1"}, {"exception_class": "Throttled", "message": "slow down"}),
                     (200, {}, {"id": TASK_ID})]
    client_for(server).get_task(TASK_ID)
    assert server.seen[1]["at"] - server.seen[0]["at"] >= 0.9


def test_retry_after_as_an_http_date_is_honoured(server):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    server.script = [(429, {"Retry-After": when}, "slow down"), (200, {}, {"id": TASK_ID})]
    client_for(server).get_task(TASK_ID)
    assert server.seen[1]["at"] - server.seen[0]["at"] >= 0.9


def test_an_absurd_retry_after_on_a_503_is_capped(server, monkeypatch):
    from ansible_collections.gcore.tasks.plugins.module_utils import _client
    monkeypatch.setattr(_client, "RETRY_AFTER_MAX", 0.2)
    server.script = [(503, {"Retry-After": "86400"}, "busy"), (200, {}, {"id": TASK_ID})]
    started = time.monotonic()
    client_for(server).get_task(TASK_ID)
    assert time.monotonic() - started < 5


def test_a_429_whose_retry_after_passes_api_throttle_timeout_ends_at_once(server):
    server.script = [(429, {"Retry-After": "86400"}, "slow down"), (200, {}, {"id": TASK_ID})]
    started = time.monotonic()
    with pytest.raises(GcoreError) as err:
        client_for(server).get_task(TASK_ID)
    assert time.monotonic() - started < 5 and len(server.seen) == 1 and err.value.status == 429


def test_a_wait_deadline_cuts_retry_after_and_backoff(server):
    """A wait of 1 s does not sleep a 60 s Retry-After (nor backoff) before its deadline passes."""
    from ansible_collections.gcore.tasks.plugins.module_utils._waiter import TaskWaiter
    throttled = (429, {"Retry-After": "86400"}, {"exception_class": "Throttled", "message": "slow down"})
    server.script = [throttled] * 20
    waiter = TaskWaiter(client_for(server, retries=3))
    started = time.monotonic()
    pending = waiter.wait([TASK_ID], timeout=1.0, interval=0.2)
    assert time.monotonic() - started < 4
    assert pending == [TASK_ID] and waiter.last_error.status == 429
    assert waiter.deadline is None and waiter.client.read_retry.deadline is None  # no deadline outlives the wait


def test_gcore_error_bodies_are_parsed_into_one_line(server):
    body = {"exception_class": "TaskNotFound", "message": "Task\nnot found", "request_id": "body-id"}
    server.script = [(404, {"X-Request-ID": "hdr-id"}, body)]
    with pytest.raises(GcoreError) as err:
        client_for(server).get_task(TASK_ID)
    error = err.value
    assert (error.status, error.method, error.path) == (404, "GET", "/cloud/v1/tasks/" + TASK_ID)
    assert (error.exception_class, error.request_id) == ("TaskNotFound", "body-id")
    assert str(error) == ("GET /cloud/v1/tasks/%s failed: HTTP 404 TaskNotFound: Task not found "
                          "(request_id body-id)" % TASK_ID)
    assert KEY not in str(error) and KEY not in json.dumps(error.to_dict())


def test_a_non_json_success_body_is_a_clear_error_not_a_traceback(server):
    server.script = [(200, {"Content-Type": "text/html"}, "<html>maintenance</html>")]
    with pytest.raises(GcoreError) as err:
        client_for(server).get_task(TASK_ID)
    assert "not JSON" in str(err.value) and "maintenance" in str(err.value)


def test_connection_refused_is_a_clear_error(server):
    server.stop()
    with pytest.raises(GcoreError) as err:
        client_for(server, retries=0).get_task(TASK_ID)
    assert err.value.status is None and "connection failed" in str(err.value)
    assert err.value.retryable


def test_empty_204_answer_is_none(server):
    server.script = [(204, {}, b"")]
    assert client_for(server).acknowledge_all(project_id=1) is None
    assert server.seen[0]["path"] == "/cloud/v1/tasks/acknowledge_all?project_id=1"


# The write-call path: a write is sent again only where the API surely did not act.

VOLUMES = "/cloud/v1/volumes/1/76"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_write_answered_5xx_is_sent_once_and_may_have_been_processed(server, status):
    server.script = [(status, {"Content-Type": "text/html"}, "<html>gateway</html>"), (200, {}, {"tasks": [TASK_ID]})]
    with pytest.raises(GcoreError) as err:
        client_for(server, retries=3).call("POST", VOLUMES, json_body={"name": "v"})
    assert len(server.seen) == 1
    assert err.value.status == status and err.value.maybe_processed
    assert "may have been processed" in str(err.value)


@pytest.mark.parametrize("status", [408, 409])
def test_a_write_answered_408_or_409_is_not_sent_again(server, status):
    server.script = [(status, {}, {"exception_class": "Conflict", "message": "busy", "request_id": "r"})] * 2
    with pytest.raises(GcoreError):
        client_for(server, retries=3).call("PATCH", VOLUMES + "/x", json_body={"name": "v"})
    assert len(server.seen) == 1


def test_a_write_answered_429_is_sent_again_after_retry_after(server):
    server.script = [(429, {"Retry-After": "1"}, {"exception_class": "Throttled", "message": "slow down"}),
                     (200, {}, {"tasks": [TASK_ID]})]
    status, answer = client_for(server).call("POST", VOLUMES, json_body={"name": "v"})
    assert (status, answer) == (200, {"tasks": [TASK_ID]})
    assert [seen["method"] for seen in server.seen] == ["POST", "POST"]
    assert server.seen[1]["at"] - server.seen[0]["at"] >= 0.9


def test_a_write_throttled_beyond_the_retries_fails_without_may_have_been_processed(server):
    server.script = [(429, {"Retry-After": "0"}, {"exception_class": "Throttled", "message": "slow down"})] * 4
    with pytest.raises(GcoreError) as err:
        GcoreClient(KEY, api_url=server.url, retries=1, throttle_timeout=0).call("DELETE", VOLUMES + "/x")
    assert len(server.seen) == 2 and err.value.status == 429 and not err.value.maybe_processed


def test_reads_and_writes_share_one_keep_alive_connection(server):
    client = client_for(server)
    client.get_task(TASK_ID)
    client.call("POST", VOLUMES, json_body={"name": "v"})
    client.request("GET", "/cloud/v1/tasks", deadline=client.clock() + 60)
    assert len(set(seen["peer"] for seen in server.seen)) == 1, "each call's retry policy rides the same pool"


def test_a_write_answered_503_with_retry_after_is_still_sent_once(server):
    # urllib3 alone would honour Retry-After on a 503 for any method; a write only on 429.
    server.script = [(503, {"Retry-After": "0"}, "<html>busy</html>"), (200, {}, {"tasks": [TASK_ID]})]
    with pytest.raises(MaybeProcessedError) as err:
        client_for(server, retries=3).call("POST", VOLUMES, json_body={"name": "v"})
    assert len(server.seen) == 1 and err.value.status == 503


def test_each_way_to_fail_raises_its_own_error_type(server):
    server.script = [(401, {}, {"exception_class": "NotAuthenticated", "message": "bad key", "request_id": "r",
                                "invalid_fields": {"name": ["required"]}})]
    with pytest.raises(ApiError) as err:
        client_for(server).get_task(TASK_ID)
    assert not err.value.retryable and err.value.invalid_fields == {"name": ["required"]}
    assert err.value.details is None and err.value.to_dict()["invalid_fields"] == {"name": ["required"]}
    server.script = [(200, {"Content-Type": "text/html"}, "<html>a portal</html>")]
    with pytest.raises(MalformedAnswerError):
        client_for(server).get_task(TASK_ID)
    with pytest.raises(NoAnswerError) as err:
        GcoreClient(KEY, api_url="http://127.0.0.1:9", retries=0).get_task(TASK_ID)
    assert err.value.retryable and not err.value.maybe_processed


def test_a_get_through_call_keeps_the_retry_policy(server):
    server.script = [(502, {}, "<html>gateway</html>"), (200, {}, {"count": 0, "results": []})]
    assert client_for(server).call("GET", VOLUMES) == (200, {"count": 0, "results": []})
    assert len(server.seen) == 2


def test_acknowledge_stays_repeatable_after_a_write_on_the_same_thread(server):
    server.script = [(502, {}, "gw"), (503, {}, "busy"), (200, {}, {"id": TASK_ID, "acknowledged_by": 1})]
    client = client_for(server)
    with pytest.raises(GcoreError):
        client.call("POST", VOLUMES, json_body={})
    assert client.acknowledge_task(TASK_ID)["acknowledged_by"] == 1
    assert len(server.seen) == 3


def test_a_write_to_a_closed_port_is_retried_as_never_sent():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = "http://127.0.0.1:%d" % closed.getsockname()[1]
    closed.close()
    with pytest.raises(GcoreError) as err:
        GcoreClient(KEY, api_url=url, retries=1).call("POST", VOLUMES, json_body={})
    assert "connection failed" in str(err.value) and not err.value.maybe_processed


class _ResetAfterReading(object):
    """Reads each request whole, counts it, then resets the connection without answering."""

    def __init__(self, delay=0.0):
        self.count = 0
        self.delay = delay
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _unused = self.sock.accept()
            except OSError:
                return
            conn.recv(65536)
            self.count += 1
            time.sleep(self.delay)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            conn.close()

    def stop(self):
        self.sock.close()


def test_a_write_whose_connection_is_reset_after_sending_is_sent_once():
    peer = _ResetAfterReading()
    try:
        with pytest.raises(GcoreError) as err:
            GcoreClient(KEY, api_url=peer.url, retries=3).call("POST", VOLUMES, json_body={"name": "v"})
        assert peer.count == 1 and err.value.maybe_processed
        assert "may have been processed" in str(err.value)
    finally:
        peer.stop()


def test_a_write_that_times_out_reading_the_answer_is_sent_once():
    peer = _ResetAfterReading(delay=1.5)
    try:
        with pytest.raises(GcoreError) as err:
            GcoreClient(KEY, api_url=peer.url, retries=3, timeout=0.5).call("POST", VOLUMES, json_body={})
        assert peer.count == 1 and err.value.maybe_processed
        assert "no answer within 0.5s" in str(err.value) and "may have been processed" in str(err.value)
    finally:
        peer.stop()


def test_a_get_whose_connection_is_reset_is_retried():
    peer = _ResetAfterReading()
    try:
        with pytest.raises(GcoreError):
            GcoreClient(KEY, api_url=peer.url, retries=2).call("GET", VOLUMES)
        assert peer.count == 3
    finally:
        peer.stop()


@pytest.mark.parametrize("body, problem", [
    ([{"id": "a"}], "the answer is an array"),
    ({"count": 1, "results": None}, "results is null"),
    ({"count": 1, "results": {"id": "a"}}, "results is an object"),
    ({"count": "1", "results": []}, "count is a string"),
    ({"count": True, "results": []}, "count is a boolean"),
    ({"count": -1, "results": []}, "count is a number"),
    ({"count": 2, "results": [{"id": "a"}, "b"]}, "results holds something other than objects"),
    ("just text", "the answer is a string"),
])
def test_a_malformed_list_page_is_one_clear_error(server, body, problem):
    server.script = [(200, {"Content-Type": "application/json"}, json.dumps(body))]
    with pytest.raises(GcoreError) as err:
        client_for(server).list_page("/cloud/v1/tasks", {"order_by": "asc"}, limit=10)
    assert "malformed list answer" in str(err.value) and problem in str(err.value)
    assert "\n" not in str(err.value) and not err.value.retryable


def test_a_list_page_without_count_is_all_there_is(server):
    server.script = [(200, {}, {"results": [{"id": "a"}]})]
    assert client_for(server).list_page("/cloud/v1/tasks", limit=10, offset=5) == (6, [{"id": "a"}])


@pytest.mark.parametrize("body", ['"26986bc0"', "[1, 2]", "null", "42"])
def test_a_task_read_that_is_not_an_object_is_one_clear_error(server, body):
    server.script = [(200, {"Content-Type": "application/json"}, body)]
    with pytest.raises(GcoreError) as err:
        client_for(server).get_task(TASK_ID)
    assert "not a task object" in str(err.value) and not err.value.retryable


@pytest.mark.parametrize("depth", [150, 100000])
def test_deeply_nested_json_is_one_clear_error(server, depth):
    server.script = [(200, {"Content-Type": "application/json"}, '{"id": "x", "data": %s1%s}' % ("[" * depth, "]" * depth))]
    with pytest.raises(GcoreError) as err:
        client_for(server).get_task(TASK_ID)
    assert "nested" in str(err.value) and not err.value.retryable


def test_lone_surrogates_from_the_api_are_replaced_so_every_string_serialises(server):
    body = '{"id": "%s", "error": "bad \\ud800 byte", "data": {"k\\udfff": ["\\udc00", "ok \\ud83d\\ude00"]}}' % TASK_ID
    server.script = [(200, {"Content-Type": "application/json"}, body),
                     (500, {"Content-Type": "application/json"},
                      '{"exception_class": "Boom\\ud800", "message": "failed \\udbff here"}')]
    client = client_for(server, retries=0)
    task = client.get_task(TASK_ID)
    assert task["error"] == u"bad \ufffd byte"
    assert task["data"] == {u"k\ufffd": [u"\ufffd", u"ok \U0001F600"]}
    json.dumps(task, ensure_ascii=False).encode("utf-8")
    with pytest.raises(GcoreError) as err:
        client.get_task(TASK_ID)
    str(err.value).encode("utf-8")
    json.dumps(err.value.to_dict(), ensure_ascii=False).encode("utf-8")


def test_a_404_that_is_not_a_gcore_error_names_the_url_called_and_api_url(server):
    server.script = [(404, {"Content-Type": "text/html"}, "<html><h1>Not Found</h1></html>")]
    client = GcoreClient(KEY, api_url="http://user:secret@" + server.url.split("://")[1] + "/cloud/", retries=0)
    with pytest.raises(GcoreError) as err:
        client.get_task(TASK_ID)
    url = server.url + "/cloud/cloud/v1/tasks/" + TASK_ID
    assert err.value.url == url and err.value.to_dict()["url"] == url
    assert "Nothing Gcore answers at %s: check api_url (%s/cloud)" % (url, server.url) in str(err.value)
    assert "secret" not in str(err.value) and "secret" not in json.dumps(err.value.to_dict())


def test_every_error_carries_the_full_url_without_credentials_or_query(server):
    server.script = [(401, {}, {"exception_class": "NotAuthenticated", "message": "no"})]
    with pytest.raises(GcoreError) as err:
        client_for(server).list_page("/cloud/v1/tasks", {"project_id": [1]})
    assert err.value.url == server.url + "/cloud/v1/tasks"
    assert "Nothing Gcore answers" not in str(err.value)


def test_the_connection_pool_holds_as_many_connections_as_a_round_reads_at_once(server):
    from ansible_collections.gcore.tasks.plugins.module_utils._client import READ_CONCURRENCY
    adapter = client_for(server).session.get_adapter(server.url)
    assert adapter._pool_maxsize == READ_CONCURRENCY


def test_a_write_answered_200_with_a_non_json_page_may_have_been_processed(server):
    server.script = [(200, {"Content-Type": "text/html"}, "<html>portal</html>")]
    with pytest.raises(GcoreError) as err:
        client_for(server).call("POST", VOLUMES, json_body={})
    assert len(server.seen) == 1 and err.value.maybe_processed and "may have been processed" in str(err.value)


def test_a_write_whose_body_cannot_be_encoded_is_refused_without_sending_anything(server):
    with pytest.raises(GcoreError) as err:
        client_for(server).call("POST", VOLUMES, json_body={"size": float("nan")})
    assert server.seen == [] and "nothing was sent" in str(err.value) and not err.value.maybe_processed


def test_a_write_answered_2xx_with_json_too_deep_to_read_may_have_been_processed(server):
    server.script = [(200, {"Content-Type": "application/json"}, "[" * 100000 + "]" * 100000)]
    with pytest.raises(GcoreError) as err:
        client_for(server).call("POST", "/cloud/v1/volumes/1/2", json_body={"name": "v"})
    assert len(server.seen) == 1
    assert err.value.maybe_processed and "nested too deeply" in str(err.value) and "may have been processed" in str(err.value)


def test_an_answer_that_lies_about_its_content_encoding_is_named_as_such(server):
    server.script = [(200, {"Content-Encoding": "gzip", "Content-Type": "application/json"}, b"not gzip")] * 3
    with pytest.raises(GcoreError) as err:
        client_for(server, retries=1).get_task(TASK_ID)
    assert "does not decode as its Content-Encoding header says" in str(err.value)
    assert "cut off" not in str(err.value) and "\n" not in str(err.value)


def test_a_list_endpoint_that_ignores_offset_is_an_error_not_an_endless_loop(server):
    page = {"count": 10 ** 9, "results": [{"id": "%08d-0000-4000-8000-000000000000" % n} for n in range(2)]}
    server.script = [(200, {}, page)] * 5
    with pytest.raises(GcoreError) as err:
        client_for(server).list_tasks()
    assert len(server.seen) == 2 and "ignores offset" in str(err.value) and "\n" not in str(err.value)


def test_past_a_wait_deadline_an_attempt_without_answer_is_not_tried_again():
    from urllib3.exceptions import MaxRetryError, ReadTimeoutError
    from ansible_collections.gcore.tasks.plugins.module_utils._client import build_retry
    now = [0.0]
    retry = build_retry(3).until(60.0, lambda: now[0])
    error = ReadTimeoutError(None, "/cloud/v1/tasks", "read timed out")
    retry = retry.increment(method="GET", url="/cloud/v1/tasks", error=error)  # before the deadline: retried
    assert retry.deadline == 60.0 and not retry.is_exhausted()
    now[0] = 61.0
    with pytest.raises(MaxRetryError):
        retry.increment(method="GET", url="/cloud/v1/tasks", error=error)
    assert retry.get_backoff_time() == 0  # and an answer such as a 503 is retried at once
    assert not build_retry(3).increment(method="GET", url="/cloud/v1/tasks", error=error).is_exhausted()


def test_a_task_read_answered_with_another_task_is_an_error_not_that_task(server):
    other = "11111111-2222-4333-8444-555555555555"
    server.script = [(200, {}, {"id": other, "state": "FINISHED", "created_resources": {"volumes": ["not-ours"]}}),
                     (200, {}, {"id": TASK_ID.upper(), "state": "RUNNING"})]
    with pytest.raises(GcoreError) as err:
        client_for(server).get_task(TASK_ID)
    assert "another task (%s)" % other in str(err.value) and err.value.status == 200
    assert client_for(server).get_task(TASK_ID)["state"] == "RUNNING"  # the same ID in capitals is this task
