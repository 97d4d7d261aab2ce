# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark E100: "create 100 volumes and have their IDs", three ways, against the bundled sandbox API.

Contenders (each must end holding the IDs of all the volumes it created, checked against the sandbox):
  r   gcore.tasks.gcore_request: one task with 100 bodies (one POST each), waiting for every task
  u   the usual playbook: ansible.builtin.uri looped over 100 POSTs, then gcore.tasks.gcore_task_wait
  s   the official SDK (gcore package): client.cloud.volumes.create_and_poll() in a loop

Every contender polls every --interval seconds (wait_sleep, polling_interval_seconds). The sandbox
answers each /cloud/ request after --latency seconds (the API's own answer time) and runs each
volume task for --duration seconds. Figures: wall time of the whole command, HTTP requests and
POSTs counted by the sandbox, peak RSS of the largest process.

Usage: python tests/bench/bench_request.py [--count 100] [--contenders r,u,s] [--markdown FILE]
       python tests/bench/bench_request.py --send-phase   (the sending alone: one at a time vs 8 at a time)
"""

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import API_KEY, HAND_IDS_ON, REQUEST_PLAYBOOK, command_line, localhost_bench, publish, run_measured  # noqa: E402

CREATE_PATH = "/cloud/v1/volumes/{project_id}/{region_id}"
CREATE_ROUTE = "POST " + CREATE_PATH

URI_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Ask for each volume
      ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'GCORE_BASE_URL') }}/cloud/v1/volumes/1/76"
        method: POST
        headers:
          Authorization: "APIKey {{ lookup('ansible.builtin.env', 'GCORE_API_KEY') }}"
        body_format: json
        body: "{{ item }}"
      loop: "{{ bodies }}"
      register: create
      no_log: true
    - name: Wait for every task
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ create | gcore.tasks.task_ids }}"
        wait_sleep: %(interval)s
        wait_timeout: 600
      register: created
""" + HAND_IDS_ON

SDK_SCRIPT = """
import json, os, sys
from gcore import Gcore
bodies = json.load(open(sys.argv[1]))["bodies"]
client = Gcore(api_key=os.environ["GCORE_API_KEY"], base_url=os.environ["GCORE_BASE_URL"],
               cloud_project_id=1, cloud_region_id=76)
ids = [client.cloud.volumes.create_and_poll(polling_interval_seconds=int(sys.argv[3]),
                                            polling_timeout_seconds=600, **body).id for body in bodies]
json.dump(ids, open(sys.argv[2], "w"))
"""

LABELS = {
    "r": "gcore_request, one task with the bodies",
    "u": "uri loop + gcore_task_wait",
    "s": "SDK create_and_poll in a loop",
}


def command_for(name, workdir, interval, vars_file, out, python):
    ansible_playbook = str(Path(python).parent / "ansible-playbook")
    inventory = str(workdir / "inventory.ini")
    if name in ("r", "u"):
        playbook = workdir / ("%s.yml" % name)
        text = REQUEST_PLAYBOOK if name == "r" else URI_PLAYBOOK
        playbook.write_text(text % {"interval": interval, "out": out, "unique": ""})
        return [ansible_playbook, "-i", inventory, str(playbook), "-e", "@" + str(vars_file)]
    if name == "s":
        script = workdir / "sdk_create.py"
        script.write_text(SDK_SCRIPT)
        return [python, str(script), str(vars_file), str(out), str(max(1, int(interval)))]
    raise ValueError(name)


def bench(sandbox, contenders, count, interval, env, workdir, python):
    rows = []
    bodies = [{"source": "new-volume", "name": "e100-%03d" % index, "size": 1} for index in range(count)]
    vars_file = workdir / "vars.json"
    vars_file.write_text(json.dumps({"bodies": bodies, "count": count}))
    for name in contenders:
        sandbox.reset_counters()
        out = workdir / ("ids-%s.json" % name)
        command = command_for(name, workdir, interval, vars_file, out, python)
        seconds, _unused, peak_mb, _unused = run_measured(command, env, str(workdir))
        counters = sandbox.counters()
        ids = json.loads(out.read_text())
        known = set(sandbox_volume_ids(sandbox))
        if len(ids) != count or len(set(ids)) != count or not set(ids) <= known:
            raise RuntimeError("%s ended without the %d created IDs: %d returned" % (name, count, len(ids)))
        posts = counters["routes"].get(CREATE_ROUTE, 0)
        if posts != count:
            raise RuntimeError("%s sent %d POSTs for %d bodies" % (name, posts, count))
        rows.append(dict(contender=name, wall=seconds, requests=counters["total"], posts=posts, peak_mb=peak_mb))
        print("E%d %-2s wall %7.2fs  requests %5d  POSTs %4d  peak %6.1f MB  (%s)" % (
            count, name, seconds, counters["total"], posts, peak_mb, LABELS[name]), flush=True)
    return rows


def bench_send_phase(sandbox, count):
    """The sending alone, in one process: the client's calls one at a time against POOL_MAXSIZE at a time."""
    from concurrent.futures import ThreadPoolExecutor  # pylint: disable=import-outside-toplevel
    from ansible_collections.gcore.tasks.plugins.module_utils._client import (  # pylint: disable=import-outside-toplevel
        POOL_MAXSIZE, GcoreClient)
    bodies = [{"source": "new-volume", "name": "send-%03d" % index, "size": 1} for index in range(count)]
    rows = []
    for workers in (1, POOL_MAXSIZE):
        client = GcoreClient(API_KEY, api_url=sandbox.url)
        sandbox.reset_counters()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda body: client.call("POST", "/cloud/v1/volumes/1/76", json_body=body), bodies))
        seconds = time.monotonic() - started
        connections = len(set(entry["client"] for entry in sandbox.requests()))
        rows.append((workers, seconds, sandbox.counters()["writes"], connections))
        print("send %d POSTs, %d at a time: %.2fs on %d connection(s)" % (count, workers, seconds, connections))
    return rows


def sandbox_volume_ids(sandbox):
    """Every volume ID the sandbox created (from its create_volume tasks)."""
    return [vol_id for task in map(sandbox.task, sandbox.task_ids()) if task["task_type"] == "create_volume"
            for vol_id in (task["created_resources"] or {}).get("volumes") or []]


def markdown(rows, count, options, command):
    out = ["| contender | wall (s) | HTTP requests | POSTs | peak RSS (MB) |", "|---|---:|---:|---:|---:|"]
    for row in rows:
        out.append("| %s (%s) | %.2f | %d | %d | %.1f |" % (
            row["contender"], LABELS[row["contender"]], row["wall"], row["requests"], row["posts"], row["peak_mb"]))
    by_name = dict((row["contender"], row) for row in rows)
    if "r" in by_name:
        out += ["", "| pair | wall ratio | request ratio |", "|---|---:|---:|"]
        mine = by_name["r"]
        for other in ("u", "s"):
            if other in by_name:
                theirs = by_name[other]
                out.append("| r vs %s | %.3f | %.3f |" % (
                    other, mine["wall"] / theirs["wall"], mine["requests"] / max(1, theirs["requests"])))
    out += ["", "E%d: %d volumes, each task %ss after %ss queued, API answer latency %ss, poll interval %ss. "
            "Command: `%s`" % (count, count, options.duration, options.queue, options.latency, options.interval,
                               command)]
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--contenders", default="r,u,s")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds each volume task runs")
    parser.add_argument("--queue", type=float, default=0.3, help="seconds each volume task stays NEW")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the API takes to answer")
    parser.add_argument("--markdown", help="write the result table to this file")
    parser.add_argument("--send-phase", action="store_true",
                        help="only time sending the POSTs in one process, one at a time against 8 at a time")
    options = parser.parse_args()
    contenders = [name.strip() for name in options.contenders.split(",") if name.strip()]
    python = sys.executable
    interval = int(options.interval) if options.interval == int(options.interval) else options.interval
    with localhost_bench(volume_duration=options.duration, volume_queue=options.queue,
                         latency=options.latency) as (workdir, sandbox, env):
        if options.send_phase:
            sys.path.insert(0, env["ANSIBLE_COLLECTIONS_PATH"])
            bench_send_phase(sandbox, options.count)
            return
        rows = bench(sandbox, contenders, options.count, interval, env, workdir, python)
    publish(markdown(rows, options.count, options, command_line()), options.markdown)


if __name__ == "__main__":
    main()
