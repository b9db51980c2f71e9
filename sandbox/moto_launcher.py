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

And it records the RDS events AWS records for clusters, their instances and cluster snapshots
(creation, deletion, snapshots, failover, scaling), and answers DescribeEvents as AWS does: a time
window, source and category filters, pages with a Marker (see "events" below).

Usage: python moto_launcher.py HOST PORT
"""

import json
import os
import secrets
import string
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.rds import exceptions as rds_exceptions
from moto.rds import models as rds_models
from moto.rds import responses as rds_responses
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


def _create_cluster_snapshot(self, db_cluster_identifier, db_cluster_snapshot_identifier, *args, **kwargs):
    requested_at = utcnow()
    snapshot = _original_create_cluster_snapshot(self, db_cluster_identifier, db_cluster_snapshot_identifier, *args, **kwargs)
    kind = "automated" if snapshot.snapshot_type == "automated" else "manual"
    snapshot_id = snapshot.db_cluster_snapshot_identifier
    _append_event(self, snapshot_id, "db-cluster-snapshot", f"Creating {kind} cluster snapshot", ["backup"], requested_at)
    _data_plane("snapshot", {"cluster": db_cluster_identifier, "snapshot": db_cluster_snapshot_identifier})
    _append_event(self, snapshot_id, "db-cluster-snapshot", f"{kind.capitalize()} cluster snapshot created", ["backup"], utcnow())
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
    _append_event(self, instance.db_instance_identifier, "db-instance", "DB instance deleted", ["deletion"], utcnow())
    if instance.db_cluster_identifier in _data_plane_clusters():
        _data_plane("remove-instance", {"endpoint": instance.address, "port": int(instance.port or 5432)})
    return instance


def _delete_cluster(self, cluster_identifier, *args, **kwargs):
    cluster = _original_delete_cluster(self, cluster_identifier, *args, **kwargs)
    _append_event(self, cluster.db_cluster_identifier, "db-cluster", "DB cluster deleted", ["deletion"], utcnow())
    if cluster_identifier in _data_plane_clusters():
        _data_plane("delete-cluster", {"cluster": cluster_identifier})
    return cluster


def _delete_cluster_snapshot(self, db_snapshot_identifier, *args, **kwargs):
    snapshot = _original_delete_cluster_snapshot(self, db_snapshot_identifier, *args, **kwargs)
    _data_plane("delete-snapshot", {"snapshot": snapshot.db_cluster_snapshot_identifier})
    return snapshot


_Backend.create_db_cluster_snapshot = _create_cluster_snapshot
_Backend.restore_db_cluster_from_snapshot = _restore_from_snapshot
_Backend.restore_db_cluster_to_point_in_time = _restore_to_point_in_time
_Backend.create_db_instance = _create_instance
_Backend.delete_db_instance = _delete_instance
_Backend.delete_db_cluster = _delete_cluster
_Backend.delete_db_cluster_snapshot = _delete_cluster_snapshot

# --- events -----------------------------------------------------------------------------------
#
# moto records a few instance events but none for clusters or cluster snapshots, and its
# DescribeEvents ignores the time window, the categories and paging. Real AWS records an event for
# each of the changes below, keeps them 14 days and answers DescribeEvents for a window (the last
# hour by default), filtered by source and category, 100 a page at most with a Marker. The messages
# and categories are AWS's (the "Amazon RDS event categories and event messages for Aurora" tables),
# as DescribeEvents returns them: without the tables' closing full stop.

_request = threading.local()
_EVENT_RETENTION = timedelta(days=14)
# How an event's source type names its resource in an ARN.
_ARN_RESOURCE = {
    "db-cluster": "cluster",
    "db-cluster-snapshot": "cluster-snapshot",
    "db-instance": "db",
    "db-parameter-group": "pg",
    "db-snapshot": "snapshot",
}
_original_backend_property = rds_responses.RDSResponse.backend


def _request_backend(self):
    """The region's RDS backend of the request being answered, remembered for _record_event."""
    backend = _original_backend_property.fget(self)
    _request.backend = backend
    return backend


rds_responses.RDSResponse.backend = property(_request_backend)


def _append_event(backend, source_identifier: str, source_type: str, message: str, categories: list, date: datetime) -> None:
    event = rds_models.Event.__new__(rds_models.Event)
    event.source_identifier = source_identifier
    event.source_type = source_type
    event.message = message
    event.event_categories = list(categories)
    event.source_arn = f"arn:aws:rds:{backend.region_name}:{backend.account_id}:{_ARN_RESOURCE.get(source_type, source_type)}:{source_identifier}"
    event.date = date
    backend.events.append(event)


def _record_event(source_identifier: str, source_type: str, message: str, categories: list[str]) -> None:
    """Records an RDS event, now, in the region of the API call being answered (DescribeEvents returns it)."""
    backend = getattr(_request, "backend", None)
    if backend is None:
        raise RuntimeError("_record_event is called while answering an RDS API call")
    _append_event(backend, source_identifier, source_type, message, categories, utcnow())


def _as_utc(value) -> datetime:
    """A request's time (a datetime or ISO 8601 text, with or without a zone) as naive UTC, as moto keeps dates."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _events_page(backend, params) -> tuple:
    source_identifier = params.get("source_identifier")
    source_type = params.get("source_type")
    if source_identifier is not None and source_type is None:
        raise rds_exceptions.InvalidParameterCombination("Cannot specify source identifier without source type")
    max_records = int(params.get("max_records") or 100)
    if not 20 <= max_records <= 100:
        raise rds_exceptions.InvalidParameterValue(f"Invalid value {max_records} for MaxRecords. Must be between 20 and 100")
    marker = params.get("marker") or "0"
    if not marker.isdigit():
        raise rds_exceptions.InvalidParameterValue(f"Invalid marker: {marker}")
    now = utcnow()
    end = _as_utc(params["end_time"]) if params.get("end_time") else now
    if params.get("start_time"):
        start = _as_utc(params["start_time"])
    else:
        start = end - timedelta(minutes=int(params.get("duration") or 60))
    start = max(start, now - _EVENT_RETENTION)
    categories = set(params.get("event_categories") or [])
    matching = [
        event
        for event in backend.events
        if (source_identifier is None or event.source_identifier == source_identifier)
        and (source_type is None or event.source_type == source_type)
        and start <= event.date <= end
        and (not categories or categories.intersection(event.event_categories))
    ]
    # Oldest first, as AWS answers; sorted() keeps the order of events recorded with the same time.
    matching = sorted(matching, key=lambda event: event.date)
    offset = int(marker)
    page = matching[offset : offset + max_records]
    following = offset + max_records
    return page, (str(following) if following < len(matching) else None)


def _describe_events(self):
    events, marker = _events_page(self.backend, self.params)
    return ActionResult({"Events": events, "Marker": marker})


rds_responses.RDSResponse.describe_events = _describe_events


def _acu_range(configuration) -> str | None:
    if not configuration:
        return None

    def read(name: str, snake: str):
        value = configuration.get(name, configuration.get(snake)) if hasattr(configuration, "get") else None
        return None if value is None else f"{float(value):g}"

    return f"{read('MinCapacity', 'min_capacity')}-{read('MaxCapacity', 'max_capacity')} ACUs"


_Cluster = rds_models.DBCluster
_ClusteredInstance = rds_models.DBInstanceClustered
_original_create_cluster = _Backend.create_db_cluster
_original_modify_cluster = _Backend.modify_db_cluster
_original_failover_cluster = _Backend.failover_db_cluster


def _create_cluster_with_event(self, kwargs):
    # The cluster's first automated snapshot is taken inside the call; its creation comes first.
    created_at = utcnow()
    cluster = _original_create_cluster(self, kwargs)
    _append_event(self, cluster.db_cluster_identifier, "db-cluster", "DB cluster created", ["creation"], created_at)
    return cluster


def _modify_cluster_with_event(self, kwargs):
    cluster_id = kwargs["db_cluster_identifier"]
    before = _acu_range(getattr(self.clusters.get(cluster_id), "serverless_v2_scaling_configuration", None))
    cluster = _original_modify_cluster(self, kwargs)
    after = _acu_range(getattr(self.clusters.get(cluster.db_cluster_identifier), "serverless_v2_scaling_configuration", None))
    if after != before:
        # AWS's event tables list no event for a Serverless v2 capacity range change; this one is worded
        # like its other configuration changes, so a scale shows up where an engineer looks for it.
        _record_event(
            cluster.db_cluster_identifier,
            "db-cluster",
            f"Changed the Serverless v2 capacity range from {before or 'none'} to {after}",
            ["configuration change"],
        )
    return cluster


def _failover_cluster_with_events(self, db_cluster_identifier, target_db_instance_identifier=None):
    cluster = self.clusters.get(db_cluster_identifier)
    old_writer = getattr(cluster, "writer", None)
    cluster = _original_failover_cluster(self, db_cluster_identifier, target_db_instance_identifier)
    new_writer = cluster.writer
    same_zone = old_writer is not None and old_writer.availability_zone == new_writer.availability_zone
    started = f"Started {'same' if same_zone else 'cross'} AZ failover to DB instance: {new_writer.db_instance_identifier}"
    _record_event(db_cluster_identifier, "db-cluster", started, ["failover"])
    _record_event(db_cluster_identifier, "db-cluster", f"Completed failover to DB instance: {new_writer.db_instance_identifier}", ["failover"])
    return cluster


def _no_instance_backup(self) -> None:
    """Aurora backs up the cluster volume: an instance of a cluster has no backups or backup events of its own."""


_Backend.create_db_cluster = _create_cluster_with_event
_Backend.modify_db_cluster = _modify_cluster_with_event
_Backend.failover_db_cluster = _failover_cluster_with_events
_ClusteredInstance.save_automated_backup = _no_instance_backup


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: moto_launcher.py HOST PORT")
    moto_main(["-H", sys.argv[1], "-p", sys.argv[2]])
