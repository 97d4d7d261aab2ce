# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet benchmark (issue #18): many hosts on one account, crowded regions, acknowledgements at scale.

Scenarios, each against a fresh sandbox:
  W25     one gcore_task_wait (module process) on 25 tasks of 2-10 s in one region, wait_sleep 1
  W25C    the same in a region that also holds 1,000 other active tasks of the same type
  F3      40 hosts x gcore_request of 3 volumes (ansible-playbook, 40 forks), default options
  F3T     the same under an account-wide limit of 10 requests/s (429 with Retry-After)
  F25     40 hosts x 25 volumes of 8 s, one project per host, wait_sleep 1
  F25C    40 hosts x 25 volumes of 8 s in one region holding 1,000 other active tasks, wait_sleep 1
  A1000   gcore_task_ack of 1,000 tasks (module process), each answer after --ack-latency seconds

Figures: hosts that succeeded, wall time, requests (total, per host, task reads, writes, 429s)
counted by the sandbox, and for the waits the issue's bound 25 + 2 x rounds + 10 per wait.

Usage: python tests/bench/bench_fleet.py [--scenarios W25,W25C,...] [--collection PATH] [--markdown FILE]
--collection runs another checkout of gcore.tasks (e.g. `git archive main | tar -x -C /tmp/before`)
for before/after figures; the default is this checkout (or ANSIBLE_COLLECTIONS_PATH's).
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from fleet_helpers import (  # noqa: E402
    API_KEY,
    CREATE_ROUTE,
    Fleet,
    bodies_yaml,
    collections_tree,
    crowd,
    rate_limit,
    start_sandbox,
    task_reads,
    timeline,
    wait_bound,
)
from gcore_e2e import run_module  # noqa: E402

HOSTS = 40
SCENARIOS = ("W25", "W25C", "F3", "F3T", "F25", "F25C", "A1000")


def volumes_playbook(count, per_host_project, sleep=None):
    project = "{{ inventory_hostname[1:] | int }}" if per_host_project else "1"
    return """
- hosts: fleet
  gather_facts: false
  tasks:
    - name: Create
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        project_id: "%s"
        region_id: 76
%s        bodies:
%s
""" % (project, "        wait_sleep: %s\n" % sleep if sleep else "", bodies_yaml(count))


def fleet_figures(name, workdir, collections, count, per_host_project=False, limit=None, crowded=False, sleep=None,
                  duration=2.0):
    sandbox = start_sandbox(volume_duration=duration, volume_queue=0.3)
    try:
        if crowded:
            crowd(sandbox, 1000, 1, 76, spread=60.0)
            sandbox.reset_counters()
        if limit:
            rate_limit(sandbox, limit)
        Path(workdir, name).mkdir()
        fleet = Fleet(Path(workdir) / name, sandbox, collections, hosts=HOSTS)
        process, results = fleet.run(volumes_playbook(count, per_host_project, sleep), timeout=1800)
        by_host = results.get("Create", {})
        ok = [entry["result"] for entry in by_host.values() if entry["status"] == "ok"]
        failures = sorted(set(entry["result"].get("msg", "")[:200] for entry in by_host.values()
                              if entry["status"] != "ok"))[:1]
        counters = sandbox.counters()
        log = timeline(sandbox)
        bound = None
        if sleep:
            bound = sum(wait_bound(count, result.get("elapsed", 0), sleep) for result in ok)
        return dict(scenario=name, hosts=HOSTS, ok=len(ok), wall=round(process.wall, 1), total=counters["total"],
                    per_host=round(counters["total"] / float(HOSTS), 1), task_reads=task_reads(sandbox),
                    writes=counters["routes"].get(CREATE_ROUTE, 0),
                    throttled=sum(1 for entry in log if entry["status"] == 429), bound=bound, failures=failures,
                    routes=dict((route, number) for route, number in counters["routes"].items()
                                if route.startswith("GET /cloud/v1/tasks")))
    finally:
        sandbox.stop()


def wait_figures(name, collections, crowded):
    sandbox = start_sandbox()
    try:
        if crowded:
            crowd(sandbox, 1000, 1, 76, spread=0.0)
        task_ids = sandbox.add_tasks([{"duration": 2.0 + 8.0 * number / 24, "project_id": 1, "region_id": 76}
                                      for number in range(25)])
        sandbox.reset_counters()
        started = time.monotonic()
        run = run_module(collections, "gcore_task_wait", dict(api_key=API_KEY, api_url=sandbox.url, task_ids=task_ids,
                                                              wait_sleep=1, wait_timeout=120), timeout=300)
        wall = time.monotonic() - started
        return dict(scenario=name, hosts=1, ok=int(not run.failed), wall=round(wall, 1),
                    total=sandbox.counters()["total"], per_host=sandbox.counters()["total"],
                    task_reads=task_reads(sandbox), writes=0, throttled=0, bound=wait_bound(25, run.result.get("elapsed", 0), 1.0))
    finally:
        sandbox.stop()


def ack_figures(collections, latency):
    sandbox = start_sandbox()
    try:
        task_ids = sandbox.add_tasks([{"duration": 0}] * 1000)
        sandbox.configure(latency=latency)
        started = time.monotonic()
        run = run_module(collections, "gcore_task_ack", dict(api_key=API_KEY, api_url=sandbox.url, task_ids=task_ids),
                         timeout=600)
        wall = time.monotonic() - started
        acked = sum(1 for task_id in task_ids if sandbox.task(task_id)["acknowledged_at"])
        return dict(scenario="A1000", hosts=1, ok=int(not run.failed and acked == 1000), wall=round(wall, 1),
                    total=sandbox.counters()["total"], per_host=sandbox.counters()["total"],
                    task_reads=task_reads(sandbox), writes=0, throttled=0, bound=None)
    finally:
        sandbox.stop()


COLUMNS = ("scenario", "hosts", "ok", "wall", "total", "per_host", "task_reads", "writes", "throttled", "bound")


def markdown(rows, label):
    lines = ["| %s |" % " | ".join(COLUMNS), "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| %s |" % " | ".join("" if row.get(column) is None else str(row[column]) for column in COLUMNS))
    return "%s\n\n%s\n" % (label, "\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--collection", help="a gcore.tasks checkout to run (default: this one)")
    parser.add_argument("--ack-latency", type=float, default=0.06, help="seconds per answer in A1000")
    parser.add_argument("--markdown", help="append the table to this file")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-fleet-")
    repo = Path(args.collection).resolve() if args.collection else REPO
    collections = collections_tree(workdir, repo)
    rows = []
    for name in args.scenarios.split(","):
        if name in ("W25", "W25C"):
            row = wait_figures(name, collections, crowded=name == "W25C")
        elif name == "A1000":
            row = ack_figures(collections, args.ack_latency)
        elif name in ("F3", "F3T"):
            row = fleet_figures(name, workdir, collections, 3, limit=10 if name == "F3T" else None)
        elif name in ("F25", "F25C"):
            row = fleet_figures(name, workdir, collections, 25, per_host_project=name == "F25", crowded=name == "F25C",
                                sleep=1, duration=8.0)
        else:
            parser.error("unknown scenario %s" % name)
        rows.append(row)
        print(json.dumps(row), flush=True)
    table = markdown(rows, args.label or "gcore.tasks at %s" % repo)
    print(table)
    if args.markdown:
        with open(args.markdown, "a") as sink:
            sink.write(table + "\n")


if __name__ == "__main__":
    main()
