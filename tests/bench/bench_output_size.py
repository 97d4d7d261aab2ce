# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a person reads of a failed run at default verbosity: bytes of ansible-playbook's stdout (#15 point 7).

Rows (each an ansible-playbook run against the sandbox):
  request  gcore_request over 100 volume bodies, the last one refused (422): 99 calls accepted and waited for
  wait     gcore_task_wait over 100 create_vm tasks, one of which ends in ERROR

With -v, the size of each key of the failed result as the default callback prints it, largest first.
tests/e2e/test_wait_output.py holds both under 40 KB.

Usage: PYTHONPATH=build/collections ANSIBLE_COLLECTIONS_PATH=build/collections \\
       .venv/bin/python tests/bench/bench_output_size.py [-v]
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))

from gcore_sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

KEY = "bench-output-key"
REQUEST = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Create the volumes
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        project_id: 1
        region_id: 76
        bodies: "{{ bodies }}"
        wait_sleep: 0.3
"""
WAIT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Wait for the tasks
      gcore.tasks.gcore_task_wait:
        task_ids: "{{ ids }}"
        wait_sleep: 0.2
"""


def play(sandbox, text, extra):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "play.yml"
        path.write_text(textwrap.dedent(text))
        inventory = Path(tmp) / "inventory"
        inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
        env = dict(os.environ, GCORE_API_KEY=KEY, GCORE_BASE_URL=sandbox.url, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_LOCAL_TEMP=str(Path(tmp) / "local"), ANSIBLE_HOME=str(Path(tmp) / "home"))
        command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(path),
                   "-e", json.dumps(extra)]
        return subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp, check=False)


def show(name, run, verbose):
    size = len(run.stdout.encode("utf-8"))
    print("%-8s rc=%d stdout=%d bytes (%.1f KB)" % (name, run.returncode, size, size / 1024.0))
    if verbose:
        line = [text for text in run.stdout.splitlines() if text.startswith("fatal:")][0]
        result = json.loads(line.split("=> ", 1)[1])
        for key, value in sorted(result.items(), key=lambda item: -len(json.dumps(item[1]))):
            print("   %-28s %6d" % (key, len(json.dumps(value))))


def main():
    verbose = "-v" in sys.argv[1:]
    with Sandbox(api_key=KEY, volume_duration=0.5, volume_queue=0.1) as sandbox:
        bodies = [dict(source="new-volume", name="data-%03d" % index, size=1) for index in range(99)]
        bodies.append(dict(source="new-volume", name="reject-100", size=1))
        show("request", play(sandbox, REQUEST, {"bodies": bodies}), verbose)
        ids = sandbox.add_tasks([{"task_type": "create_vm", "duration": 0} for _unused in range(99)])
        bad = sandbox.add_task(task_type="create_vm", duration=0, outcome="ERROR", error="Quota exceeded: cores 4 of 4")
        show("wait", play(sandbox, WAIT, {"ids": ids[:50] + [bad] + ids[50:]}), verbose)


if __name__ == "__main__":
    main()
