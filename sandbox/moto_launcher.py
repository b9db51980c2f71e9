"""Runs moto's server for the auroractl sandbox, with the RDS fields moto does not model yet.

moto (pinned in src/lib/sandbox/python.ts) accepts EnablePerformanceInsights on CreateDBInstance
and ModifyDBInstance but drops it, and gives every instance the same DbiResourceId. Real AWS
returns both, and auroractl reads both (status, doctor, pi), so this launcher keeps them on the
instance model. The CLI talks to this server exactly as it talks to AWS: nothing here is a code
path of auroractl's own.

It also gives the sandbox a data plane, which moto lacks: when AURORACTL_DATA_PLANE_CLI is set
(`sandbox up` sets it), taking a cluster snapshot dumps that cluster's database, restoring one (from
a snapshot or to a point in time) starts a PostgreSQL server of its own holding that data, and
deleting removes them. The work is done by `auroractl sandbox data-plane` (src/lib/sandbox/data-plane.ts),
run synchronously inside the API call, so a snapshot holds exactly what the database held when
the call was made.

A failover (FailoverDBCluster) answers at once, as on AWS, with the cluster `failing-over`; then, in the
background, the data plane takes the writer away for a few seconds (AURORACTL_SANDBOX_FAILOVER_SECONDS,
default 3) and brings it back on another address that the endpoint map now gives for the writer
endpoint; only then do the instances report their new roles and the cluster `available` again, with
the RDS events AWS sends for it.

Usage: python moto_launcher.py HOST PORT
"""

import json
import os
import secrets
import string
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

from moto.core.utils import utcnow
from moto.rds import models as rds_models
from moto.rds.exceptions import InvalidDBClusterStateFault
from moto.server import main as moto_main

_DBInstance = rds_models.DBInstance
_original_init = _DBInstance.__init__
_original_update = _DBInstance.update


def _resource_id() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "db-" + "".join(secrets.choice(alphabet) for _ in range(26))


def _apply_performance_insights(instance, kwargs) -> None:
    enabled = kwargs.get("enable_performance_insights")
    if enabled is None:
        return
    instance.performance_insights_enabled = bool(enabled)
    if instance.performance_insights_enabled:
        instance.performance_insights_retention_period = int(
            kwargs.get("performance_insights_retention_period") or 7
        )
        instance.performance_insights_kms_key_id = kwargs.get(
            "performance_insights_kms_key_id"
        ) or f"arn:aws:kms:{instance.region}:{instance.account_id}:key/aws-rds-pi"
    else:
        instance.performance_insights_retention_period = None
        instance.performance_insights_kms_key_id = None


def _init(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    self.dbi_resource_id = _resource_id()
    self.performance_insights_enabled = False
    self.performance_insights_retention_period = None
    self.performance_insights_kms_key_id = None
    _apply_performance_insights(self, kwargs)


def _update(self, *args, **kwargs):
    _apply_performance_insights(self, kwargs)
    for key in (
        "enable_performance_insights",
        "performance_insights_retention_period",
        "performance_insights_kms_key_id",
    ):
        kwargs.pop(key, None)
    return _original_update(self, *args, **kwargs)


_DBInstance.__init__ = _init
_DBInstance.update = _update


# --- data plane -------------------------------------------------------------------------------

_data_plane_lock = threading.Lock()


def _record_event(source_identifier: str, source_type: str, message: str, categories: list, *, backend) -> None:
    """An RDS event as DescribeEvents returns it. moto's own Event only knows a fixed list of event
    types, so this is an object with the attributes its response reads."""
    arn_kind = {"db-cluster": "cluster", "db-instance": "db"}.get(source_type, source_type)
    backend.events.append(
        SimpleNamespace(
            source_identifier=source_identifier,
            source_type=source_type,
            message=message,
            event_categories=list(categories),
            source_arn=f"arn:aws:rds:{backend.region_name}:{backend.account_id}:{arn_kind}:{source_identifier}",
            date=utcnow(),
        )
    )


def _data_plane_clusters() -> dict:
    """The clusters the data plane serves (none before `sandbox up` has started PostgreSQL)."""
    registry = os.path.join(os.environ.get("AURORACTL_SANDBOX_DIR", ""), "data-plane.json")
    try:
        with open(registry, encoding="utf-8") as handle:
            return json.load(handle).get("clusters", {})
    except (OSError, ValueError):
        return {}


def _data_plane(action: str, payload: dict) -> None:
    cli = os.environ.get("AURORACTL_DATA_PLANE_CLI")
    if not cli or not _data_plane_clusters():
        return
    command = [os.environ.get("AURORACTL_DATA_PLANE_NODE", "node"), cli, "sandbox", "data-plane", action, json.dumps(payload)]
    # One at a time: the endpoint map and the registry are rewritten by each call.
    with _data_plane_lock:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(f"auroractl data plane: {action} failed: {result.stderr.strip()}", file=sys.stderr, flush=True)


_Backend = rds_models.RDSBackend
_original_create_cluster_snapshot = _Backend.create_db_cluster_snapshot
_original_restore_from_snapshot = _Backend.restore_db_cluster_from_snapshot
_original_restore_to_point_in_time = _Backend.restore_db_cluster_to_point_in_time
_original_create_instance = _Backend.create_db_instance
_original_delete_instance = _Backend.delete_db_instance
_original_delete_cluster = _Backend.delete_db_cluster
_original_delete_cluster_snapshot = _Backend.delete_db_cluster_snapshot
_original_failover_db_cluster = _Backend.failover_db_cluster


def _create_cluster_snapshot(self, db_cluster_identifier, db_cluster_snapshot_identifier, *args, **kwargs):
    snapshot = _original_create_cluster_snapshot(self, db_cluster_identifier, db_cluster_snapshot_identifier, *args, **kwargs)
    _data_plane("snapshot", {"cluster": db_cluster_identifier, "snapshot": db_cluster_snapshot_identifier})
    return snapshot


def _restored(cluster) -> dict:
    return {"cluster": cluster.db_cluster_identifier, "endpoints": [cluster.endpoint, cluster.reader_endpoint], "port": int(cluster.port or 5432)}


def _restore_from_snapshot(self, from_snapshot_id, overrides):
    cluster = _original_restore_from_snapshot(self, from_snapshot_id, overrides)
    snapshot = self.describe_db_cluster_snapshots(db_cluster_identifier=None, db_snapshot_identifier=from_snapshot_id)[0]
    _data_plane("restore", {**_restored(cluster), "snapshot": snapshot.db_cluster_snapshot_identifier})
    return cluster


def _restore_to_point_in_time(self, db_cluster_identifier, source_db_cluster_identifier, *args, **kwargs):
    cluster = _original_restore_to_point_in_time(self, db_cluster_identifier, source_db_cluster_identifier, *args, **kwargs)
    _data_plane("restore", {**_restored(cluster), "source": source_db_cluster_identifier})
    return cluster


def _create_instance(self, db_kwargs):
    instance = _original_create_instance(self, db_kwargs)
    if instance.db_cluster_identifier in _data_plane_clusters():
        _data_plane("add-instance", {"cluster": instance.db_cluster_identifier, "endpoint": instance.address, "port": int(instance.port or 5432)})
    return instance


def _delete_instance(self, db_instance_identifier, *args, **kwargs):
    instance = _original_delete_instance(self, db_instance_identifier, *args, **kwargs)
    if instance.db_cluster_identifier in _data_plane_clusters():
        _data_plane("remove-instance", {"endpoint": instance.address, "port": int(instance.port or 5432)})
    return instance


def _delete_cluster(self, cluster_identifier, *args, **kwargs):
    cluster = _original_delete_cluster(self, cluster_identifier, *args, **kwargs)
    if cluster_identifier in _data_plane_clusters():
        _data_plane("delete-cluster", {"cluster": cluster_identifier})
    return cluster


def _delete_cluster_snapshot(self, db_snapshot_identifier, *args, **kwargs):
    snapshot = _original_delete_cluster_snapshot(self, db_snapshot_identifier, *args, **kwargs)
    _data_plane("delete-snapshot", {"snapshot": snapshot.db_cluster_snapshot_identifier})
    return snapshot


def _failover_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("AURORACTL_SANDBOX_FAILOVER_SECONDS", "3")))
    except ValueError:
        return 3.0


def _promotion_target(cluster):
    """The reader AWS promotes when no target is named: the lowest promotion tier first (moto takes the first reader)."""
    readers = [m for m in cluster.members if not m.is_cluster_writer and m.status == "available"]
    readers.sort(key=lambda m: (m.promotion_tier if m.promotion_tier is not None else 1))
    return readers[0].db_instance_identifier if readers else None


def _failover_db_cluster(self, db_cluster_identifier, target_db_instance_identifier=None):
    cluster = self.clusters.get(db_cluster_identifier)
    if cluster is None:
        return _original_failover_db_cluster(self, db_cluster_identifier, target_db_instance_identifier)
    if cluster.status != "available":
        raise InvalidDBClusterStateFault(f"DbCluster {db_cluster_identifier} is not in available state (it is {cluster.status}).")
    old_writer = cluster.writer
    _original_failover_db_cluster(self, db_cluster_identifier, target_db_instance_identifier or _promotion_target(cluster))
    new_writer = cluster.writer
    # moto swapped the roles at once; on AWS they change when the promoted instance takes writes.
    new_writer.is_cluster_writer = False
    old_writer.is_cluster_writer = True
    cluster.status = "failing-over"
    _record_event(
        db_cluster_identifier, "db-cluster", f"Started cross AZ failover to DB instance: {new_writer.db_instance_identifier}", ["failover"], backend=self
    )
    threading.Thread(target=_complete_failover, args=(self, cluster, old_writer, new_writer), daemon=True).start()
    return cluster


def _complete_failover(backend, cluster, old_writer, new_writer) -> None:
    try:
        if cluster.db_cluster_identifier in _data_plane_clusters():
            _data_plane("failover", {"cluster": cluster.db_cluster_identifier, "outageSeconds": _failover_seconds()})
        else:
            time.sleep(_failover_seconds())
    finally:
        old_writer.is_cluster_writer = False
        new_writer.is_cluster_writer = True
        cluster.status = "available"
        _record_event(
            cluster.db_cluster_identifier,
            "db-cluster",
            f"Completed failover to DB instance: {new_writer.db_instance_identifier}",
            ["failover"],
            backend=backend,
        )


_Backend.create_db_cluster_snapshot = _create_cluster_snapshot
_Backend.restore_db_cluster_from_snapshot = _restore_from_snapshot
_Backend.restore_db_cluster_to_point_in_time = _restore_to_point_in_time
_Backend.create_db_instance = _create_instance
_Backend.delete_db_instance = _delete_instance
_Backend.delete_db_cluster = _delete_cluster
_Backend.delete_db_cluster_snapshot = _delete_cluster_snapshot
_Backend.failover_db_cluster = _failover_db_cluster

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: moto_launcher.py HOST PORT")
    moto_main(["-H", sys.argv[1], "-p", sys.argv[2]])
