# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress lines of a wait: their text, when they are written, and what they never hold."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.gcore.tasks.plugins.module_utils._progress import (
    PROGRESS_FILE_ENV,
    ProgressReporter,
    format_duration,
    progress_line,
    progress_reporter,
)

NOW = datetime.datetime(2026, 5, 23, 5, 10, 0, tzinfo=datetime.timezone.utc)
IDS = ["26986bc0-748a-4448-b836-0a2aa465eb0%d" % number for number in range(6)]


class Waited(object):
    """What a TaskWaiter holds after a round: tasks read and vanished tasks, and its client."""

    def __init__(self, tasks, vanished=(), last_date=None):
        self.tasks = dict((task["id"], task) for task in tasks)
        self.vanished = dict((task_id, "404") for task_id in vanished)
        self.client = type("Client", (object,), dict(last_date=last_date))()


def task(number, state, task_type="create_vm", age=None, data=None):
    created = (NOW - datetime.timedelta(seconds=age)).strftime("%Y-%m-%dT%H:%M:%S") if age is not None else None
    return {"id": IDS[number], "state": state, "task_type": task_type, "created_on": created, "data": data}


@pytest.mark.parametrize("seconds, text", [(-3, "0s"), (0, "0s"), (59.9, "59s"), (250, "4m10s"), (3600, "1h00m"),
                                           (7530, "2h05m")])
def test_durations_read_like_a_clock(seconds, text):
    assert format_duration(seconds) == text


def test_a_line_counts_ended_and_failed_tasks_and_names_what_it_waits_on():
    waiter = Waited([task(0, "FINISHED"), task(1, "ERROR"), task(2, "FINISHED"),
                     task(3, "RUNNING", "create_k8s_cluster_v2", age=250), task(4, "RUNNING", "create_k8s_cluster_v2",
                                                                                age=100)])
    line = progress_line(waiter, IDS[:5], IDS[3:5], now=NOW)
    assert line == "3/5 tasks ended (1 ERROR); waiting on 2: 2 x create_k8s_cluster_v2 RUNNING for 4m10s"


def test_a_line_groups_pending_tasks_oldest_first_and_counts_the_groups_it_leaves_out():
    waiter = Waited([task(0, "NEW", "create_vm", age=5), task(1, "RUNNING", "create_vm", age=70),
                     task(2, "RUNNING", "create_volume", age=30), task(3, "RUNNING", "delete_bm", age=20)],
                    vanished=[IDS[5]])
    line = progress_line(waiter, IDS, IDS[:5], now=NOW)
    assert line == ("1/6 tasks ended (1 not found); waiting on 5: create_vm RUNNING for 1m10s, "
                    "create_volume RUNNING for 30s, delete_bm RUNNING for 20s, 2 more")


def test_a_line_never_holds_task_ids_data_or_odd_task_types():
    waiter = Waited([task(0, "RUNNING", "create_vm\x1b[31m; password=hunter2", age=1,
                          data={"password": "hunter2", "name": "web-1"}),
                     task(1, None)])
    line = progress_line(waiter, IDS[:3], IDS[:3], now=NOW)
    assert line == "0/3 tasks ended; waiting on 3: task RUNNING for 1s, create_vm unread, task unread"
    assert not [task_id for task_id in IDS if task_id in line]


def test_the_last_line_says_every_task_ended():
    waiter = Waited([task(0, "FINISHED"), task(1, "ERROR")])
    assert progress_line(waiter, IDS[:2], [], now=NOW) == "2/2 tasks ended (1 ERROR)"


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_lines_are_written_when_the_ended_count_changes_and_every_interval_while_it_does_not(tmp_path):
    path = tmp_path / "progress.txt"
    clock = Clock()
    reporter = ProgressReporter(str(path), interval=10, clock=clock)
    waiter = Waited([task(0, "RUNNING"), task(1, "RUNNING")])
    rounds = [(0, IDS[:2]), (4, IDS[:2]), (9, IDS[:2]), (11, IDS[:2]), (12, IDS[1:2]), (13, IDS[1:2]),
              (22, IDS[1:2]), (23, [])]
    written = []
    for moment, pending in rounds:
        clock.now = moment
        reporter(waiter, IDS[:2], pending)
        written.append(len(path.read_text().splitlines()))
    assert written == [1, 1, 1, 2, 3, 3, 4, 5]
    assert path.read_text().splitlines()[-1] == "2/2 tasks ended"


def test_a_wait_done_at_its_first_round_writes_nothing(tmp_path):
    path = tmp_path / "progress.txt"
    ProgressReporter(str(path), interval=10)(Waited([task(0, "FINISHED")]), IDS[:1], [])
    assert not path.exists()


def test_a_file_that_cannot_be_written_turns_the_reporter_off_without_failing(tmp_path):
    reporter = ProgressReporter(str(tmp_path / "missing" / "progress.txt"), interval=10)
    reporter(Waited([task(0, "RUNNING")]), IDS[:1], IDS[:1])
    assert reporter.path is None


def test_no_reporter_without_an_action_plugin_or_with_interval_0(tmp_path):
    path = str(tmp_path / "progress.txt")
    assert progress_reporter(60, environ={}) is None
    assert progress_reporter(0, environ={PROGRESS_FILE_ENV: path}) is None
    assert progress_reporter(60, environ={PROGRESS_FILE_ENV: path}).path == path


def test_ages_are_measured_on_the_apis_clock_from_its_date_header_not_the_controllers():
    # The API's clock is 20 minutes behind the controller's: a task it made 30 s ago is 30 s old.
    api_now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    created = (api_now - datetime.timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    waiter = Waited([{"id": IDS[0], "state": "NEW", "task_type": "create_vm", "created_on": created}],
                    last_date=api_now.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    line = progress_line(waiter, IDS[:1], IDS[:1])
    assert line in ("0/1 tasks ended; waiting on 1: create_vm NEW for 30s",
                    "0/1 tasks ended; waiting on 1: create_vm NEW for 29s"), line  # the Date header drops the fraction


def test_without_a_date_header_ages_are_measured_from_the_newest_timestamp_the_api_returned():
    api_now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)

    def stamp(seconds):
        return (api_now - datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")

    waiter = Waited([{"id": IDS[0], "state": "RUNNING", "task_type": "create_vm", "created_on": stamp(100)},
                     {"id": IDS[1], "state": "FINISHED", "task_type": "create_vm", "created_on": stamp(90),
                      "updated_on": stamp(10), "finished_on": stamp(10)}])
    assert progress_line(waiter, IDS[:2], IDS[:1]) == "1/2 tasks ended; waiting on 1: create_vm RUNNING for 1m30s"
