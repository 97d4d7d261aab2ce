# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._errors import (
    MAYBE_PROCESSED,
    ApiError,
    GcoreError,
    MalformedAnswerError,
    MaybeProcessedError,
    NoAnswerError,
)
from ansible_collections.gcore.tasks.plugins.modules import gcore_task_info
from ansible_collections.gcore.tasks.tests.unit.plugins.modules.module_runner import run_module

TASK_ID = "26986bc0-748a-4448-b836-0a2aa465eb06"


@pytest.mark.parametrize("error, retryable", [
    (ApiError("slow down", status=429), True),
    (ApiError("down", status=503), True),
    (ApiError("bad key", status=401), False),
    (ApiError("not found", status=404), False),
    (NoAnswerError("connection failed"), True),
    (NoAnswerError("TLS verification failed", permanent=True), False),
    (MalformedAnswerError("the answer is not JSON", status=200), False),
    (MaybeProcessedError("connection lost", method="POST"), False),
])
def test_only_errors_a_later_attempt_may_get_past_are_retryable(error, retryable):
    assert isinstance(error, GcoreError) and error.retryable is retryable


def test_a_write_that_may_have_been_processed_keeps_what_the_api_said_and_says_so():
    cause = ApiError("Internal", status=500, method="POST", path="/cloud/v1/volumes/1/1", request_id="r-1",
                     exception_class="InternalError", url="https://api.example/cloud/v1/volumes/1/1")
    error = MaybeProcessedError.from_error(cause)
    assert error.cause is cause and error.maybe_processed and not cause.maybe_processed
    assert error.message == "Internal; " + MAYBE_PROCESSED
    assert str(error) == ("POST /cloud/v1/volumes/1/1 failed: HTTP 500 InternalError: Internal; %s (request_id r-1)"
                          % MAYBE_PROCESSED)
    failure = error.to_dict()
    assert failure["maybe_processed"] is True and failure["url"] == cause.url and failure["status"] == 500


def test_an_error_never_holds_the_key_in_its_failure_dict():
    error = ApiError("bad key", status=401, method="GET", path="/cloud/v1/tasks", request_id="r")
    assert set(error.to_dict()) == {"status", "method", "path", "url", "exception_class", "message", "request_id",
                                    "invalid_fields", "details", "maybe_processed"}


class _FailingClient(object):
    def __init__(self, error):
        self.error = error

    def get_task(self, task_id, deadline=None):
        raise self.error

    def list_page(self, *args, **kwargs):
        raise self.error


def test_the_failure_path_shapes_msg_and_failure_and_returns_the_partial_result_the_error_carries():
    error = ApiError("Invalid API key", status=401, method="GET", path="/cloud/v1/tasks/" + TASK_ID,
                     exception_class="NotAuthenticated", request_id="r-401")
    error.result = {"created_resources": {"volumes": ["v1"]}}
    result, failed = run_module(gcore_task_info.main, {"task_ids": [TASK_ID]}, _FailingClient(error))
    assert failed
    assert result["msg"] == ("GET /cloud/v1/tasks/%s failed: HTTP 401 NotAuthenticated: Invalid API key "
                             "(request_id r-401)" % TASK_ID)
    assert result["failure"] == error.to_dict()
    assert result["created_resources"] == {"volumes": ["v1"]}
