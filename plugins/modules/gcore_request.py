#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gcore_request
short_description: Send Gcore API calls with the collection's credentials and wait for the tasks they start
version_added: 0.2.0
description:
  - 'Sends one call, or one call per body of O(bodies), to the Gcore API with the connection options
    every module of the collection shares (C(Authorization: APIKey <key>) is never shown), then waits
    for every task the answers name (C({"tasks": [...]})) with the same wait engine as
    M(gcore.tasks.gcore_task_wait), and returns the IDs they created.'
  - 'The calls of O(bodies) share one keep-alive connection pool and are sent in waves of 1, 2, 4, then
    8 concurrent calls, each wave once the one before was accepted whole, so a body the API refuses
    early stops the batch with few calls sent; RV(results) keeps the order of O(bodies). When a call
    fails, no further call starts (the other calls of its wave were already sent); the
    tasks of the calls already accepted are still waited for (within O(wait_timeout)), so their task
    IDs and created IDs come back; then the module fails with one line naming the failed call (its
    index, method and path) and Gcore''s C(exception_class), message and C(request_id).'
  - 'A write (C(POST), C(PUT), C(PATCH), C(DELETE)) is sent again only where the API surely did not act
    on it: after HTTP 429 (C(Retry-After) honoured, within O(api_retries)) and when the connection could
    not be made. A 5xx answer, a reset connection or a read timeout fails that call with a message saying
    it may have been processed: the API has no idempotency key, so such a call is never sent twice. A
    C(GET) is retried as by every other module.'
  - The wait is told the project, region and submission time of each task, so its first poll round
    needs no account-wide read.
  - The result is C(changed) when a write call was sent, that is when the API answered it (a refusal included) or
    may have processed it. A C(GET) never changes anything, nor does a call whose connection could
    not be made.
  - To wait for tasks that other tools started, use M(gcore.tasks.gcore_task_wait) with their IDs.
author:
  - Seed 8c24c073 maintainers (!UNKNOWN)
extends_documentation_fragment:
  - gcore.tasks.connection
  - gcore.tasks.task_data
  - gcore.tasks.wait_output
  - gcore.tasks.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details:
      - A C(GET) runs as usual. Write calls are not sent; the module reports C(changed), RV(method) and
        RV(path), and in RV(results) the body each call would send (secrets masked).
      - With O(unique_by), check mode reads the list as a real run would, so bodies that match an
        existing resource return its real ID (in RV(created_resources) and C(existing)) and are not
        C(changed); bodies that would be created are marked C(would_send), and the kind's key is in
        RV(created_resources) (empty when nothing exists yet, no ID is invented).
      - With O(unique_by) the facts are set in check mode too, so later steps of a chain can read them.
  diff_mode:
    support: full
    details:
      - Shows, per call to be sent, the body (values of sensitive keys masked), in check mode and in a real run.
  facts:
    support: full
options:
  method:
    description:
      - The HTTP method of the call(s). A C(GET) is never C(changed) and sends no body.
    type: str
    choices: [GET, POST, PUT, PATCH, DELETE]
    default: GET
  path:
    description:
      - 'The API path, for example C(/cloud/v1/volumes/{project_id}/{region_id}). C({project_id}) and
        C({region_id}) are filled in from O(project_id) and O(region_id); no other placeholder is
        allowed, and one left unfilled is an error before any request.'
      - The path must start with C(/) and must not hold a scheme or host, C(..) or C(.) segments, C(//),
        C(?), C(#), whitespace, control characters, encoded dots or slashes, or any character outside an
        URL path. Such a path is refused before any request.
    type: str
    required: true
  project_id:
    description:
      - Fills C({project_id}) in O(path).
      - If not set, the value of the E(GCORE_CLOUD_PROJECT_ID) environment variable is used.
    type: int
  region_id:
    description:
      - Fills C({region_id}) in O(path).
      - If not set, the value of the E(GCORE_CLOUD_REGION_ID) environment variable is used.
    type: int
  query:
    description:
      - Query parameters. A list value is sent as repeated keys (C(state=NEW&state=RUNNING)); booleans
        are sent as C(true) / C(false).
    type: dict
  body:
    description:
      - The JSON body of one call.
      - Values under keys that look sensitive (C(password), C(user_data), C(private_key), C(token),
        C(secret), C(payload), ...) never appear in any output, the module invocation at C(-vvvv)
        included; the rest of the body is shown.
      - Mutually exclusive with O(bodies).
    type: dict
  bodies:
    description:
      - One call per body, same O(method), O(path) and O(query), all in this one module run; for
        example one volume create per body.
      - An empty list sends nothing.
      - Secrets are masked as for O(body). Mutually exclusive with O(body).
    type: list
    elements: dict
  wait:
    description:
      - Whether to wait for every task the answers name, all together, and return what they created,
        as M(gcore.tasks.gcore_task_wait) does (and set the same facts).
      - With V(false), the module returns as soon as the calls are answered; pass RV(task_ids) to
        M(gcore.tasks.gcore_task_wait) later.
      - Calls whose answers name no task (a C(GET), a C(PATCH) that answers the resource) are never waited for.
      - While it waits, progress lines show how the wait is going; see O(progress_interval).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for all tasks to end, as in M(gcore.tasks.gcore_task_wait).
    type: float
    default: 1800.0
  wait_sleep:
    description:
      - Fixed number of seconds between poll rounds, instead of the interval policy of
        M(gcore.tasks.gcore_task_wait).
    type: float
  fail_on_error:
    description:
      - Whether a task that ends in C(ERROR) (or that the API no longer knows) fails the module.
      - A failed call fails the module whatever this says.
    type: bool
    default: true
  unique_by:
    description:
      - 'Body field names that identify one resource, for example V([name]): a create call (C(POST))
        is sent only for the bodies that match no existing resource, so running the playbook again
        creates nothing twice.'
      - Before any write, the module reads every page of the list of the call's collection once
        for all bodies (with the API's name filter where the kind has one; the comparison itself is
        always exact), and for each body finds the resources whose fields equal the body's. For
        C(tags), the body's tags (a dict) must be contained in the resource's tags.
      - 'No match: the body is sent. One match: nothing is sent for that body; its entry in RV(results)
        carries C(existing) (id, name, status), and its ID goes into RV(created_resources) under the
        kind''s key, in body order with the IDs of the created ones. If the match is still being created
        (a task named in its C(task_id) is running, as after a job stopped mid-wait), that task is waited
        for with the call''s own tasks.'
      - 'For the kinds it knows, the module also reads, before the list, the project/region''s create tasks
        of the kind that have not ended (the active tasks of the kind''s C(task_type), such as C(create_volume)):
        one whose C(data), the body it was sent, matches a body on these fields counts as a match still
        being created, for an API that lists a resource only once its task gets to it. That task is waited
        for, and the ID it creates is the body''s. If no task list answers, the module warns and the
        resource list alone decides; if the resource list fails, the call fails and nothing is sent.'
      - A match being deleted does not count. Several matches (resources or create tasks), or a match in
        an error state, fail the call before any write, naming them (the resource IDs also in RV(matched_ids)).
      - The collections the module knows are volumes, instances (created at C(/cloud/v2/instances),
        listed at C(/cloud/v1/instances)), networks, subnets, routers, floating IPs, load balancers and
        Kubernetes clusters; for any other path give O(list_path).
      - Two bodies with the same values for these fields are refused before any request.
      - The result is not C(changed) when no write was sent.
    type: list
    elements: str
    version_added: 0.2.0
  list_path:
    description:
      - The path that lists the resources O(unique_by) compares against (a C(GET) answering
        C({"count", "results"})), when it is not the one the module knows for O(path).
        C({project_id}) and C({region_id}) are filled in as in O(path).
      - Only with O(unique_by).
    type: str
    version_added: 0.2.0
  missing_ok:
    description:
      - With C(DELETE), an answer 404 means the resource is already gone; the call is then ok, not
        C(changed), and its entry in RV(results) says C(gone).
      - Only with O(method=DELETE).
    type: bool
    default: false
    version_added: 0.2.0
seealso:
  - module: gcore.tasks.gcore_task_wait
  - module: gcore.tasks.gcore_task_ack
  - name: Gcore Cloud API
    description: The published reference of the Cloud API's calls.
    link: https://api.gcore.com/docs/cloud
"""

EXAMPLES = r"""
- name: Create volumes and use their IDs
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/gcore.tasks.all:
      api_key: "{{ lookup('ansible.builtin.env', 'GCORE_API_KEY') }}"
    gcore.tasks.gcore_request:
      project_id: 1
      region_id: 76
  tasks:
    - name: Create one volume and wait for it
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        body:
          source: new-volume
          name: data-1
          size: 10
        wait_timeout: 600
      register: volume

    - name: Show the new volume's ID
      ansible.builtin.debug:
        msg: "Volume {{ volume.created_resources.volumes[0] }}"

    - name: Create three volumes in one step; delete what was created if anything failed
      block:
        - name: Create the volumes
          gcore.tasks.gcore_request:
            method: POST
            path: /cloud/v1/volumes/{project_id}/{region_id}
            bodies:
              - {source: new-volume, name: data-a, size: 10}
              - {source: new-volume, name: data-b, size: 10}
              - {source: new-volume, name: data-c, size: 10}
          register: volumes
      rescue:
        - name: Delete every volume that was created
          gcore.tasks.gcore_request:
            method: DELETE
            path: /cloud/v1/volumes/{project_id}/{region_id}/{{ item }}
          loop: "{{ volumes.created_resources.volumes | default([]) }}"

    - name: Create an instance whose password never shows in any output
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v2/instances/{project_id}/{region_id}
        body:
          name: web-1
          flavor: g1-standard-2-4
          password: "{{ vault_instance_password }}"
          interfaces:
            - type: external
          volumes:
            - source: image
              image_id: f01fd9a0-9548-48ba-82dc-a8c8b2d6f2f1
              size: 10
              boot_index: 0

    - name: Create the volume unless one of that name exists (a rerun sends nothing)
      gcore.tasks.gcore_request:
        method: POST
        path: /cloud/v1/volumes/{project_id}/{region_id}
        body: {source: new-volume, name: data-1, size: 10}
        unique_by: [name]
      register: volume

    - name: Delete a volume; already gone is fine
      gcore.tasks.gcore_request:
        method: DELETE
        path: /cloud/v1/volumes/{project_id}/{region_id}/{{ volume.created_resources.volumes[0] }}
        missing_ok: true

    - name: Read the volumes of the project and region (a GET is never changed)
      gcore.tasks.gcore_request:
        path: /cloud/v1/volumes/{project_id}/{region_id}
        query:
          limit: 100
      register: listing
"""

RETURN = r"""
results:
  description:
    - One entry per call, in the order of O(bodies) (one entry for O(body) or no body).
    - The calls share one method and path, returned once as RV(method) and RV(path); an entry's
      answer is in C(json) only when it says more than its C(task_ids).
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: The position of the call's body in O(bodies) (0 for a single call).
      type: int
      returned: always
    body:
      description:
        - The body that would be sent, values of sensitive keys masked.
        - Outside check mode bodies are not echoed back; with O(full_tasks=true), RV(tasks) hold each task's C(data).
      type: dict
      returned: in check mode
    sent:
      description: Whether the call was sent. False in check mode for a write, and for calls not started after a failure.
      type: bool
      returned: always
    status:
      description: The HTTP status of the answer; null when there was none.
      type: int
      returned: always
    json:
      description:
        - The decoded answer; null when there was none or it was empty.
        - 'Left out when the answer is only C({"tasks": [...]}) with the IDs in C(task_ids).'
      type: raw
      returned: unless the answer only names the entry's task_ids
    task_ids:
      description: The task IDs the answer of a write call names.
      type: list
      elements: str
      returned: always
    existing:
      description:
        - The resource O(unique_by) found for this body (C(id), C(name), C(status), and C(task_id) when
          its creating task was waited for); null when none was found and the body was (or would be) sent.
        - For a create task found still queued or running before its resource is listed, C(id) is null,
          C(name) the name it was sent, C(status) the task's state and C(task_id) the task; the ID it
          created is in RV(created_resources) once it has FINISHED.
      type: dict
      returned: when O(unique_by) is given
      version_added: 0.2.0
    would_send:
      description: Whether the call would be sent (a write not matched by O(unique_by)).
      type: bool
      returned: in check mode, for calls not matched by O(unique_by)
      version_added: 0.2.0
    gone:
      description: The C(DELETE) was answered 404 and O(missing_ok) is true; nothing was deleted.
      type: bool
      returned: when O(missing_ok) found the resource gone
      version_added: 0.2.0
    error:
      description: The API error of a failed call (status, method, path, exception_class, message, request_id, details).
      type: dict
      returned: when the call failed
    maybe_processed:
      description: Whether the failed call may have been processed by the API (a 5xx, reset or read timeout on a write).
      type: bool
      returned: when the call failed
  sample:
    - index: 0
      sent: true
      status: 200
      task_ids:
        - 26986bc0-748a-4448-b836-0a2aa465eb06
json:
  description: The decoded answer of the call, for a single O(body) or no body.
  returned: when O(bodies) is not given
  type: raw
  sample:
    tasks:
      - 26986bc0-748a-4448-b836-0a2aa465eb06
status:
  description: The HTTP status of the call, for a single O(body) or no body.
  returned: when O(bodies) is not given
  type: int
  sample: 200
method:
  description: The HTTP method of the call(s).
  returned: always
  type: str
  sample: POST
path:
  description: The path of the call(s), sent or (in check mode) that would be sent, placeholders filled in.
  returned: always
  type: str
  sample: /cloud/v1/volumes/1/76
project_id:
  description:
    - The project of O(path) (its first integer segment after C(/cloud/vN/)), when it has one.
    - RV(tasks) leave out a C(project_id) equal to it.
  returned: when O(path) names a project and a region
  type: int
  sample: 1
region_id:
  description:
    - The region of O(path), when it has one. RV(tasks) leave out a C(region_id) equal to it.
  returned: when O(path) names a project and a region
  type: int
  sample: 76
task_ids:
  description: Every task ID of every answer, in the order of the calls, without duplicates.
  returned: always
  type: list
  elements: str
  sample:
    - 26986bc0-748a-4448-b836-0a2aa465eb06
tasks:
  description:
    - As for M(gcore.tasks.gcore_task_wait); the last state read of each task.
    - Compact unless O(full_tasks=true), and besides what M(gcore.tasks.gcore_task_wait) leaves out, a
      compact task leaves out what the call says already, once, namely its C(data) (the body sent, see
      RV(results)) and a C(project_id) and C(region_id) equal to RV(project_id) and RV(region_id). What
      it created is in RV(created_resources_by_task).
  returned: when it waited
  type: list
  elements: dict
created_resources:
  description:
    - As for M(gcore.tasks.gcore_task_wait); the IDs the tasks created, by resource type.
    - Also returned when the module fails after waiting, so a C(rescue) block can clean up.
    - With O(unique_by), also the IDs of the resources found, under the kind's key (present, maybe
      empty, in check mode), in body order with the created ones.
  returned: when it waited, or with O(unique_by)
  type: dict
  sample:
    volumes:
      - 726ecfcc-7fd0-4e30-a86e-7892524aa483
created_resources_by_task:
  description: As for M(gcore.tasks.gcore_task_wait).
  returned: when it waited
  type: dict
failed_tasks:
  description: As for M(gcore.tasks.gcore_task_wait).
  returned: when it waited
  type: list
  elements: dict
pending_tasks:
  description: As for M(gcore.tasks.gcore_task_wait).
  returned: when it waited
  type: list
  elements: dict
elapsed:
  description: Seconds spent waiting.
  returned: when it waited
  type: float
scopes:
  description:
    - Where each ID O(unique_by) found lives (C(project_id), C(region_id)), for the C(gcore_created_record) fact.
  returned: with O(unique_by)
  type: dict
  version_added: 0.2.0
  sample:
    726ecfcc-7fd0-4e30-a86e-7892524aa483: {project_id: 1, region_id: 76}
matched_ids:
  description: The IDs of the resources that made O(unique_by) fail (several matches, or one in an error state).
  returned: when O(unique_by) failed the call
  type: list
  elements: str
  version_added: 0.2.0
failure:
  description:
    - The API error that stopped the module (status, method, path, url called without credentials,
      exception_class, message, request_id, invalid_fields when Gcore named them (not repeated under
      details), details, maybe_processed); for a failed call also its C(index).
  returned: on an API error
  type: dict
ansible_facts:
  description:
    - As for M(gcore.tasks.gcore_task_wait), set when it waited and succeeded; with O(unique_by) also when
      it did not wait, and in check mode.
    - Ansible applies facts only from a successful result; after a failure, read the registered result.
  returned: when it succeeded
  type: complex
  contains:
    gcore_created_record:
      description:
        - 'The record of everything the collection''s calls created, adopted or waited for on this host
          so far (this call merged into the fact as it was): C(created_resources) (union by kind),
          C(scopes) (project and region of each ID, where known) and C(task_ids). Kept by the action plugin
          across tasks and plays; see docs/rerun.md.'
      type: dict
      returned: always
      version_added: 0.2.0
    gcore_created_resources:
      description: Same as RV(created_resources).
      type: dict
      returned: always
    gcore_created_resources_by_task:
      description: Same as RV(created_resources_by_task).
      type: dict
      returned: always
    gcore_task_ids:
      description: The task IDs waited for.
      type: list
      elements: str
      returned: always
"""

from ansible_collections.gcore.tasks.plugins.module_utils._request import RequestModule


def main():
    RequestModule().execute()


if __name__ == "__main__":
    main()
