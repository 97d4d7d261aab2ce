# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-builder introspect on the built and installed collection lists its Python and system dependencies."""

import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_ansible_builder_introspect_lists_requests_and_the_bindep_entries(tmp_path):
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(REPO)],
                   check=True, capture_output=True, text=True)
    (tarball,) = tmp_path.glob("gcore-tasks-*.tar.gz")
    installed = tmp_path / "collections"
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "--force", "-p", str(installed),
                    str(tarball)],
                   check=True, capture_output=True, text=True)

    introspect = subprocess.run([str(BIN / "ansible-builder"), "introspect", str(installed)],
                                capture_output=True, text=True, check=False)
    assert introspect.returncode == 0, introspect.stdout + introspect.stderr
    assert introspect.stderr == ""
    listed = yaml.safe_load(introspect.stdout)

    def requirement_lines(path):
        lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
        return ["%s  # from collection gcore.tasks" % line for line in lines if line]

    assert listed["python"] == requirement_lines(REPO / "requirements.txt")
    assert any(line.startswith("requests") for line in listed["python"])
    assert listed["system"] == requirement_lines(REPO / "bindep.txt")
    assert listed["system"]
