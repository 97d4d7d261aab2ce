# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run playbooks the way an AWX job does: ansible-runner, a private data dir, injected credentials."""

import os
import shutil
import sys
from pathlib import Path

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE = REPO / "extensions" / "awx" / "credential_type.yml"
EXAMPLES = REPO / "examples"


def load_credential_type():
    """The credential type shipped with the collection (name, inputs, injectors)."""
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def credential_env(inputs):
    """The environment AWX injects for a credential of our type: each injector rendered with the inputs.

    AWX renders injector templates in a sandboxed Jinja environment with the credential's inputs
    as variables; an input left empty renders as an empty string.
    """
    credential_type = load_credential_type()
    fields = {field["id"] for field in credential_type["inputs"]["fields"]}
    assert set(inputs) <= fields, "unknown credential inputs: %s" % sorted(set(inputs) - fields)
    missing = [name for name in credential_type["inputs"].get("required", []) if not inputs.get(name)]
    assert not missing, "required credential inputs missing: %s" % missing
    jinja = ImmutableSandboxedEnvironment()
    return {name: jinja.from_string(template).render(**inputs)
            for name, template in credential_type["injectors"]["env"].items()}


class RunnerJob(object):
    """One finished ansible-runner job: its status, rc and every event."""

    def __init__(self, runner):
        self.runner = runner
        self.status = runner.status
        self.rc = runner.rc
        self.events = list(runner.events)

    def task_results(self, task_name, event="runner_on_ok"):
        """event_data of every result event of the task with that name."""
        return [e["event_data"] for e in self.events
                if e.get("event") == event and e["event_data"].get("task") == task_name]

    def result(self, task_name, event="runner_on_ok"):
        """The module result (event_data.res) of the last such event of that task."""
        matches = self.task_results(task_name, event)
        ran = sorted({e["event_data"].get("task") for e in self.events if e["event_data"].get("task")})
        assert matches, "no %s event for task %r; tasks seen: %s" % (event, task_name, ran)
        return matches[-1]["res"]

    @property
    def artifact_data(self):
        """What the job set_stats'ed: artifact_data of the playbook_on_stats event, as AWX reads it."""
        stats = [e for e in self.events if e.get("event") == "playbook_on_stats"]
        assert len(stats) == 1, "expected one playbook_on_stats event, got %d" % len(stats)
        return stats[0]["event_data"].get("artifact_data", {})

    def failures(self):
        """event_data of failed results, for assertion messages."""
        return [e["event_data"] for e in self.events if e.get("event") == "runner_on_failed"]


def run_job(job_dir, playbook, credential, collections_path, extravars=None, timeout=120):
    """Run one AWX-like job: project = the collection's examples, localhost inventory, env = credential + EE.

    The project directory is a copy of the example playbooks (AWX copies the project into the job's
    private data dir). Only the credential's injected variables and what an execution environment
    provides (the collections path, writable homes) are in the job's environment.
    """
    private_data_dir = Path(job_dir)
    project = private_data_dir / "project"
    project.mkdir(parents=True, exist_ok=True)
    for example in EXAMPLES.glob("awx_*.yml"):
        shutil.copy(example, project / example.name)
    execution_environment = dict(
        ANSIBLE_COLLECTIONS_PATH=str(collections_path),
        ANSIBLE_HOME=str(private_data_dir / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(private_data_dir / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
    )
    import ansible_runner  # pylint: disable=import-outside-toplevel

    runner = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook=playbook,
        # Interpreter discovery may pick a broken shim here; AWX EEs pin theirs the same way.
        inventory="localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable,
        envvars=dict(execution_environment, **credential),
        extravars=extravars or {},
        timeout=timeout,
        quiet=True,
    )
    return RunnerJob(runner)


def clean_gcore_environment(monkeypatch):
    """Remove GCORE_* from this process's environment, so only the injected credential reaches the job."""
    for name in list(os.environ):
        if name.startswith("GCORE_"):
            monkeypatch.delenv(name)
