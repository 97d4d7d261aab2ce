# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client of gcore.tasks: a requests session speaking the Gcore Cloud API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import re
import sys
import time
import traceback

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit, urlunsplit

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ProtocolError, ProxyError, ResponseError
    from urllib3.util.retry import RequestHistory

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    Retry = object

from ansible_collections.gcore.tasks.plugins.module_utils._errors import (  # noqa: F401  (re-exported)
    RETRY_STATUSES,
    ApiError,
    GcoreError,
    MalformedAnswerError,
    MaybeProcessedError,
    NoAnswerError,
)
from ansible_collections.gcore.tasks.plugins.module_utils._version import COLLECTION_VERSION

DEFAULT_API_URL = "https://api.gcore.com"
BACKOFF_FACTOR = 0.5
BACKOFF_MAX = 8.0
RETRY_AFTER_MAX = 60.0
# A 429 is retried until this many seconds passed since the call's first one (api_throttle_timeout).
DEFAULT_THROTTLE_TIMEOUT = 300.0
THROTTLED = 429
# Every sleep between attempts is stretched by up to this share of itself (at most JITTER_MAX
# seconds), at random, so hosts throttled together do not retry in step.
JITTER = 0.5
JITTER_MAX = 1.0
MAX_PAGE_SIZE = 1000
# Connections kept open per host: the most calls gcore_request sends at the same time.
POOL_MAXSIZE = 8
# Concurrent reads by ID of one poll round: as many as the pool keeps keep-alive connections.
READ_CONCURRENCY = POOL_MAXSIZE
# Deeper answers are refused: no task is nested like this, and deep data breaks serialisation.
MAX_JSON_DEPTH = 100
_SURROGATE_RE = re.compile(u"[\ud800-\udfff]")
# Methods whose calls may be sent again after any failure; every other call is a write.
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_BODY_SNIPPET = 120


def api_url_advice(root=None):
    """'api_url (<root>): it must be the API root such as ...': the one hint at a wrong api_url."""
    return "api_url%s: it must be the API root such as %s" % (" (%s)" % root if root else "", DEFAULT_API_URL)


def api_url_hint(error):
    """'<URL called>. Check api_url (<its root>): ...' for an error that suggests a wrong api_url."""
    url = error.url or error.path
    root = url[:-len(error.path)] if error.url and error.path and url.endswith(error.path) else None
    return "%s. Check %s; then check the task IDs" % (url, api_url_advice(root))


def each_concurrently(items, action):
    """[action(item) for item in items], at most POOL_MAXSIZE at a time over the client's one pool;
    a single item runs in this thread."""
    items = list(items)
    if len(items) <= 1:
        return [action(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(POOL_MAXSIZE, len(items))) as pool:
        return list(pool.map(action, items))


def jittered(seconds, draw):
    """C(seconds) plus up to JITTER of it (at most JITTER_MAX seconds), as C(draw) (0 <= draw < 1) says."""
    return seconds + min(JITTER * seconds, JITTER_MAX) * draw


def throttle_pause(retry_after, throttled, draw):
    """Seconds to sleep after the C(throttled)-th 429 in a row of a call: the Retry-After (a minimum) or the
    exponential backoff, whichever is longer, with jitter."""
    backoff = min(BACKOFF_MAX, BACKOFF_FACTOR * 2 ** max(0, throttled - 1))
    return jittered(max(retry_after or 0.0, backoff), draw)


class _DeadlineRetry(Retry):
    """urllib3's Retry, plus what it cannot do: a time budget for 429, jitter, a deadline, cancellation.

    - C(deadline) is a moment on C(clock) (the client's clock), or None: no sleep between
      attempts passes it. Past it, an attempt that got no answer (timeout, reset) is not tried
      again, so a wait ends at most about one api_timeout late; an answer such as a 503 keeps
      its quick retries.
    - HTTP 429 (the API did not act) takes no retry from the count: it is retried until
      C(throttle_timeout) seconds passed since the call's first 429, never past the deadline,
      each pause from throttle_pause() (Retry-After honoured as a minimum). A throttle_timeout
      of 0 counts 429 like any other retryable status.
    - Every sleep gets jitter (JITTER); a Retry-After on another status is capped at
      RETRY_AFTER_MAX, and an unparseable one falls back to the exponential backoff.
    - C(liveness) (module_utils/_cancel), when set, sleeps for it: a controller gone ends the
      call with ControllerGone.
    """

    deadline = None
    clock = staticmethod(time.monotonic)
    throttle_timeout = DEFAULT_THROTTLE_TIMEOUT
    liveness = None
    # The clock moment of the call's first 429, and the pause chosen for the next sleep.
    throttled_since = None
    pause = None
    draw = staticmethod(random.random)

    def new(self, **kw):
        retry = super(_DeadlineRetry, self).new(**kw)
        for name in ("deadline", "clock", "throttle_timeout", "liveness", "throttled_since", "draw"):
            setattr(retry, name, getattr(self, name))
        return retry

    def until(self, deadline, clock, liveness=None):
        """A copy of this policy for one call: sleeps stop at C(deadline) (a moment on C(clock), or None)
        and end once C(liveness) says the controller is gone."""
        retry = self.new()
        retry.deadline, retry.clock, retry.liveness = deadline, clock, liveness
        return retry

    def room(self, seconds):
        """C(seconds), cut to the time left before the deadline."""
        return seconds if self.deadline is None else max(0.0, min(seconds, self.deadline - self.clock()))

    def parse_retry_after(self, retry_after):
        try:
            seconds = super(_DeadlineRetry, self).parse_retry_after(retry_after)
        except Exception:  # an unparseable header falls back to exponential backoff
            return 0
        return max(0.0, seconds)

    def is_retry(self, method, status_code, has_retry_after=False):
        if status_code == THROTTLED and self.throttle_timeout:
            return True  # the time budget decides, in increment()
        return super(_DeadlineRetry, self).is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if error is not None and self.deadline is not None and self.clock() >= self.deadline:
            raise MaxRetryError(_pool, url, error)
        if response is not None and response.status == THROTTLED and self.throttle_timeout:
            return self._throttled(method, url, response, _pool)
        return super(_DeadlineRetry, self).increment(method=method, url=url, response=response, error=error,
                                                     _pool=_pool, _stacktrace=_stacktrace)

    def _throttled(self, method, url, response, _pool):
        """The policy after a 429, the count untouched; MaxRetryError once the pause would pass the budget."""
        now = self.clock()
        since = now if self.throttled_since is None else self.throttled_since
        history = self.history + (RequestHistory(method, url, None, THROTTLED, None),)
        in_a_row = 0
        for entry in reversed(history):
            if entry.status != THROTTLED:
                break
            in_a_row += 1
        pause = throttle_pause(self.get_retry_after(response), in_a_row, self.draw())
        ends = since + self.throttle_timeout
        if self.deadline is not None:
            ends = min(ends, self.deadline)
        if now + pause > ends:
            raise MaxRetryError(_pool, url, ResponseError("still throttled (HTTP 429)"))
        retry = self.new(history=history)
        retry.throttled_since, retry.pause = since, pause
        return retry

    def sleep(self, response=None):
        if self.pause is not None:
            seconds = self.pause
        else:
            retry_after = self.get_retry_after(response) if response is not None else None
            if retry_after and self.respect_retry_after_header:
                seconds = jittered(min(retry_after, RETRY_AFTER_MAX), self.draw())
            else:
                seconds = jittered(self.get_backoff_time(), self.draw())
        seconds = self.room(seconds)
        if self.liveness is not None:
            self.liveness.sleep(seconds)
        elif seconds > 0:
            time.sleep(seconds)


class _WriteRetry(_DeadlineRetry):
    """The write policy: a Retry-After is honoured on 429 only (urllib3 would also retry a 503 with one)."""

    RETRY_AFTER_STATUS_CODES = frozenset([429])


def build_retry(retries, write=False, throttle_timeout=DEFAULT_THROTTLE_TIMEOUT):
    """The retry policy of a read (C(write) false) or of a write call.

    Reads: connection and read errors and RETRY_STATUSES, exponential backoff with jitter,
    Retry-After honoured. Writes, which the API may act on without an idempotency key: only
    where the API surely did not act, a connection that could not be made (urllib3 counts
    those as connect errors) and HTTP 429; no read retries, no other status.
    """
    kwargs = dict(
        total=retries,
        connect=retries,
        read=0 if write else retries,
        status=retries,
        other=0,
        backoff_factor=BACKOFF_FACTOR,
        status_forcelist=(429,) if write else RETRY_STATUSES,
        allowed_methods=None,  # the policy is chosen per call: reads sent by request() may be POSTs (acknowledge)
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    kind = _WriteRetry if write else _DeadlineRetry
    try:
        retry = kind(backoff_max=BACKOFF_MAX, **kwargs)
    except TypeError:  # urllib3 1.26 has no backoff_max argument
        retry = kind(**kwargs)
        retry.DEFAULT_BACKOFF_MAX = BACKOFF_MAX
    retry.throttle_timeout = throttle_timeout
    return retry


# A page's head (its title repeats its heading), scripts and styles are not what it says.
_HTML_NOISE_RE = re.compile(r"<(head|script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _snippet(text):
    """The start of an answer's text, HTML tags and noise removed, on one line."""
    text = text or ""
    shown = _HTML_NOISE_RE.sub(" ", text)
    if shown.strip() and re.sub(r"<[^>]*>", "", shown).strip():
        text = shown
    text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text[:_BODY_SNIPPET] + ("..." if len(text) > _BODY_SNIPPET else "")


def display_url(url):
    """The URL without user:password, query or fragment: safe to show in messages and results."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "(an unparseable URL)"


def make_safe(value):
    """Decoded JSON with every lone UTF-16 surrogate replaced by U+FFFD, so the result always serialises.

    Walks without recursion; raises ValueError when the value is nested deeper than MAX_JSON_DEPTH.
    """
    fixed = _fix_text(value) if isinstance(value, str) else value
    stack = [(fixed, 1)] if isinstance(fixed, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError("nested deeper than %d levels" % MAX_JSON_DEPTH)
        items = enumerate(node) if isinstance(node, list) else list(node.items())
        for key, item in items:
            if isinstance(item, str):
                item = _fix_text(item)
                node[key] = item
            elif isinstance(item, (dict, list)):
                stack.append((item, depth + 1))
            if isinstance(node, dict) and isinstance(key, str) and _SURROGATE_RE.search(key):
                del node[key]
                node[_fix_text(key)] = item
    return fixed


def _fix_text(text):
    return _SURROGATE_RE.sub(u"\ufffd", text) if _SURROGATE_RE.search(text) else text


def _query_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return [_query_value(item) for item in value]
    return value


def _with_retry(adapter, retry):
    """A view of C(adapter) sending with C(retry): the same pool managers (keep-alive connections), another
    retry policy. (copy.copy would build new pools: HTTPAdapter.__setstate__ calls init_poolmanager.)"""
    view = object.__new__(type(adapter))
    view.__dict__.update(adapter.__dict__)
    view.max_retries = retry
    return view


class GcoreClient(object):
    """A keep-alive session against one Gcore API endpoint.

    Every method either returns the decoded JSON answer or raises a GcoreError (see _errors).
    Reads and writes each have one urllib3 Retry policy (build_retry), chosen per call. A call
    given a C(deadline) (a moment on C(clock), the one clock of the client and of a wait on it)
    never sleeps between attempts past it. With a C(liveness), nothing is sent once the
    controller is gone (ControllerGone).
    """

    last_date = None  # the Date header of the latest answer (an HTTP date): the API's clock, not ours

    def __init__(self, api_key, api_url=DEFAULT_API_URL, timeout=30.0, retries=3, validate_certs=True,
                 ca_path=None, user_agent_suffix=None, pool_maxsize=POOL_MAXSIZE, clock=time.monotonic,
                 throttle_timeout=DEFAULT_THROTTLE_TIMEOUT, liveness=None):
        self.base_url = api_url.rstrip("/")
        self.shown_url = display_url(self.base_url).rstrip("/")
        self.timeout = timeout
        self.clock = clock
        self.session = requests.Session()
        # Passed with every request: a session-level verify loses to REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE.
        self.verify = (ca_path or True) if validate_certs else False
        self.retries = retries
        self.throttle_timeout = throttle_timeout
        self.read_retry = build_retry(retries, throttle_timeout=throttle_timeout)
        self.write_retry = build_retry(retries, write=True, throttle_timeout=throttle_timeout)
        # Asked before every request and during every retry sleep (module_utils/_cancel), or None.
        self.liveness = liveness
        # The one connection pool; each call sends through a copy carrying that call's Retry.
        self.adapter = HTTPAdapter(max_retries=self.read_retry, pool_maxsize=pool_maxsize)
        self.session.mount("https://", self.adapter)
        self.session.mount("http://", self.adapter)
        user_agent = "gcore.tasks/%s (Ansible collection; python %s; requests %s)" % (
            COLLECTION_VERSION, "%d.%d.%d" % sys.version_info[:3], requests.__version__)
        if user_agent_suffix:
            user_agent += " " + user_agent_suffix
        self.session.headers.update({
            "Authorization": "APIKey %s" % api_key,
            "Accept": "application/json",
            "User-Agent": user_agent,
        })

    def request(self, method, path, params=None, json_body=None, deadline=None):
        """Send one call that is safe to repeat (read policy); return the decoded JSON body (None when empty).

        C(deadline): a moment on self.clock no retry sleep may pass, or None.
        """
        return self._send(method, path, params, json_body, repeatable=True, deadline=deadline)[1]

    def call(self, method, path, params=None, json_body=None, deadline=None):
        """Send one call as a user asked for it; return (HTTP status, decoded JSON body or None).

        A GET (HEAD, OPTIONS) keeps the read policy of request(). Any other method is a write,
        which the API may act on without an idempotency key: it is sent again only after HTTP 429
        (Retry-After honoured) or a connection that could not be made. A 5xx answer, a reset, a
        read timeout or a cut-off answer raises MaybeProcessedError.
        """
        return self._send(method, path, params, json_body, repeatable=method.upper() in SAFE_METHODS,
                          deadline=deadline)

    def _send(self, method, path, params, json_body, repeatable, deadline):
        """One exchange; every string of the answer is safe to serialise (see make_safe), every error names its URL."""
        try:
            return self._exchange(method, path, params, json_body, repeatable, deadline)
        except GcoreError as exc:
            exc.url = self.shown_url + path
            if exc.status == 404 and not exc.exception_class:
                exc.message += ". Nothing Gcore answers at %s: check %s" % (exc.url, api_url_advice(self.shown_url))
            raise

    def _transmit(self, method, url, query, json_body, retry):
        """Session.request, but with this call's Retry on the shared connection pool."""
        prepared = self.session.prepare_request(requests.Request(method, url, params=query, json=json_body))
        settings = self.session.merge_environment_settings(prepared.url, {}, None, self.verify, None)
        return _with_retry(self.adapter, retry).send(prepared, timeout=self.timeout, **settings)

    def _exchange(self, method, path, params, json_body, repeatable, deadline):
        query = None
        if params:
            query = dict((key, _query_value(value)) for key, value in params.items() if value is not None)
        retry = (self.read_retry if repeatable else self.write_retry).until(deadline, self.clock, self.liveness)
        url = self.base_url + path
        while True:
            try:
                if self.liveness is not None:
                    self.liveness.check()  # a cancelled job sends nothing more, no write above all
                response = self._transmit(method, url, query, json_body, retry)
                body = response.content
                break
            except requests.exceptions.SSLError as exc:
                raise NoAnswerError("TLS verification failed: %s" % _first_line(_cause(exc)), method=method,
                                    path=path, permanent=True)
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
                # The body broke after the headers, past urllib3's retries: the same policy decides here.
                what = "the answer was cut off"
                if isinstance(exc, requests.exceptions.ContentDecodingError):
                    what = "the answer does not decode as its Content-Encoding header says"
                if not repeatable:
                    raise MaybeProcessedError.from_error(NoAnswerError(
                        "%s (%s)" % (what, _first_line(_cause(exc))), method=method, path=path))
                try:
                    retry = retry.increment(method=method, url=url, error=ProtocolError(what))
                except MaxRetryError:
                    raise NoAnswerError("%s: %s" % (what, _first_line(_cause(exc))), method=method, path=path)
                retry.sleep()
            except requests.exceptions.RequestException as exc:
                raise _error_from_exception(exc, method, path, self.timeout, repeatable)
        self.last_date = response.headers.get("Date") or self.last_date
        if response.status_code >= 300:
            error = _error_from_response(response, method, path)
            if response.status_code == THROTTLED:
                error.message += "; still throttled when api_throttle_timeout (%gs)%s ran out, so the API did not " \
                                 "act on the call" % (self.throttle_timeout, "" if deadline is None else
                                                      " or the wait's deadline")
            if not repeatable and response.status_code >= 500:
                error = MaybeProcessedError.from_error(error)
            raise error
        if not body.strip():
            return response.status_code, None
        try:
            return response.status_code, make_safe(response.json())
        except (RecursionError, ValueError) as exc:
            deep = isinstance(exc, RecursionError) or "nested deeper" in str(exc)
            if deep:
                message = "the answer is nested too deeply to read"
            else:
                message = "the answer is not JSON (Content-Type %s): %s" % (
                    response.headers.get("Content-Type", "unknown"), _snippet(response.text))
            error = MalformedAnswerError(message, status=response.status_code, method=method, path=path,
                                         request_id=response.headers.get("X-Request-ID"))
            # A write answered 2xx reached the API: say it may have been processed.
            raise error if repeatable else MaybeProcessedError.from_error(error)

    def get_task(self, task_id, deadline=None):
        """GET /cloud/v1/tasks/{task_id}. The ID must already be validated; the answer must be an object."""
        path = "/cloud/v1/tasks/%s" % task_id
        task = self.request("GET", path, deadline=deadline)
        if not isinstance(task, dict):
            raise MalformedAnswerError("the answer is not a task object but %s" % _json_kind(task), status=200,
                                       method="GET", path=path, url=self.shown_url + path)
        answered = task.get("id")
        if isinstance(answered, str) and answered.lower() != task_id.lower():
            # A cache or proxy mixing answers up: another task's created IDs must never pass for this one's.
            raise MalformedAnswerError("the answer is another task (%s), not the one asked for" % answered[:64],
                                       status=200, method="GET", path=path, url=self.shown_url + path)
        return lower_id(task)

    def list_page(self, path, params=None, limit=MAX_PAGE_SIZE, offset=0, deadline=None):
        """One page of a collection endpoint: (count, results), or GcoreError if the answer is malformed.

        A page must be an object whose C(results) is a list of objects and whose C(count), when
        present, is a non-negative integer (absent: the page is all there is).
        """
        query = dict(params or {})
        query.update(limit=limit, offset=offset)
        page = self.request("GET", path, params=query, deadline=deadline)
        problem = None
        if not isinstance(page, dict):
            problem = "the answer is %s, not a {count, results} object" % _json_kind(page)
        elif not isinstance(page.get("results"), list):
            problem = "results is %s, not a list" % _json_kind(page.get("results"))
        elif not all(isinstance(item, dict) for item in page["results"]):
            problem = "results holds something other than objects"
        elif "count" in page and (isinstance(page["count"], bool) or not isinstance(page["count"], int)
                                  or page["count"] < 0):
            problem = "count is %s, not a non-negative integer" % _json_kind(page["count"])
        if problem:
            raise MalformedAnswerError("malformed list answer: %s" % problem, status=200, method="GET", path=path,
                                       url=self.shown_url + path)
        results = page["results"]
        count = page.get("count")
        return (offset + len(results) if count is None else count), results

    def iter_pages(self, path, params=None, limit=None, page_size=MAX_PAGE_SIZE, deadline=None):
        """Yield each page's results of any collection endpoint ({count, results}), following offset/count.

        Stops when every item was read, or once C(limit) items were yielded. A page holding
        only items already read (an endpoint that ignores offset) is a GcoreError, not a loop.
        """
        offset = 0
        seen = set()
        while limit is None or offset < limit:
            size = page_size if limit is None else min(page_size, limit - offset)
            count, results = self.list_page(path, params, size, offset, deadline=deadline)
            ids = [item.get("id") for item in results if isinstance(item.get("id"), str)]
            if offset and ids and seen.issuperset(ids):
                raise MalformedAnswerError("malformed list answer: the page at offset %d holds only items already "
                                           "read (count says %d): the endpoint ignores offset" % (offset, count),
                                           status=200, method="GET", path=path, url=self.shown_url + path)
            seen.update(ids)
            if limit is not None:
                results = results[:limit - offset]
            yield results
            offset += len(results)
            if not results or offset >= count:
                return

    def list_tasks(self, filters=None, limit=None):
        """GET /cloud/v1/tasks with filters, every page up to C(limit) tasks."""
        return [lower_id(task) for page in self.iter_pages("/cloud/v1/tasks", filters, limit) for task in page]

    def list_active_tasks(self, project_id, region_id, task_type=None, limit=None):
        """GET /cloud/v1/tasks/{project_id}/{region_id}/active, every page up to C(limit) tasks."""
        path = "/cloud/v1/tasks/%d/%d/active" % (project_id, region_id)
        return [lower_id(task) for page in self.iter_pages(path, {"task_type": task_type}, limit) for task in page]

    def acknowledge_task(self, task_id):
        """POST /cloud/v1/tasks/{task_id}/acknowledge; returns the acknowledged task."""
        return lower_id(self.request("POST", "/cloud/v1/tasks/%s/acknowledge" % task_id))

    def acknowledge_all(self, project_id=None, region_id=None):
        """POST /cloud/v1/tasks/acknowledge_all, optionally narrowed to a project and region."""
        return self.request("POST", "/cloud/v1/tasks/acknowledge_all",
                            params={"project_id": project_id, "region_id": region_id})


def lower_id(task):
    """C(task) with its C(id) in lower case: task IDs have one spelling everywhere, whatever case the API answers."""
    if isinstance(task, dict) and isinstance(task.get("id"), str):
        task["id"] = task["id"].lower()
    return task


def _json_kind(value):
    """A short name of a decoded JSON value's type, for messages about malformed answers."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "an array", str: "a string", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


def _cause(exc):
    """The underlying error of a requests exception (urllib3's MaxRetryError wraps the real one)."""
    inner = exc.args[0] if exc.args else None
    reason = getattr(inner, "reason", None)
    if reason is not None:
        return reason
    return inner if isinstance(inner, BaseException) else exc


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


# Raised by requests while preparing a request, before anything goes out (a body with NaN, a bad URL).
# (InvalidJSONError is new in requests 2.27; requirements.txt allows 2.25.)
_UNBUILDABLE = tuple(getattr(requests.exceptions, name) for name in (
    "InvalidJSONError", "InvalidURL", "InvalidHeader", "MissingSchema", "InvalidSchema", "URLRequired")
    if hasattr(requests.exceptions, name)) if HAS_REQUESTS else ()


def _never_sent(exc):
    """True when the connection failed before the request went out (so the API surely did not act)."""
    cause = _cause(exc)
    if isinstance(cause, ProxyError):
        cause = getattr(cause, "original_error", cause)
    return isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(cause, ConnectTimeoutError)


def _error_from_exception(exc, method, path, timeout, repeatable):
    """GcoreError for a request that got no answer; a write that may have reached the API says so."""
    if isinstance(exc, _UNBUILDABLE):
        return NoAnswerError("the request could not be built, so nothing was sent: %s" % _first_line(exc),
                             method=method, path=path, permanent=True)
    cause = _cause(exc)
    if not repeatable and not _never_sent(exc):
        what = ("no answer within %ss" % timeout if isinstance(exc, requests.exceptions.Timeout)
                or "ReadTimeoutError" in type(cause).__name__ else "connection lost: %s" % _first_line(cause))
        return MaybeProcessedError.from_error(NoAnswerError(what, method=method, path=path))
    if isinstance(exc, requests.exceptions.Timeout) or "ReadTimeoutError" in type(cause).__name__:
        return NoAnswerError("no answer within %ss" % timeout, method=method, path=path)
    return NoAnswerError("connection failed: %s" % _first_line(cause), method=method, path=path)


def _error_from_response(response, method, path):
    request_id = response.headers.get("X-Request-ID")
    if 300 <= response.status_code < 400:
        return _redirect_error(response, method, path, request_id)
    try:
        body = make_safe(response.json())
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict) and (body.get("message") or body.get("exception_class")):
        details = dict((k, v) for k, v in body.items()
                       if k not in ("message", "exception_class", "request_id", "invalid_fields"))
        return ApiError(
            str(body.get("message") or response.reason or "error"),
            status=response.status_code, method=method, path=path,
            exception_class=body.get("exception_class"),
            request_id=body.get("request_id") or request_id,
            invalid_fields=body.get("invalid_fields"),
            details=details or None)
    content_type = response.headers.get("Content-Type", "unknown")
    snippet = _snippet(response.text)
    message = "%s; the body is not a Gcore error (Content-Type %s)" % (response.reason or "error", content_type)
    if snippet:
        message += ": %s" % snippet
    return ApiError(message, status=response.status_code, method=method, path=path, request_id=request_id)


def _redirect_error(response, method, path, request_id):
    """An ApiError for a 3xx: where it points (credentials and query left out) and what usually causes it.

    Redirects are never followed (a write would be sent again elsewhere, the key with it): the
    API did not act on the call.
    """
    location = response.headers.get("Location")
    if location:
        target = display_url(urljoin(response.url or "", location))
        where = "redirects to %s" % target
    else:
        target, where = None, "is a redirect without a Location"
    hint = "an http:// api_url is the usual cause" if (response.url or "").lower().startswith("http://") \
        else "check api_url"
    message = "%s %s; redirects are not followed and the API did not act on the call: %s; it must be the API root " \
              "such as %s" % (response.reason or "redirect", where, hint, DEFAULT_API_URL)
    return ApiError(message, status=response.status_code, method=method, path=path, request_id=request_id,
                    details={"location": target} if target else None)
