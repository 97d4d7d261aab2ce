# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: tear down a stack, gcore_cleanup against the hand-written ordered rescue, on the bundled sandbox.

The stack (built through the API before each contender, not timed): 1 network, 1 subnet, 10 volumes,
5 instances on the subnet (5 of the volumes attached, one to each), 5 floating IPs on the instances'
ports, 1 load balancer on the subnet. The sandbox refuses a wrong order (409), as the API does.

Contenders (each gets the same created_resources dict and must leave none of its resources behind):
  c   gcore.tasks.gcore_cleanup: one task
  h   the hand-written ordered rescue: one gcore.tasks.gcore_request DELETE per item, each waited for,
      in one loop per kind in dependency order (load balancers, instances, floating IPs, volumes,
      subnets, networks)

Both use the collection's default poll policy unless --interval is given. The sandbox runs each
task for the kind's multiple of --duration (instances 2x, load balancers 3x) after --queue seconds
queued, and answers each /cloud/ request after --latency seconds. Figures: wall time of the whole
ansible-playbook command, HTTP requests and DELETEs counted by the sandbox, and the ratio c / h.

Usage: python tests/bench/bench_cleanup.py [--contenders c,h] [--duration 2] [--markdown FILE]
"""

import argparse
import json
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "e2e"))

from _common import API_KEY, command_line, localhost_bench, publish, run_measured  # noqa: E402
from play_helpers import localhost_play  # noqa: E402

# (kind, its DELETE path under /cloud/) in the order a hand-written rescue must delete them.
ORDER = (
    ("loadbalancers", "/cloud/v1/loadbalancers"),
    ("instances", "/cloud/v1/instances"),
    ("floatingips", "/cloud/v1/floatingips"),
    ("volumes", "/cloud/v1/volumes"),
    ("subnets", "/cloud/v1/subnets"),
    ("networks", "/cloud/v1/networks"),
)

CLEANUP_TASKS = """\
- name: Delete the stack in one step
  gcore.tasks.gcore_cleanup:
    created: "{{ created }}"
"""

HAND_TASK = """\
- name: Delete the %(kind)s, one at a time, each waited for
  gcore.tasks.gcore_request:
    method: DELETE
    path: %(path)s/{project_id}/{region_id}/{{ item }}
  loop: "{{ created.%(kind)s | default([]) }}"
"""

LABELS = {
    "c": "gcore_cleanup, one task",
    "h": "hand-written ordered rescue: a gcore_request DELETE per item, waited, looped per kind",
}


def playbook(name, interval):
    defaults = dict(wait_timeout=900, wait_sleep=interval) if interval else dict(wait_timeout=900)
    if name == "c":
        return localhost_play(CLEANUP_TASKS, **defaults)
    if name == "h":
        return localhost_play("".join(HAND_TASK % {"kind": kind, "path": path} for kind, path in ORDER), **defaults)
    raise ValueError(name)


class Api(object):
    """Just enough of the API to build the stack: create, wait for the task, return what it created."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.headers["Authorization"] = "APIKey " + API_KEY

    def create_many(self, path, bodies):
        task_ids = []
        for body in bodies:
            answer = self.session.post(self.sandbox.url + path, json=body, timeout=30)
            answer.raise_for_status()
            task_ids.extend(answer.json()["tasks"])
        tasks = []
        for task_id in task_ids:
            while self.sandbox.task(task_id)["state"] not in ("FINISHED", "ERROR"):
                time.sleep(0.05)
            task = self.sandbox.task(task_id)
            if task["state"] != "FINISHED":
                raise RuntimeError("building the stack failed: %s" % task["error"])
            tasks.append(task)
        return tasks


def build_stack(sandbox):
    """Create the stack; return its created_resources dict (what a rescue gets)."""
    api = Api(sandbox)
    network = api.create_many("/cloud/v1/networks/1/76", [{"name": "bench-net"}])[0]
    network_id = network["created_resources"]["networks"][0]
    subnet = api.create_many("/cloud/v1/subnets/1/76", [{"name": "bench-subnet", "network_id": network_id,
                                                         "cidr": "10.20.0.0/24"}])[0]
    subnet_id = subnet["created_resources"]["subnets"][0]
    volumes = api.create_many("/cloud/v1/volumes/1/76", [{"source": "new-volume", "name": "bench-data-%02d" % index,
                                                          "size": 1} for index in range(10)])
    volume_ids = [task["created_resources"]["volumes"][0] for task in volumes]
    instances = api.create_many("/cloud/v2/instances/1/76", [{
        "name": "bench-vm-%d" % index, "flavor": "g1-standard-1-2",
        "interfaces": [{"type": "subnet", "network_id": network_id, "subnet_id": subnet_id}],
        "volumes": [{"source": "image", "size": 1, "boot_index": 0, "delete_on_termination": True},
                    {"source": "existing-volume", "volume_id": volume_ids[index]}]} for index in range(5)])
    ports = [task["created_resources"]["ports"][0] for task in instances]
    floating_ips = api.create_many("/cloud/v1/floatingips/1/76", [{"port_id": port} for port in ports])
    balancer = api.create_many("/cloud/v1/loadbalancers/1/76", [{
        "name": "bench-lb", "vip_subnet_id": subnet_id,
        "listeners": [{"name": "http", "protocol": "HTTP", "protocol_port": 80}]}])[0]
    return {
        "loadbalancers": balancer["created_resources"]["loadbalancers"],
        "instances": [task["created_resources"]["instances"][0] for task in instances],
        "floatingips": [task["created_resources"]["floatingips"][0] for task in floating_ips],
        "volumes": volume_ids,
        "subnets": [subnet_id],
        "networks": [network_id],
    }


def bench(sandbox, contenders, interval, env, workdir, python, repeat):
    rows = []
    ansible_playbook = str(Path(python).parent / "ansible-playbook")
    for name in contenders:
        path = workdir / ("%s.yml" % name)
        path.write_text(playbook(name, interval))
        for _unused in range(repeat):
            sandbox.reset()
            created = build_stack(sandbox)
            vars_file = workdir / "created.json"
            vars_file.write_text(json.dumps({"created": created}))
            sandbox.reset_counters()
            command = [ansible_playbook, "-i", str(workdir / "inventory.ini"), str(path), "-e", "@" + str(vars_file)]
            seconds, _unused, _unused, _unused = run_measured(command, env, str(workdir))
            left = [res for res in sandbox.resources()
                    if any(res["id"] in ids for ids in created.values())]
            if left:
                raise RuntimeError("%s left %d resource(s): %s" % (name, len(left), [r["id"] for r in left]))
            counters = sandbox.counters()
            deletes = sum(count for route, count in counters["routes"].items() if route.startswith("DELETE "))
            conflicts = len([1 for entry in sandbox.timeline() if entry["status"] == 409])
            rows.append(dict(contender=name, wall=seconds, requests=counters["total"], deletes=deletes,
                             conflicts=conflicts))
            print("%-2s wall %7.2fs  requests %4d  DELETEs %3d  409s %d  (%s)" % (
                name, seconds, counters["total"], deletes, conflicts, LABELS[name]), flush=True)
    return rows


def markdown(rows, options, command):
    out = ["| contender | wall (s) | HTTP requests | DELETEs | 409 answers |", "|---|---:|---:|---:|---:|"]
    best = {}
    for row in rows:
        out.append("| %s (%s) | %.2f | %d | %d | %d |" % (row["contender"], LABELS[row["contender"]], row["wall"],
                                                          row["requests"], row["deletes"], row["conflicts"]))
        if row["contender"] not in best or row["wall"] < best[row["contender"]]["wall"]:
            best[row["contender"]] = row
    if "c" in best and "h" in best:
        out += ["", "| pair | wall ratio | request ratio |", "|---|---:|---:|",
                "| c vs h | %.3f | %.3f |" % (best["c"]["wall"] / best["h"]["wall"],
                                              best["c"]["requests"] / max(1, best["h"]["requests"]))]
    out += ["", "Stack: 1 network, 1 subnet, 10 volumes (5 attached), 5 instances, 5 floating IPs, 1 load balancer. "
            "Tasks: %ss per volume/network/subnet/floating IP, 2x for instances, 3x for the load balancer, after %ss "
            "queued; API answer latency %ss; poll policy %s. Command: `%s`" % (
                options.duration, options.queue, options.latency,
                "fixed %ss" % options.interval if options.interval else "the collection's default", command)]
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contenders", default="c,h")
    parser.add_argument("--interval", type=float, help="fixed wait_sleep for both (default: the poll policy)")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds a volume's delete task runs")
    parser.add_argument("--queue", type=float, default=0.3, help="seconds each task stays NEW")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the API takes to answer")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender (the table shows each)")
    parser.add_argument("--markdown", help="write the result table to this file")
    options = parser.parse_args()
    contenders = [name.strip() for name in options.contenders.split(",") if name.strip()]
    python = sys.executable
    with localhost_bench(volume_duration=options.duration, volume_queue=options.queue,
                         latency=options.latency) as (workdir, sandbox, env):
        rows = bench(sandbox, contenders, options.interval, env, workdir, python, options.repeat)
    publish(markdown(rows, options, command_line()), options.markdown)


if __name__ == "__main__":
    main()
