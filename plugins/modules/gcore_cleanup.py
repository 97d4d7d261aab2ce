#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gcore_cleanup
short_description: Delete what a job created, in dependency order, and wait until it is gone
version_added: 0.2.0
description:
  - Deletes every resource named in O(created) (a C(created_resources) dict, a registered result of
    any module of this collection, the C(gcore_created_record) fact, or a list of these) in the order
    the Gcore API needs, and waits for each delete task. One task undoes what a failed play created,
    in its C(rescue), or tears down a stack in a teardown playbook.
  - 'Order: the kinds are deleted rank by rank: Kubernetes clusters (C(k8s_clusters)), load balancers
    (C(loadbalancers)), instances (C(instances)), floating IPs (C(floatingips)), volumes (C(volumes)),
    routers (C(routers)), subnets (C(subnets)), networks (C(networks)) last. Within one rank the
    C(DELETE) calls go out concurrently (at most 8 at a time, over one keep-alive connection pool);
    their tasks are waited for together, with the wait engine of M(gcore.tasks.gcore_task_wait),
    before the next rank starts. Ranks with nothing to delete are skipped.'
  - 'Parts that go with their parent are not deleted on their own: an instance''s C(ports), a
    Kubernetes cluster''s C(k8s_pools), and a load balancer''s C(listeners), C(pools),
    C(healthmonitors), C(members), C(l7polices) and C(l7rules). They are returned in RV(with_parent).'
  - 'Each C(DELETE): an answer HTTP 404 (with a Gcore error body) means the resource is already gone: not a
    failure, not a change. HTTP 409 (still in use, for example a subnet whose ports are being released,
    or a resource still being created) is sent again after 1 s, 2 s, 4 s ... up to every 10 s, with
    jitter, until O(conflict_timeout). Any other error fails that resource: the rest of its rank goes
    on, the ranks after it do not start (they may depend on it), and the module fails at the end,
    naming each resource left with Gcore''s message and C(request_id).'
  - 'A C(DELETE) follows the collection''s write rule (see O(api_retries)): it is sent again only after
    HTTP 429 or a connection that could not be made, never after a fault that means the API may have acted on it
    (a 5xx, a reset, a read timeout). Such a C(DELETE) is checked with a C(GET) instead: a 404 means it was
    deleted; a resource being deleted has the task working on it waited for; otherwise the resource
    fails, its message saying the call may have been processed.'
  - 'A network is created with a router by default (the API''s C(create_router)); the network''s task
    names only the network in its C(created_resources), yet the network''s subnets and the network
    itself cannot be deleted while that router is there. When O(created) holds networks, the module
    lists the networks and the routers of their project and region once, and deletes in the routers
    rank each router whose C(creator_task_id) is the task that created one of these networks
    (returned in RV(made_with)). Routers made by any other task are left alone. If these lists fail,
    the module warns and goes on (the network''s C(DELETE) then names what holds it).'
  - 'What the tasks of O(created) made is deleted too, even when O(created) does not name it yet: a
    create sent with C(wait=false), or one still running when its wait failed or timed out (its
    resource had no ID yet; the failed result names the task in C(pending_tasks)). The module reads
    the tasks O(created) names once (one round of the wait engine), waits for the creates still
    running (within O(wait_timeout)), and adds what they made (returned in RV(created_by_tasks)). A
    create still running after that is named in RV(still_creating) and fails the module, as what it
    makes could not be deleted. In check mode the tasks are read but not waited for.'
  - 'Kubernetes clusters are deleted by name, as the API addresses them: the module lists the
    clusters of the project and region once and finds the name of each ID it was given (a name given
    instead of an ID works too). An ID the list does not hold is already gone.'
  - Kinds the module does not know (any other key of C(created_resources), for example C(secrets)) fail
    the call before any request, naming them, unless O(unknown_kinds=skip).
  - Each ID is deleted in the project and region the input says (the C(tasks) of a registered
    result and the record fact's C(scopes) tell them); O(project_id) and O(region_id) serve the IDs
    whose project and region the input does not tell. An ID with neither fails the call before any request.
  - Run again on the same input, the module changes nothing and returns every ID in RV(already_gone).
    The action plugin removes the IDs that are gone (RV(deleted), RV(already_gone), RV(with_parent))
    and the tasks with nothing left to delete (RV(cleared_task_ids)) from the host's
    C(gcore_created_record) fact after a successful run.
  - While it waits, the module shows a line as each rank starts and progress lines as
    M(gcore.tasks.gcore_task_wait) does.
author:
  - Seed 8c24c073 maintainers (!UNKNOWN)
extends_documentation_fragment:
  - gcore.tasks.connection
  - gcore.tasks.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details:
      - Each resource is read (C(GET); Kubernetes clusters by listing), nothing is deleted. RV(would_delete)
        names what would be deleted and RV(already_gone) what is gone already; the result is
        C(changed) when something would be deleted. The record fact is left as it is.
  facts:
    support: full
    details:
      - After a successful run (not in check mode), the C(gcore_created_record) fact loses the IDs that are gone.
options:
  created:
    description:
      - 'What to delete. Any of
        a C(created_resources) dict (C({"volumes": [id, ...], "instances": [...]}));
        a registered result of any module of this collection (its C(created_resources), and its
        C(tasks) with C(created_resources_by_task) for the project and region of each ID), a loop''s
        registered result included;
        the C(gcore_created_record) fact;
        or a list of these (in a C(rescue), for example C([gcore_created_record, ansible_failed_result])).'
      - An empty value deletes nothing.
    type: raw
    required: true
  project_id:
    description:
      - Project of the IDs whose project the input does not tell (a bare C(created_resources) dict).
      - If not set, the value of the E(GCORE_CLOUD_PROJECT_ID) environment variable is used.
    type: int
  region_id:
    description:
      - Region of the IDs whose region the input does not tell.
      - If not set, the value of the E(GCORE_CLOUD_REGION_ID) environment variable is used.
    type: int
  unknown_kinds:
    description:
      - What to do with IDs of kinds the module does not delete (keys of O(created) other than the
        ranked kinds and the parts listed above).
      - V(fail) fails the call before any request, naming them. V(skip) deletes the rest and returns
        them in RV(skipped_unknown).
    type: str
    choices: [fail, skip]
    default: fail
  conflict_timeout:
    description:
      - Seconds during which a C(DELETE) answered HTTP 409 (still in use) is sent again, counted from
        its first 409. After that the resource fails with the API's message.
      - V(0) does not retry a 409.
    type: float
    default: 300.0
  wait_timeout:
    description:
      - Seconds to wait for the delete tasks, all ranks together. A resource whose delete task has
        not ended by then fails, and the ranks after it do not start.
      - Also, before any delete, the seconds to wait for the creates of O(created) still running
        (see RV(still_creating)).
    type: float
    default: 1800.0
  wait_sleep:
    description:
      - Fixed number of seconds between poll rounds, instead of the interval policy of M(gcore.tasks.gcore_task_wait).
    type: float
  progress_interval:
    description:
      - 'While a rank''s tasks are waited for, a progress line appears at default verbosity each time
        the number of ended tasks changes, and after this many seconds without a change, as
        M(gcore.tasks.gcore_task_wait) shows them, for example
        C([localhost] gcore_cleanup: 3/5 tasks ended; waiting on 2: 2 x delete_vm RUNNING for 12s);
        each rank starts with a line such as C([localhost] gcore_cleanup: step 2 of 6: deleting 5 instances).'
      - A line holds only counts, kinds, task types, states and ages; never IDs or the key.
      - V(0) turns the lines off. Lines show only when the module runs on the controller in the foreground.
    type: float
    default: 60.0
notes:
  - The C(volumes) an instance was created with go with it only when they were created with
    C(delete_on_termination); the others are deleted after the instance, in the volumes' rank.
  - 'A 404 answer without a Gcore error body (for example from a wrong O(api_url)) is not taken for
    "already gone": it fails the resource.'
seealso:
  - module: gcore.tasks.gcore_request
  - module: gcore.tasks.gcore_task_wait
"""

EXAMPLES = r"""
- name: Create a stack, and delete everything it created if any step fails
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gcore.tasks.all:
      project_id: 1
      region_id: 76
  tasks:
    - name: Build the stack
      block:
        - name: Create the network
          gcore.tasks.gcore_request:
            method: POST
            path: /cloud/v1/networks/{project_id}/{region_id}
            body: {name: web-net}
        - name: Create the volumes
          gcore.tasks.gcore_request:
            method: POST
            path: /cloud/v1/volumes/{project_id}/{region_id}
            bodies:
              - {source: new-volume, name: web-data-1, size: 10}
              - {source: new-volume, name: web-data-2, size: 10}
      rescue:
        - name: Delete what the play created, in dependency order
          gcore.tasks.gcore_cleanup:
            created:
              - "{{ gcore_created_record | default({}) }}"
              - "{{ ansible_failed_result }}"
        - name: Fail with what went wrong
          ansible.builtin.fail:
            msg: "Building the stack failed: {{ ansible_failed_result.msg }}"

- name: Tear down what earlier plays on this host created
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Delete every resource of the record
      gcore.tasks.gcore_cleanup:
        created: "{{ gcore_created_record }}"
        wait_timeout: 1200

- name: Delete IDs kept elsewhere, given their project and region
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Delete two volumes and a network
      gcore.tasks.gcore_cleanup:
        created:
          volumes: [726ecfcc-7fd0-4e30-a86e-7892524aa483, 8f1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d]
          networks: [f0d19cec-5c3f-4853-886e-304915960ff6]
        project_id: 1
        region_id: 76
      register: cleanup

    - name: Show what was deleted
      ansible.builtin.debug:
        msg: "Deleted {{ cleanup.deleted }}, already gone {{ cleanup.already_gone }}"
"""

RETURN = r"""
deleted:
  description: The IDs deleted by this run (their delete task FINISHED), by kind.
  returned: always
  type: dict
  sample:
    volumes:
      - 726ecfcc-7fd0-4e30-a86e-7892524aa483
    networks:
      - f0d19cec-5c3f-4853-886e-304915960ff6
already_gone:
  description: The IDs that were gone already (the API answered 404, or a Kubernetes cluster is not listed), by kind.
  returned: always
  type: dict
  sample:
    floatingips:
      - 4a9d3f0e-1c2b-4d5e-8f6a-7b8c9d0e1f2a
would_delete:
  description: In check mode, the IDs that exist and would be deleted, by kind.
  returned: check mode
  type: dict
  sample:
    volumes:
      - 726ecfcc-7fd0-4e30-a86e-7892524aa483
failed_resources:
  description:
    - Each resource left behind, with what the API said; the module fails when this is not empty.
    - C(status) is the HTTP status (null when a delete task failed or was not read), C(task_id) names
      the delete task when it was the task that failed or did not end.
  returned: always
  type: list
  elements: dict
  sample:
    - kind: subnets
      id: b7e4c1d2-3a4b-4c5d-8e6f-7a8b9c0d1e2f
      status: 409
      message: "DELETE /cloud/v1/subnets/1/76/b7e4c1d2-3a4b-4c5d-8e6f-7a8b9c0d1e2f failed: HTTP 409 SubnetInUse: ..."
      request_id: 9b7c6d5e-4f3a-4b2c-8d1e-0f9a8b7c6d5e
not_started:
  description: The IDs of the ranks that did not start because an earlier rank left a resource, by kind.
  returned: always
  type: dict
  sample:
    networks:
      - f0d19cec-5c3f-4853-886e-304915960ff6
with_parent:
  description:
    - The IDs of parts that went with their parent (C(ports), C(k8s_pools), C(listeners), C(pools), ...),
      by kind, once every resource of the parent's kind is gone. Not in check mode.
  returned: always
  type: dict
  sample:
    ports:
      - 1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b
created_by_tasks:
  description:
    - The IDs, by kind, that the tasks of O(created) made and that O(created) did not name (a create sent
      with C(wait=false), or one still running when its wait gave up, waited for here). They are deleted
      (or, in check mode, read) with the rest.
  returned: always
  type: dict
  sample:
    volumes:
      - 726ecfcc-7fd0-4e30-a86e-7892524aa483
  version_added: 0.3.0
still_creating:
  description:
    - The create tasks of O(created) still running at O(wait_timeout) (in check mode, those running now,
      not waited for). What they make is not deleted; outside check mode the module fails naming them.
  returned: always
  type: list
  elements: str
  sample: []
  version_added: 0.3.0
cleared_task_ids:
  description:
    - The tasks of O(created) that ended and whose every created ID is now gone (deleted, already gone, or
      gone with its parent). The action plugin takes them out of the C(gcore_created_record) fact with the
      IDs, so a later cleanup reading the record does not read them again. Empty in check mode.
  returned: always
  type: list
  elements: str
  sample: []
  version_added: 0.3.0
made_with:
  description:
    - The routers O(created) does not name that were made with one of its networks (same creating task),
      and deleted (or, in check mode, read) with them. Keys are the router IDs, values the network IDs.
  returned: always
  type: dict
  sample:
    0c9e1d3a-7b55-4f0e-9d6a-2b7c8e9f0a1b: f0d19cec-5c3f-4853-886e-304915960ff6
  version_added: 0.3.0
skipped_unknown:
  description: The IDs of kinds the module does not delete, left alone because O(unknown_kinds=skip), by kind.
  returned: always
  type: dict
  sample: {}
task_ids:
  description: The delete tasks this run started and waited for, rank by rank.
  returned: always
  type: list
  elements: str
  sample:
    - 5b2c1d0e-2f7a-4a59-9d4e-0b8d1c3e7f11
elapsed:
  description: Seconds the cleanup took.
  returned: always
  type: float
  sample: 21.304
ansible_facts:
  description: Set by the action plugin after a successful run, not in check mode.
  returned: success
  type: complex
  contains:
    gcore_created_record:
      description:
        - The host's record of what the collection's calls created, less the IDs that are gone
          (RV(deleted), RV(already_gone), RV(with_parent)).
      type: dict
      returned: always
"""

from ansible_collections.gcore.tasks.plugins.module_utils._cleanup import CleanupModule


def main():
    CleanupModule().execute()


if __name__ == "__main__":
    main()
