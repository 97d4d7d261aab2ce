# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Relative times for the time filters: -30m, -24h, -7d, now."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._tasks import normalize_timestamp, relative_timestamp

NOW = datetime.datetime(2026, 5, 23, 12, 0, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("text, back", [
    ("-30m", datetime.timedelta(minutes=30)),
    ("-24h", datetime.timedelta(hours=24)),
    ("-7d", datetime.timedelta(days=7)),
    ("-2w", datetime.timedelta(weeks=2)),
    ("-90s", datetime.timedelta(seconds=90)),
    ("-1d12h", datetime.timedelta(days=1, hours=12)),
    (" -24H ", datetime.timedelta(hours=24)),
    ("now", datetime.timedelta(0)),
    ("-0s", datetime.timedelta(0)),
])
def test_relative_times_count_back_from_now(text, back):
    assert relative_timestamp(text, NOW) == NOW - back


@pytest.mark.parametrize("text", ["24h", "+24h", "-24", "-h", "-24x", "-1.5h", "- 24h", "-24h ago", "yesterday",
                                  "2026-05-23T05:07:31Z", "", "-"])
def test_values_outside_the_relative_grammar_are_not_relative_times(text):
    assert relative_timestamp(text, NOW) is None


def test_a_relative_time_before_year_one_is_not_a_time():
    assert relative_timestamp("-999999999w", NOW) is None
    with pytest.raises(ValueError, match="from_timestamp must be an ISO 8601 date-time .* or a time relative to now"):
        normalize_timestamp("-999999999w", "from_timestamp", NOW)


def test_relative_filter_timestamps_are_sent_as_utc_date_times():
    assert normalize_timestamp("-24h", "from_timestamp", NOW) == "2026-05-22T12:00:00.000000Z"
    assert normalize_timestamp("now", "to_timestamp", NOW) == "2026-05-23T12:00:00.000000Z"


def test_absolute_filter_timestamps_are_unchanged_by_relative_support():
    assert normalize_timestamp("2026-05-23T07:00:00+02:00", "from_timestamp", NOW) == "2026-05-23T05:00:00.000000Z"


@pytest.mark.parametrize("text", ["-24", "24h ago", "last tuesday"])
def test_malformed_times_are_refused_naming_the_option_and_both_forms(text):
    with pytest.raises(ValueError) as error:
        normalize_timestamp(text, "to_timestamp", NOW)
    assert str(error.value).startswith("to_timestamp must be an ISO 8601 date-time")
    assert "-24h" in str(error.value) and repr(text) in str(error.value)


def test_relative_time_without_a_given_now_counts_back_from_the_current_utc_time():
    before = datetime.datetime.now(datetime.timezone.utc)
    resolved = relative_timestamp("-1h")
    after = datetime.datetime.now(datetime.timezone.utc)
    assert before - datetime.timedelta(hours=1) <= resolved <= after - datetime.timedelta(hours=1)
