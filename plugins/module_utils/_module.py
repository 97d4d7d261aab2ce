# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every gcore.tasks module shares: connection options, input checks, the client, the failure path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import os
import re

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ansible_collections.gcore.tasks.plugins.module_utils._client import (
    DEFAULT_API_URL,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    GcoreClient,
    api_url_hint,
)
from ansible_collections.gcore.tasks.plugins.module_utils._errors import GcoreError
from ansible_collections.gcore.tasks.plugins.module_utils._tasks import normalize_task_ids
from ansible_collections.gcore.tasks.plugins.module_utils._waiter import read_tasks

_HEADER_SAFE_RE = re.compile(r"\A[\x21-\x7e]+\Z")


def api_argument_spec():
    """The connection options of every module (documented in the gcore.tasks.api doc fragment)."""
    return dict(
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["GCORE_API_KEY"])),
        api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["GCORE_BASE_URL"])),
        api_timeout=dict(type="float", default=30.0),
        api_retries=dict(type="int", default=3),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
    )


def task_ids_argument_spec(required=False):
    """The task_ids option (alias task_id) shared by all modules."""
    return dict(task_ids=dict(type="list", elements="str", aliases=["task_id"], required=required))


def project_region_argument_spec(elements=None):
    """project_id / region_id with the official SDK's environment variables as fallback."""
    if elements:
        return dict(
            project_id=dict(type="list", elements=elements, fallback=(env_fallback, ["GCORE_CLOUD_PROJECT_ID"])),
            region_id=dict(type="list", elements=elements, fallback=(env_fallback, ["GCORE_CLOUD_REGION_ID"])),
        )
    return dict(
        project_id=dict(type="int", fallback=(env_fallback, ["GCORE_CLOUD_PROJECT_ID"])),
        region_id=dict(type="int", fallback=(env_fallback, ["GCORE_CLOUD_REGION_ID"])),
    )


def non_finite(value, where):
    """Where in C(value) (at any depth) a NaN or infinity sits, as C(where[key][index]...), or None.

    The one non-finite check: JSON cannot carry them, and no option means them.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return where
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = non_finite(item, "%s[%r]" % (where, key))
        if found:
            return found
    return None


def non_finite_options(spec, params, prefix=""):
    """[(option name, value)] for every nan/inf given to a float option of C(spec), at any depth."""
    bad = []
    for name, option in spec.items():
        value = (params or {}).get(name)
        if value is None:
            continue
        if option.get("type") == "float":
            values = [value]
        elif option.get("type") == "list" and option.get("elements") == "float" and isinstance(value, list):
            values = value
        else:
            values = []
        bad.extend((prefix + name, item) for item in values if non_finite(item, name))
        if option.get("options"):
            for nested in value if isinstance(value, list) else [value]:
                if isinstance(nested, dict):
                    bad.extend(non_finite_options(option["options"], nested, prefix + name + "."))
    return bad


class GcoreModule(object):
    """An AnsibleModule with the Gcore connection options, a client and one failure path.

    Subclasses set C(argument_spec) (and AnsibleModule keyword arguments in
    C(module_kwargs)), then implement run(); main() is C(Subclass().execute()).
    """

    argument_spec = {}
    module_kwargs = {}

    def __init__(self):
        spec = api_argument_spec()
        spec.update(self.argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        self.params = self.module.params
        self.protect_secrets()
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self.check_finite_numbers()
        self.check_connection_options()
        self._client = None

    def protect_secrets(self):
        """Adjust which option values are masked in every output, before anything can fail (a hook)."""

    def check_finite_numbers(self):
        """Refuse nan and inf in every float option of the module (list elements and suboptions too)."""
        bad = non_finite_options(self.module.argument_spec, self.params)
        if bad:
            self.fail("; ".join("%s must be a finite number, got %s" % (name, value) for name, value in bad))

    def check_connection_options(self):
        """Refuse connection options that could never work, before any request."""
        api_url = self.params["api_url"] or ""
        if not api_url.lower().startswith(("https://", "http://")) or len(api_url.split("://", 1)[1]) == 0:
            self.fail("api_url must be an http:// or https:// URL such as %s, got %r" % (DEFAULT_API_URL, api_url))
        if self.params["api_key"] is None:  # one line that says where a key comes from
            self.fail("api_key is missing: set the api_key option (for every gcore.tasks module of a play with "
                      "module_defaults for group/gcore.tasks.all) or the GCORE_API_KEY environment variable")
        key = self.params["api_key"].strip()
        if not key:
            self.fail("api_key is empty: give the Gcore API key or set GCORE_API_KEY")
        if key.lower().startswith("bearer "):
            self.fail("api_key is a Bearer token: give a permanent API token; the modules send it as "
                      "'Authorization: APIKey <key>' themselves")
        if key.lower().startswith("apikey "):
            key = key[len("apikey "):].strip()
        if not _HEADER_SAFE_RE.match(key):
            self.fail("api_key holds whitespace, control or non-ASCII characters, so it cannot be sent in an HTTP "
                      "header; check the value (not shown here)")
        self.params["api_key"] = key
        if self.params["ca_path"] and not os.path.isfile(self.params["ca_path"]):
            self.fail("ca_path %s does not exist or is not a file" % self.params["ca_path"])
        if self.params["api_timeout"] <= 0:
            self.fail("api_timeout must be a positive number of seconds, got %s" % self.params["api_timeout"])
        if self.params["api_retries"] < 0:
            self.fail("api_retries must be 0 or more, got %s" % self.params["api_retries"])

    @property
    def client(self):
        """The shared GcoreClient, created on first use."""
        if self._client is None:
            self._client = GcoreClient(
                api_key=self.params["api_key"],  # stripped and checked by check_connection_options
                api_url=self.params["api_url"],
                timeout=self.params["api_timeout"],
                retries=self.params["api_retries"],
                validate_certs=self.params["validate_certs"],
                ca_path=self.params["ca_path"],
                user_agent_suffix="ansible-core/%s" % ANSIBLE_VERSION,
            )
        return self._client

    def task_ids(self):
        """The validated, de-duplicated task_ids option; fails before any request when invalid."""
        try:
            return normalize_task_ids(self.params["task_ids"])
        except ValueError as exc:
            self.fail(str(exc))

    def read_tasks(self, task_ids):
        """Exactly these tasks, read with as few requests as the wait engine can; fails naming unknown IDs."""
        found = read_tasks(self.client, task_ids)
        if found.missing:
            message = "%d task(s) not found: %s" % (len(found.missing), ", ".join(found.missing))
            if found.none_known:
                message += ". None is known at %s" % api_url_hint(found.not_found)
            self.fail(message, error=found.not_found)
        return found.tasks

    def fail(self, msg, error=None, failure_extra=None, **result):
        """The one failure path of every module: C(msg) one line, C(failure) from the GcoreError C(error).

        C(result) is what the module knew when it failed (created IDs...); the partial result
        C(error.result) carries is returned too. C(failure_extra) adds keys to C(failure)
        (gcore_request's C(index)).
        """
        if error is not None:
            result = dict(error.result, **result)
            result["failure"] = dict(error.to_dict(), **(failure_extra or {}))
        self.module.fail_json(msg=msg, **result)

    def run(self):
        """Do the module's work; return the result dict."""
        raise NotImplementedError()

    def execute(self):
        """Run the module and exit with its result, or fail on any API error."""
        try:
            result = self.run()
        except GcoreError as exc:
            self.fail(str(exc), error=exc)
        self.module.exit_json(**result)
