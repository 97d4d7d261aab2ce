# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API's clock, not the controller's: gcore_task_info's api_date and the ages in progress lines."""

import datetime
import re

import pytest

from gcore_e2e import base_args, run_module
from test_wait_output import LONG_WAIT

BEHIND = -1200  # the API's clock 20 minutes behind the controller's
AGE = re.compile(r" for (\S+)")


@pytest.fixture
def sandbox(request_clock_sandbox):
    """The sandbox on a request clock: the k8s task stays RUNNING for its next 8 requests however
    slowly the machine starts ansible-playbook, so the wait has rounds to report."""
    return request_clock_sandbox


def test_task_info_returns_the_apis_date_header_as_api_date_on_the_apis_clock(sandbox, collections_path):
    sandbox.configure(clock_offset=BEHIND)
    ids = sandbox.add_tasks([{"duration": 0}])
    run = run_module(collections_path, "gcore_task_info", base_args(sandbox, task_ids=ids))
    assert not run.failed, run
    api_date = datetime.datetime.strptime(run.result["api_date"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    api_now = datetime.datetime.fromtimestamp(sandbox.api_now(), datetime.timezone.utc)
    controller_now = datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(0) <= api_now - api_date < datetime.timedelta(minutes=2), (api_date, api_now)
    assert controller_now - api_date > datetime.timedelta(minutes=18), "the API's clock, not the controller's"


def test_progress_lines_age_fresh_tasks_in_seconds_when_the_apis_clock_is_20_minutes_behind(run_playbook, sandbox):
    sandbox.configure(clock_offset=BEHIND)
    ids = sandbox.add_tasks([
        {"task_type": "create_k8s_cluster_v2", "duration": 8},
        {"task_type": "create_vm", "duration": 0, "outcome": "ERROR", "error": "Quota exceeded: cores"},
    ])
    run = run_playbook(LONG_WAIT, extra_vars={"ids": ids, "progress_interval": 1})
    assert run.rc == 2, run.stdout + run.stderr
    lines = [line for line in run.stdout.splitlines() if "gcore_task_wait:" in line and "waiting on" in line]
    assert lines, run.stdout
    ages = [age for line in lines for age in AGE.findall(line)]
    assert ages and all(re.match(r"\A\d+s\Z", age) for age in ages), lines  # seconds, never 20m00s
