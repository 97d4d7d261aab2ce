# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The errors of gcore.tasks: one base class and one subclass per way a call can go wrong.

  GcoreError                the base: what is known about the call, never the API key
    ApiError                the API answered with an error status (4xx, 5xx, a redirect)
    NoAnswerError           no answer: connection refused or lost, timeout, TLS, a request that could not be built
    MalformedAnswerError    an answer 2xx that is not what the endpoint promises (not JSON, not a task...)
    MaybeProcessedError     a write that reached the API and may have been acted on: never sent again blindly

GcoreModule.fail_on() (in _module) is the one place that turns them into C(msg) and C(failure).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Statuses worth trying again later: timeout, conflict, throttling, gateway trouble.
RETRY_STATUSES = (408, 409, 429, 500, 502, 503, 504)
MAYBE_PROCESSED = "the call may have been processed: check before sending it again"


class GcoreError(Exception):
    """Any failure talking to the Gcore API, with what the API said about it.

    Holds the method, the path, the URL called (without credentials or query), the status and
    the fields of Gcore's error body (exception_class, message, request_id, invalid_fields;
    the rest in details). C(result) is the partial module result known when the error happened
    (for example the IDs a wait already saw created); the failure path returns it with the error.
    """

    retryable = False
    maybe_processed = False
    # True when the API surely did not act on the call (throttled, redirected, never sent).
    not_processed = False

    def __init__(self, message, status=None, method=None, path=None, exception_class=None, request_id=None,
                 details=None, url=None, invalid_fields=None):
        super(GcoreError, self).__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.url = url
        self.exception_class = exception_class
        self.request_id = request_id
        self.invalid_fields = invalid_fields
        self.details = details
        self.result = {}

    def to_dict(self):
        """The error as a plain dict, for a module's C(failure) return value."""
        return {
            "status": self.status,
            "method": self.method,
            "path": self.path,
            "url": self.url,
            "exception_class": self.exception_class,
            "message": self.message,
            "request_id": self.request_id,
            "invalid_fields": self.invalid_fields,
            "details": self.details,
            "maybe_processed": self.maybe_processed,
        }

    def __str__(self):
        head = "%s %s failed" % (self.method, self.path) if self.method and self.path else ""
        what = " ".join(part for part in ("HTTP %s" % self.status if self.status is not None else "",
                                          self.exception_class or "") if part)
        text = ": ".join(part for part in (head, what, self.message) if part)
        if self.request_id:
            text += " (request_id %s)" % self.request_id
        return " ".join(text.split())


class ApiError(GcoreError):
    """The API answered with an error status; retryable when the status is one of RETRY_STATUSES."""

    @property
    def retryable(self):
        return self.status in RETRY_STATUSES

    @property
    def not_processed(self):
        """A 429 (throttled) or a 3xx (redirected, never followed): the API did not act on the call."""
        return self.status == 429 or (self.status is not None and 300 <= self.status < 400)


class NoAnswerError(GcoreError):
    """No answer came (connection, timeout); C(permanent) when trying again cannot help (TLS, a bad request)."""

    def __init__(self, message, permanent=False, **kwargs):
        super(NoAnswerError, self).__init__(message, **kwargs)
        self.retryable = not permanent


class MalformedAnswerError(GcoreError):
    """An answer 2xx that is not what the endpoint promises: not JSON, nested too deep, not a task, a bad page."""


class MaybeProcessedError(GcoreError):
    """A write the API may have acted on (5xx, no answer, an unreadable 2xx answer): never sent again blindly.

    Its message ends with MAYBE_PROCESSED; C(cause) is the error the write ran into.
    """

    maybe_processed = True

    @classmethod
    def from_error(cls, error):
        """The same error, as a write that may have been processed."""
        wrapped = cls("%s; %s" % (error.message, MAYBE_PROCESSED), status=error.status, method=error.method,
                      path=error.path, exception_class=error.exception_class, request_id=error.request_id,
                      details=error.details, url=error.url, invalid_fields=error.invalid_fields)
        wrapped.cause = error
        return wrapped


# A read the API refused, did not answer or answered badly: what an optional read (an extra check)
# may go on without. A cancelled job (_cancel.ControllerGone, another GcoreError) is not one.
READ_FAILURES = (ApiError, NoAnswerError, MalformedAnswerError)
