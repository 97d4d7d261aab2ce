# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What gcore.tasks knows about a Gcore task: IDs, states, timestamps, created resources, secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import email.utils
import re

TASK_STATES = ("NEW", "RUNNING", "FINISHED", "ERROR")
FINAL_STATES = ("FINISHED", "ERROR")
MAX_TASK_IDS = 10000
MASK = "********"

_UUID_RE = re.compile(r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
# Keys of a task's data (the write call's parameters) whose values are masked by default.
_SENSITIVE_KEY_RE = re.compile(
    r"pass(word|wd|phrase)?|secret|token|private|api_?key|user_?data|payload|credential|"
    r"authorization|cookie|session|ssh_?key|cert_?key|key_?pair_?private",
    re.IGNORECASE)
_UTC = datetime.timezone.utc
# A time relative to now: "now", or "-" and one or more <integer><unit> such as -30m, -24h, -7d, -1d12h.
_RELATIVE_RE = re.compile(r"\A-(?:\d{1,9}[smhdw])+\Z")
_RELATIVE_PART_RE = re.compile(r"(\d+)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# One HTTP date (RFC 7231 IMF-fixdate or RFC 2822) as a Date header holds it.
_HTTP_DATE_RE = re.compile(r"[A-Za-z]{3}, [0-9]{1,2} [A-Za-z]{3} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [^,]+")
_TIMESTAMP_RE = re.compile(
    r"\A([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?"
    r"(?:[Zz]|([+-])([0-9]{2})(?::?([0-9]{2}))?)?)?\Z")


def normalize_task_ids(task_ids):
    """Return the task IDs lower-cased and without duplicates, in the order given.

    Raises ValueError naming every value that is not a UUID, so no request is
    ever built from a value that could change the path or the query.
    """
    if not task_ids:
        raise ValueError("task_ids is empty: give at least one task ID")
    invalid = [value for value in task_ids if not isinstance(value, str) or not _UUID_RE.match(value)]
    if invalid:
        shown = ", ".join(repr(value) for value in invalid[:5])
        more = " and %d more" % (len(invalid) - 5) if len(invalid) > 5 else ""
        raise ValueError("task IDs must be UUIDs like 26986bc0-748a-4448-b836-0a2aa465eb06; invalid: %s%s"
                         % (shown, more))
    unique = list(dict.fromkeys(value.lower() for value in task_ids))
    if len(unique) > MAX_TASK_IDS:
        raise ValueError("too many task IDs: %d given, at most %d per call" % (len(unique), MAX_TASK_IDS))
    return unique


def parse_timestamp(value):
    """Parse a Gcore timestamp; zone-less values are UTC. Returns an aware datetime or None.

    Parsed by hand so every Python from 3.9 reads the same values: a fraction of any number
    of digits, C(Z), C(+0000), C(+00:00), C(+00) or no zone at all, or a date alone (midnight UTC).
    Anything else gives None.
    """
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP_RE.match(value.strip())
    if not match:
        return None
    (year, month, day, hour, minute, second, fraction, zone_sign, zone_hours,
     zone_minutes) = match.groups()
    microseconds = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        zone = _UTC
        if zone_sign:
            offset = datetime.timedelta(hours=int(zone_hours), minutes=int(zone_minutes or 0))
            zone = datetime.timezone(-offset if zone_sign == "-" else offset)
        return datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                                 microseconds, tzinfo=zone)
    except (ValueError, OverflowError):  # month 13, hour 25, an offset of 24 h or more...
        return None


def parse_http_date(value):
    """Parse an HTTP C(Date) header (C(Wed, 02 Dec 2026 14:37:26 GMT)); an aware datetime, or None.

    A header sent twice (by the API and a proxy) comes joined with a comma: the last one counts.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    dates = _HTTP_DATE_RE.findall(value)
    value = dates[-1] if dates else value
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=_UTC)


# The timestamps of a task, all on the API's clock.
API_TIME_KEYS = ("created_on", "updated_on", "finished_on", "acknowledged_at")


def api_now(client=None, tasks=()):
    """The API's current time as well as it is known: the C(Date) of the client's latest answer,
    else the newest timestamp among C(tasks); None when neither says. Ages of tasks are measured
    on it, so a controller whose clock is off does not make fresh tasks look old."""
    moment = parse_http_date(getattr(client, "last_date", None))
    if moment is not None:
        return moment
    stamps = [parse_timestamp(task.get(key)) for task in tasks if isinstance(task, dict) for key in API_TIME_KEYS]
    stamps = [stamp for stamp in stamps if stamp is not None]
    return max(stamps) if stamps else None


def format_timestamp(moment):
    """Format an aware datetime as the API's filters expect: ISO 8601 in UTC with a Z.

    Raises OverflowError when the moment in UTC falls outside years 1..9999.
    """
    moment = moment.astimezone(_UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (moment.year, moment.month, moment.day, moment.hour,
                                                    moment.minute, moment.second, moment.microsecond)


def relative_timestamp(value, now=None):
    """Resolve a time relative to C(now) (an aware datetime; the current UTC time if None).

    Accepts C(now), or a minus sign and one or more <integer><unit> parts, units s, m, h, d, w
    (C(-30m), C(-24h), C(-7d), C(-1d12h)). Returns an aware datetime, or None when C(value)
    is not a relative time (or lies before year 1).
    """
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    now = now or datetime.datetime.now(_UTC)
    if text == "now":
        return now
    if not _RELATIVE_RE.match(text):
        return None
    seconds = sum(int(number) * _UNIT_SECONDS[unit] for number, unit in _RELATIVE_PART_RE.findall(text))
    try:
        return now - datetime.timedelta(seconds=seconds)
    except OverflowError:
        return None


def normalize_timestamp(value, name, now=None):
    """Validate a user-given filter timestamp (ISO 8601, or relative to C(now) such as -24h).

    Returns it as the API's filters expect; raises ValueError with the option's name if malformed.
    """
    parsed = relative_timestamp(value, now)
    if parsed is None:
        parsed = parse_timestamp(value)
    try:
        if parsed is not None:
            return format_timestamp(parsed)
    except OverflowError:  # e.g. year 1 with a positive offset: before year 1 in UTC
        pass
    raise ValueError("%s must be an ISO 8601 date-time such as 2026-05-23T05:07:31Z or a time relative to now "
                     "such as -24h, -30m or -7d, got %r" % (name, value))


def merge_created_resources(tasks):
    """Union of created_resources over the tasks, and each task's own non-empty part.

    Returns (union, by_task): union maps resource type to the IDs in first-seen
    order without duplicates; by_task maps task ID to its non-empty resource lists.
    Empty lists and null created_resources (ERROR tasks) contribute nothing.
    """
    union = {}
    by_task = {}
    for task in tasks:
        resources = task.get("created_resources") if isinstance(task, dict) else None
        if not isinstance(resources, dict):
            continue
        own = dict((kind, list(ids)) for kind, ids in resources.items() if isinstance(ids, list) and ids)
        if own:
            by_task[task.get("id")] = own
        for kind, ids in own.items():
            known = union.setdefault(kind, [])
            known.extend(item for item in ids if item not in known)
    return union, by_task


def is_sensitive_key(key):
    """True for a key whose value is masked (password, user_data, private_key, token, ...)."""
    return isinstance(key, str) and bool(_SENSITIVE_KEY_RE.search(key))


def mask_sensitive(value, found=None):
    """Copy of value with the values of sensitive-looking keys masked, at any depth: the one masking of the collection.

    When C(found) is a list, the texts masked are added to it (every string, and every number of
    4 characters or more, under a masked key), so a caller can hide them in every other output too.
    """
    if isinstance(value, dict):
        shown = {}
        for key, item in value.items():
            if is_sensitive_key(key) and item not in (None, ""):
                shown[key] = MASK
                if found is not None:
                    found.extend(_masked_texts(item))
            else:
                shown[key] = mask_sensitive(item, found)
        return shown
    if isinstance(value, list):
        return [mask_sensitive(item, found) for item in value]
    return value


def _masked_texts(value):
    """The texts of a masked value; a short number masked in every output would garble every ID holding its digits."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in _masked_texts(item)]
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and len(str(value)) >= 4:
        return [str(value)]
    return []


def present_task(task, mask_data=True):
    """The task as modules return it: data masked unless the caller asked for it untouched."""
    if not mask_data or not isinstance(task, dict) or not task.get("data"):
        return task
    shown = dict(task)
    shown["data"] = mask_sensitive(task["data"])
    return shown


# What a waited task keeps unless full_tasks is asked for: who it is, how it ended. What it created is in
# the wait's created_resources_by_task, once.
COMPACT_TASK_KEYS = ("id", "task_type", "state", "project_id", "region_id", "error", "data")


def without_empty_resources(task):
    """The task with only the non-empty lists of created_resources (the API sends one list per
    resource type, nearly all empty); every other key as it is."""
    if not isinstance(task, dict) or not isinstance(task.get("created_resources"), dict):
        return task
    shown = dict(task)
    shown["created_resources"] = dict((kind, ids) for kind, ids in task["created_resources"].items()
                                      if not (isinstance(ids, list) and not ids))
    return shown


def compact_task(task, said=None):
    """The task as a wait returns it by default: the COMPACT_TASK_KEYS that hold a value.

    C(said) maps a key to what the module's own call already says of every task (a value, or
    Ellipsis for any value): such a key is left out when the task holds that value.
    """
    if not isinstance(task, dict):
        return task
    said = said or {}
    return dict((key, task[key]) for key in COMPACT_TASK_KEYS if task.get(key) is not None
                and not (key in said and (said[key] is Ellipsis or said[key] == task[key])))


def task_summary(task_id, task):
    """A short dict naming a task for failed_tasks / pending_tasks."""
    task = task or {}
    return {
        "id": task_id,
        "task_type": task.get("task_type"),
        "state": task.get("state"),
        "error": task.get("error"),
    }
