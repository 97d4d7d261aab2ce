# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gcore_request at -vvvv: secrets in body/bodies and the key never appear, while the rest of a body does."""

import json

from gcore_e2e import API_KEY

PASSWORD = "pw-SECRET-hunter2-4e1a"
USER_DATA = "I2Nsb3VkLWNvbmZpZwpTRUNSRVQtdWQ="
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIE-SECRET-pk\n-----END PRIVATE KEY-----"
TOKEN = "tok-SECRET-5150"
SECRETS = [PASSWORD, USER_DATA, "MIIE-SECRET-pk", TOKEN]

PLAYBOOK = """
- name: gcore_request with secrets in its bodies, at -vvvv
  hosts: localhost
  gather_facts: false
  vars:
    password: "%s"
    user_data: "%s"
    private_key: "%s"
    token: "%s"
  module_defaults:
    group/gcore.tasks.all:
      project_id: 1
      region_id: 76
      wait_sleep: 0.3
      wait_timeout: 30
  tasks:
    - name: One instance with a password and user_data
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v2/instances/{project_id}/{region_id}
        body:
          name: visible-vm-name
          flavor: g1-standard-2-4
          password: "{{ password }}"
          user_data: "{{ user_data }}"
          interfaces: [{type: external}]
      register: one

    - name: Bodies with nested secrets
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/loadbalancers/{project_id}/{region_id}
        bodies:
          - name: visible-lb-1
            listeners: [{name: https, secret: {private_key: "{{ private_key }}"}, pools: [{name: p}]}]
          - name: visible-lb-2
            metadata: {auth_token: "{{ token }}"}
      register: many

    - name: Check mode shows what it would send, masked
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v2/instances/{project_id}/{region_id}
        body: {name: visible-check, password: "{{ password }}"}
      check_mode: true
      register: checked

    - name: A refused call fails with its secrets still hidden
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v2/instances/{project_id}/{region_id}
        bodies:
          - {name: reject-visible, password: "{{ password }}", user_data: "{{ user_data }}"}
      ignore_errors: true
      register: refused

    - name: A call answered 502 fails with its secrets still hidden
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v2/instances/{project_id}/{region_id}
        body: {name: gateway-visible, password: "{{ password }}"}
      ignore_errors: true

    - name: Bad input fails before the module reads it, secrets hidden
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v2/instances/{project_id}/{region_id}
        body: {name: x, password: "{{ password }}"}
        bodies: [{name: y, token: "{{ token }}"}]
      ignore_errors: true

    - name: Show what a user would print
      ansible.builtin.debug:
        msg:
          - "{{ one }}"
          - "{{ many }}"
          - "{{ checked }}"
          - "{{ refused }}"
""" % (PASSWORD, USER_DATA, PRIVATE_KEY.replace("\n", "\\n"), TOKEN)


def test_secrets_of_bodies_and_the_key_never_appear_at_vvvv_while_the_rest_of_a_body_does(run_playbook, sandbox):
    # The secrets are play vars (on the command line, ansible-playbook -vvvv would print them itself).
    run = run_playbook(PLAYBOOK, verbosity=4)
    statuses = dict((entry["task"], entry["status"]) for entry in run.results)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr
    for name in ("One instance with a password and user_data", "Bodies with nested secrets"):
        assert statuses[name] == "ok" and run.result(name)["result"]["changed"] is True, statuses
    assert statuses["A refused call fails with its secrets still hidden"] == "failed", statuses
    assert statuses["A call answered 502 fails with its secrets still hidden"] == "failed", statuses
    assert statuses["Bad input fails before the module reads it, secrets hidden"] == "failed", statuses
    # The secrets did reach the API, so they were there to leak.
    sent = " ".join(entry["body"] for entry in sandbox.requests())
    assert PASSWORD in sent and TOKEN in sent and "MIIE-SECRET-pk" in sent.replace("\\n", "\n")
    everything = run.stdout + run.stderr + json.dumps(run.results)
    assert API_KEY not in everything
    for secret in SECRETS:
        assert secret not in everything, secret
    # Only the secrets are hidden: the invocation at -vvvv still shows the rest of each body.
    one = run.result("One instance with a password and user_data")["result"]
    assert one["invocation"]["module_args"]["body"]["name"] == "visible-vm-name"
    assert one["invocation"]["module_args"]["body"]["flavor"] == "g1-standard-2-4"
    assert "body" not in one["results"][0], "outside check mode the body is not echoed back"
    assert len(one["created_resources"]["instances"]) == 1
    assert "visible-lb-2" in json.dumps(run.result("Bodies with nested secrets")["result"]["invocation"])
    checked = run.result("Check mode shows what it would send, masked")["result"]
    assert checked["results"][0]["body"] == {"name": "visible-check", "password": "********"}


RERUN_PLAYBOOK = """
- name: unique_by, --diff and gcore_cleanup with a secret in the body, at -vvvv
  hosts: localhost
  gather_facts: false
  vars:
    password: "%s"
  module_defaults:
    gcore.tasks.gcore_request: {project_id: 1, region_id: 76, wait_sleep: 0.3, wait_timeout: 30}
    gcore.tasks.gcore_cleanup: {project_id: 1, region_id: 76, wait_sleep: 0.3, wait_timeout: 30}
  tasks:
    - name: An instance with a password, found by name on a rerun
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v2/instances/{project_id}/{region_id}
        body: {name: visible-unique-vm, flavor: g1-standard-2-4, password: "{{ password }}",
               interfaces: [{type: external}]}
        unique_by: [name]

    - name: Delete what the run created or found
      gcore.tasks.gcore_cleanup:
        created: "{{ gcore_created_record }}"
      when: cleanup | default(false) | bool
""" % PASSWORD


def test_unique_by_diff_and_cleanup_never_show_the_key_or_the_bodys_secrets_at_vvvv(run_playbook, sandbox):
    checked = run_playbook(RERUN_PLAYBOOK, check=True, verbosity=4, args=("--diff",))
    created = run_playbook(RERUN_PLAYBOOK, verbosity=4)
    rerun = run_playbook(RERUN_PLAYBOOK, verbosity=4, extra_vars={"cleanup": True})
    for run in (checked, created, rerun):
        assert run.rc == 0, run.stdout[-3000:] + run.stderr
        everything = run.stdout + run.stderr + json.dumps(run.results)
        assert API_KEY not in everything and PASSWORD not in everything
    # The secret reached the API once (one create), so it was there to leak.
    assert sum(PASSWORD in entry["body"] for entry in sandbox.requests()) == 1
    # --diff shows the body that would be sent, the password masked, the rest readable.
    diff = checked.result("An instance with a password, found by name on a rerun")["result"]["diff"]
    assert diff[0]["after"]["name"] == "visible-unique-vm" and diff[0]["after"]["password"] == "********"
    adopted = rerun.result("An instance with a password, found by name on a rerun")["result"]
    assert adopted["changed"] is False and adopted["results"][0]["existing"]["name"] == "visible-unique-vm"
    deleted = rerun.result("Delete what the run created or found")["result"]
    assert deleted["deleted"]["instances"] == adopted["created_resources"]["instances"]
