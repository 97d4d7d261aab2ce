# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the benches in tests/bench share: the sandbox, a collections path, a measured run, a localhost setup,
the one-task create playbook and how a result table is published."""

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "sandbox"))

from gcore_sandbox import Sandbox  # noqa: E402

API_KEY = "bench-key"

# The last task of a create playbook: the IDs the task registered as created go to the file %(out)s.
HAND_IDS_ON = """\
    - name: Hand the IDs on
      ansible.builtin.copy:
        content: "{{ created.created_resources.volumes | to_json }}"
        dest: "%(out)s"
        mode: "0600"
"""

# One gcore_request task with all the bodies (vars), waited for; %(unique)s: an option line more (unique_by) or "".
REQUEST_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Create the volumes and wait for them, in one task
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        project_id: 1
        region_id: 76
        bodies: "{{ bodies }}"
        %(unique)s
        wait_sleep: %(interval)s
        wait_timeout: 600
      register: created
""" + HAND_IDS_ON


def collections_path(workdir):
    """An absolute collections path holding gcore.tasks: ANSIBLE_COLLECTIONS_PATH's, or a symlink tree."""
    configured = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if configured and (Path(configured) / "ansible_collections" / "gcore" / "tasks").exists():
        return str(Path(configured).resolve())
    namespace = workdir / "collections" / "ansible_collections" / "gcore"
    namespace.mkdir(parents=True)
    (namespace / "tasks").symlink_to(REPO)
    return str(workdir / "collections")


def run_measured(command, env, cwd):
    """Run a command; return (seconds, return time as epoch, peak RSS in MB, output)."""
    with tempfile.TemporaryFile() as output:
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
        _unused, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        returned = time.time()
        output.seek(0)
        text = output.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError("%s failed (%s):\n%s" % (command[0], process.returncode, text[-3000:]))
    return seconds, returned, usage.ru_maxrss / 1024.0, text


def playbook_env(workdir, sandbox, collections):
    """The environment of ansible-playbook runs in C(workdir) against C(sandbox), gcore.tasks from C(collections)."""
    return dict(os.environ, GCORE_API_KEY=API_KEY, GCORE_BASE_URL=sandbox.url, ANSIBLE_NOCOLOR="1",
                ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"), ANSIBLE_COLLECTIONS_PATH=collections,
                PYTHONPATH=collections)


@contextlib.contextmanager
def localhost_bench(**sandbox_options):
    """A temporary workdir holding inventory.ini (localhost, run by this Python) and a started sandbox of
    C(sandbox_options); yields (workdir, sandbox, env), env being that of ansible-playbook runs against the
    sandbox (see playbook_env and collections_path)."""
    with tempfile.TemporaryDirectory(prefix="gcore-bench-") as tmp, Sandbox(api_key=API_KEY, **sandbox_options) as sandbox:
        workdir = Path(tmp)
        (workdir / "inventory.ini").write_text(
            "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
        yield workdir, sandbox, playbook_env(workdir, sandbox, collections_path(workdir))


def command_line():
    """How this bench was run (python tests/bench/<script> <arguments>), for the table's footnote."""
    return ("python tests/bench/%s %s" % (Path(sys.argv[0]).name, " ".join(sys.argv[1:]))).strip()


def publish(table, path=None):
    """Print the result table; write it to C(path) (--markdown) too when given."""
    print(table)
    if path:
        Path(path).write_text(table)
