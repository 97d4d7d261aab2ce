# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options shared by every gcore.tasks module.
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - 'Gcore API key (permanent API token), sent as C(Authorization: APIKey <key>).'
      - If not set, the value of the E(GCORE_API_KEY) environment variable is used. One of the two is
        required; with neither, the module fails before any request, saying so.
      - The key is never logged, printed or returned.
    type: str
  api_url:
    description:
      - Base URL of the Gcore API, with its C(http://) or C(https://) scheme.
      - 'Which value wins: O(api_url) when the task gives it (directly or through C(module_defaults));
        otherwise the E(GCORE_BASE_URL) environment variable when it is set; otherwise the default
        V(https://api.gcore.com). The default is used only when neither is given, so an exported
        E(GCORE_BASE_URL) is not overridden by it; an empty E(GCORE_BASE_URL) is refused, not ignored.'
      - Proxies from E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) are honoured.
    type: str
    default: https://api.gcore.com
  api_timeout:
    description:
      - Seconds to wait for the API to answer each single request (not the whole wait).
    type: float
    default: 30.0
  api_retries:
    description:
      - How many times a request is retried after HTTP 408, 409, 429, 500, 502, 503 or 504, a
        connection error or a read timeout, with exponential backoff (0.5 s doubling up to 8 s,
        with jitter). A C(Retry-After) header (seconds or HTTP date) is honoured up to 60 s.
      - During a wait, no retry sleep goes past C(wait_timeout), and a request that got no answer
        by then is not retried.
      - A write call sent by M(gcore.tasks.gcore_request) (C(POST), C(PUT), C(PATCH), C(DELETE)) is
        retried only after HTTP 429 or a connection that could not be made, never after a fault that
        means the API may have acted on it.
      - V(0) disables retries.
    type: int
    default: 3
  validate_certs:
    description:
      - Whether to verify the API's TLS certificate. Set to V(false) only against a test endpoint.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to verify the API's certificate against, instead of the
        bundle shipped with C(certifi).
    type: path
requirements:
  - python >= 3.9
  - requests
notes:
  - All modules of this collection belong to the action group C(gcore.tasks.all), so
    C(module_defaults) with C(group/gcore.tasks.all) sets the connection options once per play.
  - 'The modules only talk to the API; run them on the controller with C(delegate_to: localhost)
    or in a play on C(localhost).'
"""

    # What every module supports besides check mode (described per module).
    ATTRIBUTES = r"""
attributes:
  diff_mode:
    support: none
  platform:
    platforms: all
  action_group:
    membership:
      - gcore.tasks.all
"""

    # The data masking option of modules that return task objects.
    TASK_DATA = r"""
options:
  mask_task_data:
    description:
      - A task's C(data) echoes the parameters of the write call that started it, which can hold
        secrets (an instance's password, C(user_data), a secret's payload, private keys).
      - When V(true), the values of keys that look sensitive (C(password), C(secret), C(token),
        C(private_key), C(user_data), C(payload), ...) are replaced by C(********) at any depth.
      - Set to V(false) to return C(data) exactly as the API sent it.
    type: bool
    default: true
"""

    # What a waiting module shows while it waits and how it returns its tasks (from WAIT_OPTIONS).
    # full_tasks of the modules that read tasks without waiting (gcore_task_info, gcore_task_ack).
    READ_OUTPUT = r"""
options:
  full_tasks:
    description:
      - Whether RV(tasks) holds each task object whole, as the API sent it (C(data) masked as
        O(mask_task_data) says).
      - With V(false), each task keeps every key but C(created_resources) keeps only its non-empty
        lists (the API sends one list per resource type, 36 of them, nearly all empty). Read a
        resource type that may be missing with a default, for example
        C(task.created_resources.volumes | default([])).
    type: bool
    default: false
"""

    WAIT_OUTPUT = r"""
options:
  progress_interval:
    description:
      - 'While the wait lasts, a progress line appears at default verbosity each time the number of
        ended tasks changes, and after this many seconds without a change (at the first poll round
        after that), for example
        C([localhost] gcore_task_wait: 3/5 tasks ended; waiting on 2: create_k8s_cluster_v2 RUNNING for 4m10s),
        with the number of C(ERROR) tasks in parentheses after C(ended) once there are some.
        Pending tasks are grouped by type and state; C(for) is the age of the group''s oldest task.'
      - The lines show live in C(ansible-playbook) output and as C(verbose) job events in
        ansible-runner and AWX, which keeps a long wait from looking hung (or being cut off by an
        idle-output limit).
      - Lines come at poll rounds, so they are never closer together than the poll interval (up to
        30 s for a Kubernetes cluster, see M(gcore.tasks.gcore_task_wait)); with O(wait_sleep)
        longer than this interval, they come every O(wait_sleep) seconds.
      - A line holds only counts, task types, states and ages; never task IDs, task data or the key.
      - V(0) turns the lines off.
      - 'Lines are shown when the module runs on the controller (a C(local) connection, for example
        C(delegate_to: localhost)) in the foreground. Delegated to another host, under C(async), or
        with C(no_log), the module runs exactly the same, without lines.'
    type: float
    default: 60.0
  full_tasks:
    description:
      - Whether RV(tasks) holds each task object whole, as the API sent it (C(data) masked as
        O(mask_task_data) says).
      - With V(false), each task keeps only C(id), C(task_type), C(state), C(project_id),
        C(region_id), C(error) and C(data) when they hold a value, and C(created_resources) without
        its empty lists (the API sends one list per resource type, nearly all empty). This keeps a
        failed wait over a hundred tasks readable at default verbosity.
    type: bool
    default: false
"""
