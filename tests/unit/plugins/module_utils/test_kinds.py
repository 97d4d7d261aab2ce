# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The resource kinds table: paths, order, lookup by collection path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gcore.tasks.plugins.module_utils._kinds import KINDS, kind_of_collection


def test_kinds_are_deleted_clusters_first_networks_last():
    order = [kind.key for kind in sorted(KINDS.values(), key=lambda kind: kind.rank)]
    assert order == ["k8s_clusters", "loadbalancers", "instances", "floatingips", "volumes", "routers",
                     "subnets", "networks"]


def test_instances_are_created_at_v2_and_listed_at_v1():
    kind = kind_of_collection("/cloud/v2/instances/1/76")
    assert kind.key == "instances"
    assert kind.list_path(1, 76) == "/cloud/v1/instances/1/76"
    assert kind_of_collection("/cloud/v1/instances/{project_id}/{region_id}") is kind


def test_clusters_are_addressed_by_name_and_unknown_paths_have_no_kind():
    assert KINDS["k8s_clusters"].by_name
    assert KINDS["k8s_clusters"].item_path(1, 76, "web") == "/cloud/v2/k8s/clusters/1/76/web"
    assert kind_of_collection("/cloud/v1/secrets/1/76") is None
    assert kind_of_collection("/cloud/v1/volumes/1/76/abc") is None
