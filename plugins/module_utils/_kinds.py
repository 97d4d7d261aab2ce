# -*- coding: utf-8 -*-
# This module_utils file is PRIVATE to the gcore.tasks collection.
# It may change at any time without notice; do not import it from other collections.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection knows of each resource kind: where it is created, listed and deleted, and in what order.

Facts from the official Python SDK (gcore, resources/cloud/) as summarised in the API contract's
README: the key is the kind's created_resources key; C(scope) paths take C(/{project_id}/{region_id})
after them, item paths C(/{id}) (or C(/{name}) where C(by_name)) after that.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


class Kind(object):
    """One resource kind: its created_resources key, paths, list filters, delete rank."""

    def __init__(self, key, create, listing, rank, create_task, name_filter=None, by_name=False, tags=True,
                 part_of=None):
        self.key = key
        self.create = create            # collection path a create call is sent to
        self.create_task = create_task  # the task_type of its create tasks (their data holds the body sent)
        self.listing = listing          # collection path it is listed at (GET) and deleted under
        self.rank = rank                # delete order: lower ranks are deleted first
        self.name_filter = name_filter  # (query parameter, "exact" or "substring") the list takes for a name
        self.by_name = by_name          # the API addresses one resource by its name, not its ID
        self.tags = tags                # the list takes tag_key_value
        self.part_of = part_of          # goes with its parent (no delete of its own)

    def list_path(self, project_id, region_id):
        """The path that lists this kind in a project/region."""
        return "%s/%s/%s" % (self.listing, project_id, region_id)

    def item_path(self, project_id, region_id, ref):
        """The path of one resource (C(ref): its ID, or its name where by_name)."""
        return "%s/%s/%s/%s" % (self.listing, project_id, region_id, ref)


KINDS = dict((kind.key, kind) for kind in (
    Kind("k8s_clusters", "/cloud/v2/k8s/clusters", "/cloud/v2/k8s/clusters", 10, "create_k8s_cluster_v2", by_name=True, tags=False),
    Kind("loadbalancers", "/cloud/v1/loadbalancers", "/cloud/v1/loadbalancers", 25, "create_loadbalancer", name_filter=("name", "exact")),
    Kind("instances", "/cloud/v2/instances", "/cloud/v1/instances", 30, "create_vm", name_filter=("name", "substring")),
    Kind("floatingips", "/cloud/v1/floatingips", "/cloud/v1/floatingips", 40, "create_fip"),
    Kind("volumes", "/cloud/v1/volumes", "/cloud/v1/volumes", 50, "create_volume", name_filter=("name_part", "substring")),
    Kind("routers", "/cloud/v1/routers", "/cloud/v1/routers", 70, "create_router", name_filter=("name", "exact"), tags=False),
    Kind("subnets", "/cloud/v1/subnets", "/cloud/v1/subnets", 80, "create_subnet"),
    Kind("networks", "/cloud/v1/networks", "/cloud/v1/networks", 90, "create_network", name_filter=("name", "exact")),
))

# Keys of created_resources that name parts deleted with their parent: a 404 on them later means gone.
PARTS = dict(ports="instances", k8s_pools="k8s_clusters", listeners="loadbalancers", pools="loadbalancers",
             healthmonitors="loadbalancers", members="loadbalancers", l7polices="loadbalancers",
             l7rules="loadbalancers")

_SCOPED_RE = re.compile(r"\A(/cloud/v\d+/(?:[^/{}]+/)*?[^/{}]+)/(\d+|\{project_id\})/(\d+|\{region_id\})/?\Z")


def kind_of_collection(path):
    """The Kind whose create or list collection C(path) (a collection path with or without
    /{project_id}/{region_id}) is, or None."""
    match = _SCOPED_RE.match(path)
    base = match.group(1) if match else path.rstrip("/")
    for kind in KINDS.values():
        if base in (kind.create, kind.listing):
            return kind
    return None
