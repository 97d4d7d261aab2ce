# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark beside E100: the rerun of "create 100 volumes and have their IDs" with unique_by.

Rows (each an ansible-playbook run of one gcore_request task with 100 bodies, against the sandbox):
  r       E100's contender r: no unique_by, on an empty project (for comparison)
  u1      the same with unique_by: [name], on an empty project: one list read more, then as r
  u2      the rerun of u1: every volume found by its name, no POST, no wait
  u2+N    the rerun with N other volumes in the project (--others), named so the name filter keeps them out
  u2+N'   the rerun with N other volumes the name filter lets through (named e100-0-other-..., sharing the
          bodies' common prefix e100-0): every page is read, the comparison is done in the module

Every rerun must end holding the IDs the run u1 created (the bench fails otherwise); the reruns
must send no POST (counted by the sandbox), or the bench fails.

Usage: python tests/bench/bench_unique.py [--count 100] [--others 2500] [--markdown FILE]
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import (  # noqa: E402
    API_KEY, REQUEST_PLAYBOOK, Sandbox, collections_path, command_line, playbook_env, publish, run_measured)

CREATE_ROUTE = "POST /cloud/v1/volumes/{project_id}/{region_id}"
LIST_ROUTE = "GET /cloud/v1/volumes/{project_id}/{region_id}"


def run_row(label, sandbox, workdir, env, python, interval, unique, expect_posts):
    playbook = workdir / ("%s.yml" % label.replace("+", "_").replace("'", "x"))
    out = workdir / ("ids-%s.json" % label)
    playbook.write_text(REQUEST_PLAYBOOK % {"interval": interval, "out": out,
                                            "unique": "unique_by: [name]" if unique else ""})
    sandbox.reset_counters()
    command = [str(Path(python).parent / "ansible-playbook"), "-i", str(workdir / "inventory.ini"), str(playbook),
               "-e", "@" + str(workdir / "vars.json")]
    seconds, _unused, peak_mb, _unused = run_measured(command, env, str(workdir))
    counters = sandbox.counters()
    ids = json.loads(out.read_text())
    posts = counters["routes"].get(CREATE_ROUTE, 0)
    if posts != expect_posts:
        raise RuntimeError("%s sent %d POSTs, expected %d" % (label, posts, expect_posts))
    row = dict(label=label, wall=seconds, requests=counters["total"], posts=posts,
               lists=counters["routes"].get(LIST_ROUTE, 0), peak_mb=peak_mb, ids=ids)
    print("%-7s wall %7.2fs  requests %5d  POSTs %4d  list pages %3d  peak %6.1f MB" % (
        label, seconds, row["requests"], posts, row["lists"], peak_mb), flush=True)
    return row


def add_volumes(sandbox, names):
    """Create volumes straight through the API (not measured): the other volumes of a busy project."""
    from ansible_collections.gcore.tasks.plugins.module_utils._client import (  # pylint: disable=import-outside-toplevel
        GcoreClient)
    client = GcoreClient(API_KEY, api_url=sandbox.url)
    latency, sandbox.config["latency"] = sandbox.config["latency"], 0.0
    try:
        for name in names:
            client.call("POST", "/cloud/v1/volumes/1/76", json_body={"source": "new-volume", "name": name, "size": 1})
    finally:
        sandbox.config["latency"] = latency


def markdown(rows, options, command):
    out = ["| run | wall (s) | HTTP requests | POSTs | list pages | peak RSS (MB) |",
           "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        out.append("| %s | %.2f | %d | %d | %d | %.1f |" % (row["label"], row["wall"], row["requests"], row["posts"],
                                                            row["lists"], row["peak_mb"]))
    out += ["", "%d volumes, each task %ss after %ss queued, API answer latency %ss, poll interval %ss, "
            "%d other volumes in the busy rows. Command: `%s`" % (
                options.count, options.duration, options.queue, options.latency, options.interval, options.others,
                command)]
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--others", type=int, default=2500, help="other volumes in the project for the busy rows")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds each volume task runs")
    parser.add_argument("--queue", type=float, default=0.3, help="seconds each volume task stays NEW")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the API takes to answer")
    parser.add_argument("--markdown", help="write the result table to this file")
    options = parser.parse_args()
    python = sys.executable
    interval = int(options.interval) if options.interval == int(options.interval) else options.interval
    rows = []
    with tempfile.TemporaryDirectory(prefix="gcore-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "inventory.ini").write_text(
            "localhost ansible_connection=local ansible_python_interpreter=%s\n" % python)
        collections = collections_path(workdir)
        sys.path.insert(0, collections)
        bodies = [{"source": "new-volume", "name": "e100-%03d" % index, "size": 1} for index in range(options.count)]
        (workdir / "vars.json").write_text(json.dumps({"bodies": bodies}))
        timing = dict(api_key=API_KEY, volume_duration=options.duration, volume_queue=options.queue,
                      latency=options.latency)
        for label, others, unique, posts in (("r", None, False, options.count), ("u1", None, True, options.count)):
            with Sandbox(**timing) as sandbox:
                env = playbook_env(workdir, sandbox, collections)
                rows.append(run_row(label, sandbox, workdir, env, python, interval, unique, posts))
                if label == "u1":
                    first = rows[-1]["ids"]
                    rows.append(run_row("u2", sandbox, workdir, env, python, interval, True, 0))
                    add_volumes(sandbox, ["other-%05d" % index for index in range(options.others)])
                    rows.append(run_row("u2+%d" % options.others, sandbox, workdir, env, python, interval, True, 0))
                    add_volumes(sandbox, ["e100-0-other-%05d" % index for index in range(options.others)])
                    rows.append(run_row("u2+%d'" % options.others, sandbox, workdir, env, python, interval, True, 0))
                    for row in rows[-3:]:
                        if row["ids"] != first:
                            raise RuntimeError("%s returned other IDs than the run that created them" % row["label"])
    publish(markdown(rows, options, command_line()), options.markdown)


if __name__ == "__main__":
    main()
