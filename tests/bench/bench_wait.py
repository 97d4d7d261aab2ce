# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Side-by-side benchmark of ways to wait for Gcore tasks, against the bundled sandbox API.

Scenarios (seeded, the same for every contender; tasks are created just before each contender starts):
  W1     1 task of 3 s
  W100   100 tasks in one region, durations spread over 1-10 s
  W1000  1000 tasks, durations spread over 1-30 s
  B100   a busy account: 100 tasks of 5-10 s, with 2,500 finished tasks of the same type, project and
         region created just before them and 2,500 just after

Contenders, all polling every --interval seconds:
  a         gcore.tasks.gcore_task_wait with all IDs in one call, in ansible-playbook
  a-module  the same module run directly as one Python process (what the module itself costs)
  b         ansible.builtin.uri with until/retries/delay, looped over the IDs (W1 and W100 only)
  c         the official SDK (gcore package): client.cloud.tasks.poll() for each ID in turn

Figures: wall time, overhang (return time minus the moment the last task finished), HTTP requests
(the sandbox's counters), peak RSS of the largest process. Plus the cost of one gcore_task_info
task against one ansible.builtin.ping task in a playbook.

Usage: python tests/bench/bench_wait.py [--scenarios W1,W100,W1000] [--interval 1] [--markdown FILE]
Needs ansible-core, requests and (for contender c) the gcore SDK; gcore.tasks comes from ANSIBLE_COLLECTIONS_PATH or this checkout.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
from pathlib import Path

from _common import REPO, command_line, localhost_bench, publish, run_measured

SCENARIOS = {
    "W1": dict(count=1, low=3.0, high=3.0),
    "W100": dict(count=100, low=1.0, high=10.0),
    "W1000": dict(count=1000, low=1.0, high=30.0),
    "B100": dict(count=100, low=5.0, high=10.0, crowd=2500),
}
PLAYBOOK_CONTENDERS = {"W1": ("a", "a-module", "b", "c"), "W100": ("a", "a-module", "b", "c"),
                       "W1000": ("a", "a-module", "c"), "B100": ("a", "a-module", "c")}

WAIT_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_sleep: %(interval)s
        wait_timeout: 600
"""

URI_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'GCORE_BASE_URL') }}/cloud/v1/tasks/{{ item }}"
        headers:
          Authorization: "APIKey {{ lookup('ansible.builtin.env', 'GCORE_API_KEY') }}"
      register: polled
      until: polled.json.state in ['FINISHED', 'ERROR']
      retries: 600
      delay: %(interval)s
      loop: "{{ ids }}"
"""

SDK_SCRIPT = """
import json, os, sys
from gcore import Gcore
ids = json.load(open(sys.argv[1]))
client = Gcore(api_key=os.environ["GCORE_API_KEY"], base_url=os.environ["GCORE_BASE_URL"])
for task_id in ids:
    client.cloud.tasks.poll(task_id, polling_interval_seconds=int(sys.argv[2]), polling_timeout_seconds=600)
"""

COST_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
%s
"""


def last_finish_epoch(sandbox, task_ids):
    latest = None
    for task_id in task_ids:
        finished = sandbox.task(task_id)["finished_on"]
        moment = datetime.datetime.fromisoformat(finished).replace(tzinfo=datetime.timezone.utc).timestamp()
        latest = moment if latest is None else max(latest, moment)
    return latest


def seed(sandbox, scenario, rng):
    """Seed the scenario's waited tasks (and its crowd of finished neighbours); return the waited IDs."""
    spec = SCENARIOS[scenario]
    durations = [rng.uniform(spec["low"], spec["high"]) for _unused in range(spec["count"])]
    neighbour = {"task_type": "create_volume", "duration": 0, "project_id": 1, "region_id": 76}
    if spec.get("crowd"):
        sandbox.add_tasks([neighbour] * spec["crowd"])
    task_ids = sandbox.add_tasks([dict(neighbour, duration=d) for d in durations])
    if spec.get("crowd"):
        sandbox.add_tasks([neighbour] * spec["crowd"])
        sandbox.reset_counters()
    return task_ids


def contender_command(name, workdir, interval, ids_file, python):
    ansible_playbook = str(Path(python).parent / "ansible-playbook")
    inventory = workdir / "inventory.ini"
    if name == "a":
        playbook = workdir / "wait.yml"
        playbook.write_text(WAIT_PLAYBOOK % {"interval": interval})
        return [ansible_playbook, "-i", str(inventory), str(playbook), "-e", "@" + str(ids_file)]
    if name == "a-module":
        args = workdir / "module-args.json"
        ids = json.loads(ids_file.read_text())["ids"]
        args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"task_ids": ids, "wait_sleep": interval,
                                                            "wait_timeout": 600}}))
        return [python, str(REPO / "plugins" / "modules" / "gcore_task_wait.py"), str(args)]
    if name == "b":
        playbook = workdir / "uri.yml"
        playbook.write_text(URI_PLAYBOOK % {"interval": interval})
        return [ansible_playbook, "-i", str(inventory), str(playbook), "-e", "@" + str(ids_file)]
    if name == "c":
        script = workdir / "sdk_poll.py"
        script.write_text(SDK_SCRIPT)
        plain_ids = workdir / "ids-plain.json"
        plain_ids.write_text(json.dumps(json.loads(ids_file.read_text())["ids"]))
        return [python, str(script), str(plain_ids), str(int(interval))]
    raise ValueError(name)


def bench_waits(sandbox, scenarios, interval, seed_value, env, workdir, python):
    rows = []
    for scenario in scenarios:
        for name in PLAYBOOK_CONTENDERS[scenario]:
            rng = random.Random("%s-%s" % (seed_value, scenario))
            sandbox.reset()
            task_ids = seed(sandbox, scenario, rng)
            ids_file = workdir / "ids.json"
            ids_file.write_text(json.dumps({"ids": task_ids}))
            command = contender_command(name, workdir, interval, ids_file, python)
            seconds, returned, peak_mb, _unused = run_measured(command, env, str(workdir))
            counters = sandbox.counters()
            overhang = returned - last_finish_epoch(sandbox, task_ids)
            rows.append(dict(scenario=scenario, contender=name, wall=seconds, overhang=overhang,
                             requests=counters["total"], peak_mb=peak_mb))
            print("%-6s %-9s wall %7.2fs  overhang %6.2fs  requests %6d  peak %6.1f MB" % (
                scenario, name, seconds, overhang, counters["total"], peak_mb), flush=True)
    return rows


PROBE_MODULE = """
%s
from ansible.module_utils.basic import AnsibleModule


def main():
    AnsibleModule(argument_spec=dict(task_ids=dict(type="list", elements="str"))).exit_json(changed=False)


if __name__ == "__main__":
    main()
"""


def probe_collection(workdir):
    """A throw-away collection bench.probe with two do-nothing modules, one of which imports requests."""
    root = workdir / "probe-collections"
    plugins = root / "ansible_collections" / "bench" / "probe" / "plugins" / "modules"
    plugins.mkdir(parents=True)
    (plugins.parents[1] / "galaxy.yml").write_text("namespace: bench\nname: probe\nversion: 1.0.0\n")
    (plugins / "plain.py").write_text(PROBE_MODULE % "")
    (plugins / "with_requests.py").write_text(PROBE_MODULE % "import requests  # noqa: F401")
    return str(root)


def bench_task_cost(sandbox, env, workdir, python, tasks=20, repeats=3):
    """Seconds per playbook task of gcore_task_info (one task ID) against ansible.builtin.ping.

    Two controls isolate the price of the requests library: a collection module that does
    nothing, and the same module with only `import requests` added.
    """
    sandbox.reset()
    task_id = sandbox.add_task(duration=0)
    ansible_playbook = str(Path(python).parent / "ansible-playbook")
    env = dict(env, ANSIBLE_COLLECTIONS_PATH=env["ANSIBLE_COLLECTIONS_PATH"] + os.pathsep + probe_collection(workdir))
    bodies = {
        "empty": "    - ansible.builtin.meta: noop\n",
        "ansible.builtin.ping": "    - ansible.builtin.ping:\n" * tasks,
        "do-nothing collection module": "    - bench.probe.plain: {task_ids: [x]}\n" * tasks,
        "do-nothing module + import requests": "    - bench.probe.with_requests: {task_ids: [x]}\n" * tasks,
        "gcore.tasks.gcore_task_info (one task ID)": (
            "    - gcore.tasks.gcore_task_info:\n        task_ids: ['%s']\n" % task_id) * tasks,
    }
    timings = {}
    for number, (name, body) in enumerate(bodies.items()):
        playbook = workdir / ("cost-%d.yml" % number)
        playbook.write_text(COST_PLAYBOOK % body)
        command = [ansible_playbook, "-i", str(workdir / "inventory.ini"), str(playbook)]
        timings[name] = statistics.median(run_measured(command, env, str(workdir))[0] for _unused in range(repeats))
    empty = timings.pop("empty")
    per_task = dict((name, (seconds - empty) / tasks) for name, seconds in timings.items())
    ping = per_task["ansible.builtin.ping"]
    for name, seconds in per_task.items():
        print("per task: %-42s %.3fs  %.2fx ping" % (name, seconds, seconds / ping))
    return dict(per_task=per_task, ping=ping, tasks=tasks, repeats=repeats)


def ratio_lines(rows):
    by_key = dict(((row["scenario"], row["contender"]), row) for row in rows)
    lines = []
    for scenario in ("W1", "W100", "W1000", "B100"):
        mine = by_key.get((scenario, "a"))
        if not mine:
            continue
        for other in ("b", "c"):
            theirs = by_key.get((scenario, other))
            if theirs:
                lines.append("| %s | a vs %s | %.2f | %.3f |" % (
                    scenario, other, mine["wall"] / theirs["wall"], mine["requests"] / max(1, theirs["requests"])))
    return lines


def markdown(rows, cost, interval, command):
    out = ["| scenario | contender | wall (s) | overhang (s) | HTTP requests | peak RSS (MB) |",
           "|---|---|---:|---:|---:|---:|"]
    for row in rows:
        out.append("| %s | %s | %.2f | %.2f | %d | %.1f |" % (
            row["scenario"], row["contender"], row["wall"], row["overhang"], row["requests"], row["peak_mb"]))
    out += ["", "Ratios (a = gcore_task_wait in a playbook):", "",
            "| scenario | pair | wall ratio | request ratio |", "|---|---|---:|---:|"]
    out += ratio_lines(rows)
    if cost:
        out += ["", "Cost of one task in a playbook (median of %d runs of %d tasks, minus an empty playbook):" % (
            cost["repeats"], cost["tasks"]), "", "| task | seconds per task | vs ping |", "|---|---:|---:|"]
        out += ["| %s | %.3f | %.2fx |" % (name, seconds, seconds / cost["ping"])
                for name, seconds in cost["per_task"].items()]
    out += ["", "Poll interval %ss for every contender. Command: `%s`" % (interval, command)]
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default="W1,W100,W1000,B100")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--seed", default="7")
    parser.add_argument("--no-cost", action="store_true", help="skip the ping/info cost comparison")
    parser.add_argument("--markdown", help="write the result table to this file")
    parser.add_argument("--json", help="write the raw figures to this file")
    options = parser.parse_args()
    scenarios = [name.strip() for name in options.scenarios.split(",") if name.strip()]
    python = sys.executable
    interval = int(options.interval) if options.interval == int(options.interval) else options.interval
    with localhost_bench() as (workdir, sandbox, env):
        rows = bench_waits(sandbox, scenarios, interval, options.seed, env, workdir, python)
        cost = None if options.no_cost else bench_task_cost(sandbox, env, workdir, python)
    publish(markdown(rows, cost, interval, command_line()), options.markdown)
    if options.json:
        Path(options.json).write_text(json.dumps(dict(rows=rows, cost=cost), indent=2))


if __name__ == "__main__":
    main()
