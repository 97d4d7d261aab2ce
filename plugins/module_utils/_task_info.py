# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options and behaviour of gcore_task_info (its docs are in plugins/modules/gcore_task_info.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.gcore.tasks.plugins.module_utils._module import (
    GcoreModule,
    project_region_argument_spec,
    task_ids_argument_spec,
)
from ansible_collections.gcore.tasks.plugins.module_utils._tasks import (
    TASK_STATES,
    format_timestamp,
    normalize_timestamp,
    parse_http_date,
)
from ansible_collections.gcore.tasks.plugins.module_utils._wait_result import (
    FULL_TASKS_OPTION,
    MASK_OPTION,
    shown_tasks,
)


class TaskInfoModule(GcoreModule):
    """gcore_task_info: exactly the given tasks, the active ones of a project/region, or a filtered list."""

    argument_spec = dict(
        task_ids_argument_spec(),
        state=dict(type="list", elements="str", choices=list(TASK_STATES)),
        task_type=dict(type="str"),
        is_acknowledged=dict(type="bool"),
        from_timestamp=dict(type="str"),
        to_timestamp=dict(type="str"),
        order_by=dict(type="str", choices=["asc", "desc"]),
        limit=dict(type="int"),
        active=dict(type="bool", default=False),
        **dict(project_region_argument_spec(elements="int"), **dict(MASK_OPTION, **FULL_TASKS_OPTION))
    )
    module_kwargs = dict(
        mutually_exclusive=[
            ("task_ids", "state"), ("task_ids", "task_type"), ("task_ids", "is_acknowledged"),
            ("task_ids", "from_timestamp"), ("task_ids", "to_timestamp"), ("task_ids", "order_by"),
            ("task_ids", "limit"), ("task_ids", "active"),
            ("active", "state"), ("active", "is_acknowledged"), ("active", "from_timestamp"),
            ("active", "to_timestamp"), ("active", "order_by"),
        ],
    )

    def run(self):
        params = self.params
        if params["limit"] is not None and params["limit"] < 1:
            self.fail("limit must be 1 or more, got %d" % params["limit"])
        if params["task_ids"] is not None:
            tasks = self.read_tasks(self.task_ids())
        elif params["active"]:
            project_id, region_id = self.single("project_id"), self.single("region_id")
            tasks = self.client.list_active_tasks(project_id, region_id, task_type=params["task_type"],
                                                  limit=params["limit"])
        else:
            filters = self.filters()
            tasks = self.client.list_tasks(filters, limit=params["limit"])
        api_date = parse_http_date(self.client.last_date)
        return dict(changed=False, tasks=shown_tasks(params, tasks, compact=False),
                    api_date=format_timestamp(api_date) if api_date is not None else None)

    def single(self, name):
        """The one project_id or region_id that the active endpoint takes."""
        values = self.params[name] or []
        if len(values) != 1:
            self.fail("active=true needs exactly one %s (or GCORE_CLOUD_%s_ID), got %s"
                      % (name, name.split("_")[0].upper(), values or "none"))
        return values[0]

    def filters(self):
        """Query parameters for GET /cloud/v1/tasks, timestamps validated before any request."""
        params = self.params
        filters = dict(
            project_id=params["project_id"] or None,
            region_id=params["region_id"] or None,
            state=params["state"] or None,
            task_type=params["task_type"],
            is_acknowledged=params["is_acknowledged"],
            order_by=params["order_by"],
        )
        now = datetime.datetime.now(datetime.timezone.utc)  # one "now" for both ends of the window
        for name in ("from_timestamp", "to_timestamp"):
            if params[name] is not None:
                try:
                    filters[name] = normalize_timestamp(params[name], name, now)
                except ValueError as exc:
                    self.fail(str(exc))
        return filters
