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

A new master password (ModifyDBCluster --master-user-password) answers at once with the cluster
`resetting-master-credentials` and the pending value, and reaches the database in the background a moment
later (AURORACTL_SANDBOX_CREDENTIALS_SECONDS, default 2), as on AWS.

And it records the RDS events AWS records for clusters, their instances and cluster snapshots
(creation, deletion, snapshots, failover, scaling), and answers DescribeEvents as AWS does: a time
window, source and category filters, pages with a Marker (see "events" below).

RDS-managed master secrets hold the cluster's master user and a generated password, set in the database;
rotating one (RotateSecret, or ModifyDBCluster --rotate-master-user-password) labels a new version AWSPENDING
and, a few seconds later (AURORACTL_SANDBOX_ROTATION_SECONDS, default 2), sets its password in the database
and moves AWSCURRENT to it, as RDS does. A secret with a rotation function (which must exist in moto's Lambda,
but never runs) is rotated by an emulation of AWS's single-user PostgreSQL rotation function (createSecret,
setSecret, testSecret, finishSecret), in the background; the function's environment variable
SANDBOX_FAIL_AT_STEP=<step> makes it stop before that step, leaving AWSPENDING, as a failing function does
(see "managed secrets and their rotation" below). ListSecretVersionIds gives each version its creation time.

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
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from moto.core.responses import ActionResult
from moto.cloudwatch import models as cloudwatch_models
from moto.core.utils import utcnow
from moto.rds import exceptions as rds_exceptions
from moto.rds import models as rds_models
from moto.rds import responses as rds_responses
from moto.rds.exceptions import InvalidDBClusterStateFault
from moto.secretsmanager import models as secretsmanager_models
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


# How an event's source type names its resource in an ARN.
_ARN_RESOURCE = {
    "db-cluster": "cluster",
    "db-cluster-snapshot": "cluster-snapshot",
    "db-instance": "db",
    "db-parameter-group": "pg",
    "db-snapshot": "snapshot",
}


def _record_event(source_identifier: str, source_type: str, message: str, categories: list, *, backend, date=None) -> None:
    """An RDS event as DescribeEvents returns it (at `date`, default now). moto's own Event only knows a fixed
    list of event types, so this is an object with the attributes its response reads."""
    arn_kind = _ARN_RESOURCE.get(source_type, source_type)
    backend.events.append(
        SimpleNamespace(
            source_identifier=source_identifier,
            source_type=source_type,
            message=message,
            event_categories=list(categories),
            source_arn=f"arn:aws:rds:{backend.region_name}:{backend.account_id}:{arn_kind}:{source_identifier}",
            date=date or utcnow(),
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


_SET_PASSWORD_TIMEOUT_SECONDS = 60


def _data_plane(action: str, payload: dict, *, on_stdin: bool = False) -> bool:
    """Runs a data-plane action; True when it ran and succeeded. A payload holding a password goes on
    stdin (`on_stdin`), never into argv, where `ps` would show it."""
    cli = os.environ.get("AURORACTL_DATA_PLANE_CLI")
    if not cli or not _data_plane_clusters():
        return False
    argument = "-" if on_stdin else json.dumps(payload)
    command = [os.environ.get("AURORACTL_DATA_PLANE_NODE", "node"), cli, "sandbox", "data-plane", action, argument]
    # A password change is one ALTER ROLE: bounded, so a stuck one cannot hold the lock every other action waits
    # on. Other actions (a restore copies a whole database) take as long as they take.
    timeout = _SET_PASSWORD_TIMEOUT_SECONDS if action == "set-password" else None
    # One at a time: the endpoint map and the registry are rewritten by each call.
    with _data_plane_lock:
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                check=False,
                input=json.dumps(payload) if on_stdin else None,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            print(f"auroractl data plane: {action} gave up after {timeout} s", file=sys.stderr, flush=True)
            return False
    if result.returncode != 0:
        print(f"auroractl data plane: {action} failed: {result.stderr.strip()}", file=sys.stderr, flush=True)
    return result.returncode == 0


def _set_database_password(cluster_id: str, username: str, password: str) -> bool:
    """What AWS does inside the cluster when it changes a password (ModifyDBCluster --master-user-password,
    an RDS-managed or rotation-function rotation): the role's password set on that cluster's server.
    False when the data plane does not serve the cluster or the change failed."""
    if cluster_id not in _data_plane_clusters():
        return False
    return _data_plane("set-password", {"cluster": cluster_id, "username": username, "password": password}, on_stdin=True)


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
    requested_at = utcnow()
    snapshot = _original_create_cluster_snapshot(self, db_cluster_identifier, db_cluster_snapshot_identifier, *args, **kwargs)
    kind = "automated" if snapshot.snapshot_type == "automated" else "manual"
    snapshot_id = snapshot.db_cluster_snapshot_identifier
    _record_event(snapshot_id, "db-cluster-snapshot", f"Creating {kind} cluster snapshot", ["backup"], backend=self, date=requested_at)
    _data_plane("snapshot", {"cluster": db_cluster_identifier, "snapshot": db_cluster_snapshot_identifier})
    _record_event(snapshot_id, "db-cluster-snapshot", f"{kind.capitalize()} cluster snapshot created", ["backup"], backend=self)
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
    _record_event(instance.db_instance_identifier, "db-instance", "DB instance deleted", ["deletion"], backend=self)
    if instance.db_cluster_identifier in _data_plane_clusters():
        _data_plane("remove-instance", {"endpoint": instance.address, "port": int(instance.port or 5432)})
    return instance


def _delete_cluster(self, cluster_identifier, *args, **kwargs):
    cluster = _original_delete_cluster(self, cluster_identifier, *args, **kwargs)
    _record_event(cluster.db_cluster_identifier, "db-cluster", "DB cluster deleted", ["deletion"], backend=self)
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


# --- master password (ModifyDBCluster --master-user-password) ----------------------------------
#
# moto keeps a new master password at once and answers with the cluster `available` and no pending value.
# AWS answers with the cluster `resetting-master-credentials` and PendingModifiedValues.MasterUserPassword
# "****"; the old password keeps working until the new one reaches the database, seconds later; then the
# cluster is `available` again, without the pending value, and AWS records "Reset master credentials"
# (RDS-EVENT-0016, configuration change). Here the database learns it in the background through the data
# plane's set-password, after AURORACTL_SANDBOX_CREDENTIALS_SECONDS (default 2).


def _credentials_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("AURORACTL_SANDBOX_CREDENTIALS_SECONDS", "2")))
    except ValueError:
        return 2.0


_original_modify_db_cluster = _Backend.modify_db_cluster


def _modify_cluster_password(self, kwargs):
    cluster = self.clusters.get(kwargs.get("db_cluster_identifier"))
    password = kwargs.get("master_user_password")
    if password is None or cluster is None:
        return _original_modify_db_cluster(self, kwargs)
    if cluster.status != "available":
        raise InvalidDBClusterStateFault(f"DbCluster {cluster.db_cluster_identifier} is not in available state (it is {cluster.status}).")
    if getattr(cluster, "manage_master_user_password", False) and kwargs.get("manage_master_user_password") is None:
        raise rds_exceptions.InvalidParameterCombination(
            "You can't specify MasterUserPassword for an instance with ManageMasterUserPassword enabled."
        )
    answered = _original_modify_db_cluster(self, kwargs)
    cluster = self.clusters[answered.db_cluster_identifier]
    for shown in (cluster, answered):
        shown.status = "resetting-master-credentials"
        shown.pending_modified_values = {"MasterUserPassword": "****"}
    threading.Thread(target=_apply_master_password, args=(self, cluster, password), daemon=True).start()
    return answered


def _apply_master_password(backend, cluster, password: str) -> None:
    try:
        time.sleep(_credentials_seconds())
        if cluster.db_cluster_identifier in _data_plane_clusters():
            _set_database_password(cluster.db_cluster_identifier, cluster.master_username, password)
    finally:
        cluster.pending_modified_values = None
        cluster.status = "available"
        _record_event(cluster.db_cluster_identifier, "db-cluster", "Reset master credentials", ["configuration change"], backend=backend)


_Backend.modify_db_cluster = _modify_cluster_password


# moto's GetSecretValue without a version reads the version PutSecretValue last made current, even after
# UpdateSecretVersionStage moved AWSCURRENT elsewhere; AWS reads the version AWSCURRENT is on.
_SecretsBackend = secretsmanager_models.SecretsManagerBackend
_original_update_secret_version_stage = _SecretsBackend.update_secret_version_stage


def _update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):
    answered = _original_update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
    if version_stage == "AWSCURRENT" and move_to_version_id:
        self.secrets[secret_id].set_default_version_id(move_to_version_id)
    return answered


_SecretsBackend.update_secret_version_stage = _update_secret_version_stage


# --- log files (DescribeDBLogFiles, DownloadDBLogFilePortion) --------------------------------
#
# moto lists one made-up log file per instance (123 bytes, no content) and has no DownloadDBLogFilePortion.
# Here an instance's log files are the real ones of its cluster's PostgreSQL server (the data plane's registry
# says where they are: src/lib/sandbox/postgres.ts writes them as Aurora names them), listed as AWS lists them
# ("error/postgresql.log.2026-11-30-1700", LastWritten in ms, Size in bytes), and downloaded in portions with
# an opaque marker, as AWS serves them. A portion read from a marker is at most AURORACTL_SANDBOX_LOG_PORTION_BYTES
# (AWS: 1 MB; the tests make it small, so a download pages through many), cut after a whole line; a single line
# longer than that is split, never shortened (AWS would cut it and add "[Your log message was truncated]";
# auroractl handles that, see src/lib/logs/download.ts). The last lines (no marker) come from the last 1 MB.

from moto.core.responses import ActionResult
from moto.rds.exceptions import DBInstanceNotFoundError, RDSClientError
from moto.rds.responses import RDSResponse

_AWS_PORTION_BYTES = 1024 * 1024
_LOG_PREFIX = "error/"
# DownloadDBLogFilePortion without a marker or a line count: AWS returns at most this many lines.
_DEFAULT_TAIL_LINES = 10000


def _log_portion_bytes() -> int:
    try:
        value = int(os.environ.get("AURORACTL_SANDBOX_LOG_PORTION_BYTES", ""))
    except ValueError:
        return _AWS_PORTION_BYTES
    return min(max(value, 64), _AWS_PORTION_BYTES)


def _log_directory(backend, instance_id: str):
    """The folder of the server behind the instance's cluster; None for an instance the data plane does not serve."""
    if instance_id not in backend.databases:
        raise DBInstanceNotFoundError(instance_id)
    served = _data_plane_clusters().get(backend.databases[instance_id].db_cluster_identifier)
    if not served:
        return None
    return served.get("logDirectory") or os.path.join(served["dataDir"], "log")


def _log_files(directory) -> list:
    if directory is None:
        return []
    files = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith("postgresql.log."):
            continue
        try:
            stat = entry.stat()
        except OSError:  # rotated away between listing and stat
            continue
        files.append({"LogFileName": _LOG_PREFIX + entry.name, "LastWritten": int(stat.st_mtime * 1000), "Size": stat.st_size})
    return sorted(files, key=lambda item: item["LogFileName"])


class DBLogFileNotFoundFault(RDSClientError):
    def __init__(self, name: str):
        super().__init__("DBLogFileNotFoundFault", f"DBLog File: {name}, is not found on the DB instance")


class InvalidParameterValue(RDSClientError):
    def __init__(self, message: str):
        super().__init__("InvalidParameterValue", message)


def _describe_db_log_files(self):
    files = _log_files(_log_directory(self.backend, self._get_param("DBInstanceIdentifier")))
    contains = self._get_param("FilenameContains")
    written_since = self._get_param("FileLastWritten")
    larger_than = self._get_param("FileSize")
    if contains:
        files = [item for item in files if contains in item["LogFileName"]]
    if written_since is not None:
        files = [item for item in files if item["LastWritten"] >= int(written_since)]
    if larger_than is not None:
        files = [item for item in files if item["Size"] > int(larger_than)]
    start = _list_marker(self._get_param("Marker"))
    page_size = int(self._get_param("MaxRecords") or 100)
    page = files[start : start + page_size]
    result = {"DescribeDBLogFiles": page}
    if start + page_size < len(files):
        result["Marker"] = f"files:{start + page_size}"
    return ActionResult(result)


def _list_marker(marker) -> int:
    if not marker:
        return 0
    if not marker.startswith("files:") or not marker[6:].isdigit():
        raise InvalidParameterValue(f"Invalid marker: {marker}")
    return int(marker[6:])


def _portion_marker(marker):
    """Our markers are opaque to clients: "1:<byte offset>"; "0" is the start of the file (as on AWS)."""
    if marker == "0":
        return 0
    head, _, offset = (marker or "").partition(":")
    if head != "1" or not offset.isdigit():
        raise InvalidParameterValue(f"Invalid marker: {marker}")
    return int(offset)


def _utf8_boundary(data: bytes) -> int:
    """How much of `data` ends on a whole UTF-8 character: a portion never splits one."""
    end = len(data)
    lead = end - 1
    while lead >= 0 and end - lead <= 4 and (data[lead] & 0xC0) == 0x80:
        lead -= 1
    if lead < 0 or data[lead] < 0xC0:
        return end
    length = 2 if data[lead] < 0xE0 else 3 if data[lead] < 0xF0 else 4
    return lead if end - lead < length else end


def _forward_portion(handle, size: int, start: int, lines, limit: int):
    """From `start`: up to `lines` lines (all when None) within `limit` bytes. Returns (data, next offset, pending)."""
    handle.seek(start)
    chunk = handle.read(limit)
    reaches_end = start + len(chunk) >= size
    if lines is not None:
        cut = -1
        for _ in range(lines):
            cut = chunk.find(b"\n", cut + 1)
            if cut == -1:
                break
        if cut != -1 and cut + 1 < len(chunk):
            chunk, reaches_end = chunk[: cut + 1], False
    if not reaches_end and not chunk.endswith(b"\n"):
        last_newline = chunk.rfind(b"\n")
        # Whole lines, unless one line alone is longer than a portion: then the line is split.
        chunk = chunk[: last_newline + 1] if last_newline != -1 else chunk[: _utf8_boundary(chunk)]
    else:
        # At the end, a character still being written waits for the next read; nothing is pending until it is whole.
        chunk = chunk[: _utf8_boundary(chunk)]
    end = start + len(chunk)
    return chunk, end, end < size and not reaches_end


def _tail_portion(handle, size: int, lines: int, limit: int) -> bytes:
    """The last `lines` whole lines, within `limit` bytes (the marker then is the end of the file)."""
    start = max(0, size - limit)
    handle.seek(start)
    chunk = handle.read(size - start)
    if start > 0:
        handle.seek(start - 1)
        if handle.read(1) != b"\n":
            chunk = chunk[chunk.find(b"\n") + 1 :] if b"\n" in chunk else b""
    data = b"".join(chunk.splitlines(keepends=True)[-lines:]) if lines > 0 else b""
    return data[: _utf8_boundary(data)]


def _download_db_log_file_portion(self):
    instance_id = self._get_param("DBInstanceIdentifier")
    name = self._get_param("LogFileName") or ""
    marker = self._get_param("Marker")
    lines = self._get_param("NumberOfLines")
    lines = int(lines) if lines is not None else None
    directory = _log_directory(self.backend, instance_id)
    base = name[len(_LOG_PREFIX) :] if name.startswith(_LOG_PREFIX) else ""
    path = os.path.join(directory, base) if directory and base and os.sep not in base and base.startswith("postgresql.log.") else None
    if path is None or not os.path.isfile(path):
        raise DBLogFileNotFoundFault(name)
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if marker is None:
            data = _tail_portion(handle, size, lines if lines is not None else _DEFAULT_TAIL_LINES, _AWS_PORTION_BYTES)
            offset, pending = size, False
        else:
            data, offset, pending = _forward_portion(handle, size, min(_portion_marker(marker), size), lines, _log_portion_bytes())
    return _portion_response(self, data.decode("utf-8", errors="replace"), f"1:{offset}", pending)


def _portion_response(response, text: str, marker: str, pending: bool):
    # XML readers turn a carriage return into a line feed; AWS's SDKs keep one written as &#xD;. A marker that
    # cannot occur in the text stands for it while moto renders the XML.
    placeholder = f"@@auroractl-cr-{secrets.token_hex(8)}@@"
    result = {"LogFileData": text.replace("\r", placeholder), "Marker": marker, "AdditionalDataPending": pending}
    status, headers, body = response.serialized(ActionResult(result))
    return status, headers, body.replace(placeholder, "&#xD;")


RDSResponse.describe_db_log_files = _describe_db_log_files
RDSResponse.download_db_log_file_portion = _download_db_log_file_portion


# --- events -----------------------------------------------------------------------------------
#
# moto records a few instance events but none for clusters or cluster snapshots, and its
# DescribeEvents ignores the time window, the categories and paging. Real AWS records an event for
# each of the changes below, keeps them 14 days and answers DescribeEvents for a window (the last
# hour by default), filtered by source and category, 100 a page at most with a Marker. The messages
# and categories are AWS's (the "Amazon RDS event categories and event messages for Aurora" tables),
# as DescribeEvents returns them: without the tables' closing full stop.

_EVENT_RETENTION = timedelta(days=14)


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


# DescribeDBEngineVersions, which moto does not answer, for the versions auroractl asks about: what each
# aurora-postgresql version supports of Serverless v2 (ServerlessV2FeaturesSupport). Scaling to 0 ACUs (auto-pause)
# came with 13.15, 14.12, 15.7 and 16.3 (and every 17); 256 ACUs with 13.13, 14.10, 15.5 and 16.1; Serverless v2
# itself with 13.6, 14.3 and 15.2. Versions before those report no ServerlessV2FeaturesSupport at all.
_AURORA_POSTGRESQL_VERSIONS = [
    "13.6", "13.12", "13.13", "13.15", "13.20",
    "14.3", "14.9", "14.10", "14.12", "14.17",
    "15.2", "15.4", "15.5", "15.7", "15.10", "15.14",
    "16.1", "16.2", "16.3", "16.8",
    "17.4",
]


def _version_at_least(version: str, firsts: dict) -> bool:
    major, minor = (int(part) for part in version.split(".")[:2])
    first = firsts.get(major)
    return first is not None and minor >= first


def _engine_version_record(version: str) -> dict:
    record = {
        "Engine": "aurora-postgresql",
        "EngineVersion": version,
        "MajorEngineVersion": version.split(".")[0],
        "DBParameterGroupFamily": f"aurora-postgresql{version.split('.')[0]}",
        "DBEngineDescription": "Aurora (PostgreSQL)",
        "DBEngineVersionDescription": f"Aurora PostgreSQL (Compatible with PostgreSQL {version})",
        "Status": "available",
        "SupportedEngineModes": ["provisioned"],
    }
    if _version_at_least(version, {13: 6, 14: 3, 15: 2, 16: 0, 17: 0}):
        record["ServerlessV2FeaturesSupport"] = {
            "MinCapacity": 0.0 if _version_at_least(version, {13: 15, 14: 12, 15: 7, 16: 3, 17: 0}) else 0.5,
            "MaxCapacity": 256.0 if _version_at_least(version, {13: 13, 14: 10, 15: 5, 16: 1, 17: 0}) else 128.0,
        }
    return record


def _describe_db_engine_versions(self):
    engine = self._get_param("Engine")
    version = self._get_param("EngineVersion")
    records = [] if engine not in (None, "aurora-postgresql") else [
        _engine_version_record(item) for item in _AURORA_POSTGRESQL_VERSIONS if version in (None, item)
    ]
    return ActionResult({"DBEngineVersions": records})


rds_responses.RDSResponse.describe_db_engine_versions = _describe_db_engine_versions


# --- what keeps a Serverless v2 cluster from pausing (auroractl scale --min 0, doctor capacity.pause-blockers) ------
#
# A global database made from an existing cluster (CreateGlobalCluster with SourceDBClusterIdentifier): moto lists
# that cluster with IsWriter false; on AWS it is the global database's primary, its writer.
#
# Zero-ETL integrations: moto has no CreateIntegration, DescribeIntegrations or DeleteIntegration. These keep each
# integration's record (source and target ARNs, name, status "active") and answer as AWS does, DescribeIntegrations
# filtered by integration-identifier or source-arn; nothing is replicated anywhere.


def _create_global_cluster(self, global_cluster_identifier, source_db_cluster_identifier, *args, **kwargs):
    global_cluster = _original_create_global_cluster(self, global_cluster_identifier, source_db_cluster_identifier, *args, **kwargs)
    if source_db_cluster_identifier is not None and global_cluster.members:
        global_cluster.members[0].is_writer = True
    return global_cluster


def _integrations_of(backend) -> dict:
    if not hasattr(backend, "_auroractl_integrations"):
        backend._auroractl_integrations = {}
    return backend._auroractl_integrations


def _create_integration(self):
    name = self._get_param("IntegrationName")
    integrations = _integrations_of(self.backend)
    if name in integrations:
        raise rds_exceptions.RDSClientError("IntegrationAlreadyExistsFault", f"Integration {name} already exists.")
    arn = f"arn:aws:rds:{self.region}:{self.current_account}:integration:{secrets.token_hex(16)}"
    integrations[name] = {
        "SourceArn": self._get_param("SourceArn"),
        "TargetArn": self._get_param("TargetArn"),
        "IntegrationName": name,
        "IntegrationArn": arn,
        "Status": "active",
        "CreateTime": utcnow(),
        "Tags": [],
    }
    return ActionResult(integrations[name])


def _describe_integrations(self):
    wanted = {item["Name"]: item.get("Values", []) for item in self._get_params().get("Filters", [])}
    identifier = self._get_param("IntegrationIdentifier")
    found = [
        record
        for record in _integrations_of(self.backend).values()
        if (identifier in (None, record["IntegrationName"], record["IntegrationArn"]))
        and ("source-arn" not in wanted or record["SourceArn"] in wanted["source-arn"])
        and ("integration-identifier" not in wanted or {record["IntegrationName"], record["IntegrationArn"]} & set(wanted["integration-identifier"]))
    ]
    return ActionResult({"Integrations": found})


def _delete_integration(self):
    identifier = self._get_param("IntegrationIdentifier")
    integrations = _integrations_of(self.backend)
    for name, record in list(integrations.items()):
        if identifier in (name, record["IntegrationArn"]):
            return ActionResult({**integrations.pop(name), "Status": "deleting"})
    raise rds_exceptions.RDSClientError("IntegrationNotFoundFault", f"Integration {identifier} not found.")


_original_create_global_cluster = rds_models.RDSBackend.create_global_cluster
rds_models.RDSBackend.create_global_cluster = _create_global_cluster
rds_responses.RDSResponse.create_integration = _create_integration
rds_responses.RDSResponse.describe_integrations = _describe_integrations
rds_responses.RDSResponse.delete_integration = _delete_integration


def _acu_range(configuration) -> str | None:
    if not configuration:
        return None

    def read(name: str, snake: str):
        value = configuration.get(name, configuration.get(snake)) if hasattr(configuration, "get") else None
        return None if value is None else f"{float(value):g}"

    return f"{read('MinCapacity', 'min_capacity')}-{read('MaxCapacity', 'max_capacity')} ACUs"


_ClusteredInstance = rds_models.DBInstanceClustered
_original_create_cluster = _Backend.create_db_cluster
_original_modify_cluster = _Backend.modify_db_cluster


def _create_cluster_with_event(self, kwargs):
    # The cluster's first automated snapshot is taken inside the call; its creation comes first.
    created_at = utcnow()
    cluster = _original_create_cluster(self, kwargs)
    _record_event(cluster.db_cluster_identifier, "db-cluster", "DB cluster created", ["creation"], backend=self, date=created_at)
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
            backend=self,
        )
    return cluster


def _no_instance_backup(self) -> None:
    """Aurora backs up the cluster volume: an instance of a cluster has no backups or backup events of its own."""


_Backend.create_db_cluster = _create_cluster_with_event
_Backend.modify_db_cluster = _modify_cluster_with_event
_ClusteredInstance.save_automated_backup = _no_instance_backup


# --- CloudWatch GetMetricData, in one pass ------------------------------------------------------
#
# moto answers GetMetricData by scanning every datapoint in the window once per period of every query: a
# 14-day window at an hourly period over the sandbox's seeded history (src/lib/sandbox/usage-history.ts) takes
# seconds per query. Here the same answer in one pass per query: each datapoint that matches the query (moto's
# own rules: name and dimensions, or namespace and name without dimensions, and the unit) goes to the period
# it falls in, and each period with datapoints gets moto's own Statistics. Queries with an expression (metric
# math, Metrics Insights) are left to moto, which auroractl never sends.


_original_get_metric_data = cloudwatch_models.CloudWatchBackend.get_metric_data


def _matches(datum, query_ns, query_name, dimensions, unit) -> bool:
    if datum.name != query_name or (unit and datum.unit != unit):
        return False
    return sorted(datum.dimensions) == dimensions if dimensions else datum.namespace == query_ns


def _metric_stat_result(query, in_window, start_time, scan_by) -> dict:
    metric_stat = query["MetricStat"]
    metric = metric_stat["Metric"]
    period = int(metric_stat["Period"])
    stat = metric_stat["Stat"]
    dimensions = sorted(cloudwatch_models.Dimension(name=d["Name"], value=d["Value"]) for d in metric.get("Dimensions", []))
    periods: dict = {}
    for datum in in_window:
        if _matches(datum, metric["Namespace"], metric["MetricName"], dimensions, metric_stat.get("Unit")):
            periods.setdefault(int((datum.timestamp - start_time).total_seconds()) // period, []).append(datum)
    values, timestamps = [], []
    for index in sorted(periods):
        stats = cloudwatch_models.Statistics([stat], start_time + timedelta(seconds=index * period))
        stats.metric_data = periods[index]
        values.append(stats.get_statistics_for_type(stat))
        timestamps.append(stats.timestamp)
    if scan_by == "TimestampDescending":
        values.reverse()
        timestamps.reverse()
    label = query.get("Label") or f"{metric['MetricName']} {stat}"
    return {"id": query["Id"], "label": label, "values": values, "timestamps": timestamps, "status_code": "Complete"}


def _get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    start_time = start_time.replace(microsecond=0)
    end_time = end_time.replace(microsecond=0)
    if start_time >= end_time or any("MetricStat" not in query for query in queries):
        return _original_get_metric_data(self, queries, start_time, end_time, scan_by)
    in_window = [datum for datum in self.get_all_metrics() if start_time <= datum.timestamp < end_time]
    return [
        _metric_stat_result(query, in_window, start_time, scan_by)
        for query in queries
        if query.get("ReturnData", True)
    ]


cloudwatch_models.CloudWatchBackend.get_metric_data = _get_metric_data


# --- managed secrets and their rotation (RDS-managed master secret, rotation functions) -----------
#
# An RDS-managed master secret (ManageMasterUserPassword on CreateDBCluster or ModifyDBCluster): moto makes
# one holding username "admin" and a fixed password, which is neither the cluster's master user nor what the
# database holds. AWS makes it hold the cluster's MasterUsername and a generated password, sets the master
# password to it, and rotates it every 7 days. Here the same, the database's password set through the data plane.
#
# RotateSecret on it (or ModifyDBCluster --rotate-master-user-password --apply-immediately, which moto turns
# into one): moto moves AWSCURRENT at once to a version with no value at all. RDS labels a new version
# AWSPENDING with a new password, sets it in the database, then moves AWSCURRENT to it (AWSPREVIOUS to the
# old one). Here that happens in the background after AURORACTL_SANDBOX_ROTATION_SECONDS (default 2).
#
# RotateSecret on a secret with a rotation function (RotationLambdaARN given, or configured before): moto
# invokes the function in Docker, which the sandbox has not. The function must exist in moto's Lambda
# (CreateFunction works without Docker); its code never runs. Instead AWS's single-user PostgreSQL rotation
# function (SecretsManagerRDSPostgreSQLRotationSingleUser) is emulated in the background, one step every
# AURORACTL_SANDBOX_ROTATION_SECONDS / 4: createSecret (a new password in the AWSPENDING version), setSecret
# (that password set for the secret's user on the cluster its dbClusterIdentifier or host names), testSecret,
# finishSecret (AWSCURRENT moves; AWSPENDING stays on the new version, as AWS's function leaves it). Like the
# real function, each step first checks that the version is still AWSPENDING, and stops if not.
# Failure injection: the function's environment variable SANDBOX_FAIL_AT_STEP=<step> (createSecret, setSecret,
# testSecret or finishSecret) makes it stop before that step, leaving AWSPENDING on a version that is not
# current, as a failing function does (testSecret: the database already has the new password, the secret's
# AWSCURRENT has not). As on AWS, a RotateSecret while such a version exists answers "A previous rotation isn't
# complete. That rotation will be reattempted." and runs the rotation of that version again.
#
# moto's ListSecretVersionIds gives every version CreatedDate = now; AWS gives the version's creation time
# (doctor's secret.rotation reads the AWSCURRENT version's age from it).

_SecretsManager = secretsmanager_models.SecretsManagerBackend
_MasterUserSecret = rds_models.MasterUserSecret
_original_rotate_secret = _SecretsManager.rotate_secret
_original_master_secret_init = _MasterUserSecret.__init__
_rotation_lock = threading.RLock()
# The rotation running in the background for each secret (by ARN), so a reattempt does not start a second one.
_rotations: dict = {}
_ROTATION_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


def _rotation_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("AURORACTL_SANDBOX_ROTATION_SECONDS", "2")))
    except ValueError:
        return 2.0


def _generated_password() -> str:
    """Letters and digits only: nothing a connection URI, a shell or a .pgpass line would need escaped."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def _master_secret_init(self, resource, kms_key_id):
    _original_master_secret_init(self, resource, kms_key_id)
    username = getattr(resource, "master_username", None) or "admin"
    password = _generated_password()
    version = self.secret.versions[self.secret.default_version_id]
    version["secret_string"] = json.dumps({"username": username, "password": password})
    self.secret.secret_string = version["secret_string"]
    # RDS rotates its master secrets every 7 days unless told otherwise.
    self.secret.rotation_requested = True
    self.secret.rotation_enabled = True
    self.secret.auto_rotate_after_days = 7
    self.secret.next_rotation_date = int(time.time()) + 7 * 86400
    cluster_id = getattr(resource, "db_cluster_identifier", None)
    if isinstance(resource, rds_models.DBCluster) and cluster_id in _data_plane_clusters():
        _set_database_password(cluster_id, username, password)


def _master_secret_status(self) -> str:
    """`creating` once (moto's), `rotating` while a rotation runs, else `active`."""
    status = self._status
    if status == "creating":
        self._status = "active"
    return status


def _versions_with(secret, stage: str) -> list:
    return [version_id for version_id, version in secret.versions.items() if stage in version["version_stages"]]


def _pending_not_current(secret):
    pending = _versions_with(secret, "AWSPENDING")
    if pending and "AWSCURRENT" not in secret.versions[pending[0]]["version_stages"]:
        return pending[0]
    return None


def _still_pending(secret, version_id: str) -> bool:
    version = secret.versions.get(version_id)
    return version is not None and "AWSPENDING" in version["version_stages"] and not secret.is_deleted()


def _make_current(secret, version_id: str, *, keep_pending: bool) -> None:
    """finishSecret: AWSCURRENT moves to the version, AWSPREVIOUS to the version that had it."""
    with _rotation_lock:
        for version in secret.versions.values():
            if "AWSPREVIOUS" in version["version_stages"]:
                version["version_stages"].remove("AWSPREVIOUS")
        for old in _versions_with(secret, "AWSCURRENT"):
            secret.versions[old]["version_stages"].remove("AWSCURRENT")
            secret.versions[old]["version_stages"].append("AWSPREVIOUS")
        stages = secret.versions[version_id]["version_stages"]
        if not keep_pending and "AWSPENDING" in stages:
            stages.remove("AWSPENDING")
        stages.append("AWSCURRENT")
        secret.set_default_version_id(version_id)
        secret.secret_string = secret.versions[version_id].get("secret_string")
        secret.last_rotation_date = int(time.time())
        if secret.auto_rotate_after_days:
            secret.next_rotation_date = int(time.time()) + int(secret.auto_rotate_after_days) * 86400


def _new_pending_value(secret, version_id: str) -> str:
    """createSecret: the AWSCURRENT value with a new password, in the AWSPENDING version (kept if it has one)."""
    with _rotation_lock:
        version = secret.versions[version_id]
        if "secret_string" not in version:
            current = json.loads(secret.versions[secret.default_version_id]["secret_string"])
            version["secret_string"] = json.dumps({**current, "password": _generated_password()})
        return version["secret_string"]


def _rds_backend_of(secret):
    return rds_models.rds_backends[secret.account_id][secret.region]


def _cluster_of_master_secret(secret):
    for cluster in _rds_backend_of(secret).clusters.values():
        master = getattr(cluster, "master_user_secret", None)
        if master is not None and master.secret is secret:
            return cluster
    return None


def _cluster_named_by(secret, value: dict):
    """The cluster a rotation function works on: the secret's dbClusterIdentifier, else the cluster whose endpoint is its host."""
    clusters = _rds_backend_of(secret).clusters
    if value.get("dbClusterIdentifier") in clusters:
        return clusters[value["dbClusterIdentifier"]]
    for cluster in clusters.values():
        if value.get("host") in (cluster.endpoint, cluster.reader_endpoint):
            return cluster
    return None


def _set_on_cluster(cluster, value: dict) -> bool:
    """setSecret: the password set for the user on the cluster (a cluster without a server has nothing to set)."""
    if cluster is None:
        return False
    if cluster.db_cluster_identifier not in _data_plane_clusters():
        return True
    return _set_database_password(cluster.db_cluster_identifier, value["username"], value["password"])


def _log_rotation(secret, text: str) -> None:
    print(f"sandbox rotation of {secret.name}: {text}", file=sys.stderr, flush=True)


def _rds_rotation(secret, version_id: str) -> None:
    # ModifyDBCluster --rotate-master-user-password asks for the rotation while moto holds the cluster out of
    # its list: the cluster is looked up again once the rotation's time has passed.
    cluster = _cluster_of_master_secret(secret)
    if cluster is not None:
        cluster.master_user_secret._status = "rotating"
    try:
        value = json.loads(_new_pending_value(secret, version_id))
        time.sleep(_rotation_seconds())
        cluster = cluster or _cluster_of_master_secret(secret)
        if not _still_pending(secret, version_id):
            return
        if cluster is not None and _set_on_cluster(cluster, value):
            _make_current(secret, version_id, keep_pending=False)
        else:
            _log_rotation(secret, "the database's password could not be set; AWSPENDING stays")
    finally:
        if cluster is not None and getattr(cluster, "master_user_secret", None) is not None:
            cluster.master_user_secret._status = "active"
        _rotations.pop(secret.arn, None)


def _function_rotation(secret, version_id: str, function) -> None:
    fail_at = (function.environment_vars or {}).get("SANDBOX_FAIL_AT_STEP")
    try:
        value = None
        for step in _ROTATION_STEPS:
            time.sleep(_rotation_seconds() / len(_ROTATION_STEPS))
            if step == fail_at:
                _log_rotation(secret, f"{function.function_name} fails at {step} (SANDBOX_FAIL_AT_STEP)")
                return
            if not _still_pending(secret, version_id):
                _log_rotation(secret, f"{function.function_name} stops before {step}: version {version_id} is no longer AWSPENDING")
                return
            if step == "createSecret":
                value = json.loads(_new_pending_value(secret, version_id))
            elif step == "setSecret" and not _set_on_cluster(_cluster_named_by(secret, value), value):
                _log_rotation(secret, f"{function.function_name} failed at setSecret: no cluster took the password")
                return
            elif step == "finishSecret":
                _make_current(secret, version_id, keep_pending=True)
            # testSecret: the real function logs in with the pending password; setSecret set it just now.
    finally:
        _rotations.pop(secret.arn, None)


def _start_rotation(secret, version_id: str, function) -> None:
    with _rotation_lock:
        running = _rotations.get(secret.arn)
        if running is not None and running.is_alive():
            return
        if function is None:
            worker = threading.Thread(target=_rds_rotation, args=(secret, version_id), daemon=True)
        else:
            worker = threading.Thread(target=_function_rotation, args=(secret, version_id, function), daemon=True)
        _rotations[secret.arn] = worker
        worker.start()


def _rotation_function(backend, arn: str):
    from moto.awslambda.utils import get_backend

    try:
        return get_backend(backend.account_id, backend.region_name).get_function(arn)
    except Exception:
        raise secretsmanager_models.ResourceNotFoundException(f"Resource not found for ARN '{arn}'.")


def _configure_rotation(secret, rotation_lambda_arn, rotation_rules) -> None:
    """RotateSecret's configuration part, as moto's own does it."""
    days = (rotation_rules or {}).get("AutomaticallyAfterDays")
    if days is not None:
        if not 1 <= int(days) <= 1000:
            raise secretsmanager_models.InvalidParameterException("RotationRules.AutomaticallyAfterDays must be within 1-1000.")
        secret.auto_rotate_after_days = int(days)
        secret.next_rotation_date = int(time.time()) + int(days) * 86400
    secret.rotation_requested = True
    if rotation_lambda_arn:
        secret.rotation_lambda_arn = rotation_lambda_arn
    if secret.auto_rotate_after_days > 0:
        secret.rotation_enabled = True


def _rotate_secret(self, secret_id, client_request_token=None, rotation_lambda_arn=None, rotation_rules=None, rotate_immediately=True):
    secret = self.secrets.get(secret_id) if self._is_valid_identifier(secret_id) else None
    managed_by_rds = secret is not None and secret.owning_service == "rds"
    function_arn = rotation_lambda_arn or getattr(secret, "rotation_lambda_arn", "")
    if secret is None or isinstance(secret, secretsmanager_models.ReplicaSecret) or secret.is_deleted() or not (managed_by_rds or function_arn):
        return _original_rotate_secret(self, secret_id, client_request_token, rotation_lambda_arn, rotation_rules, rotate_immediately)
    function = None if managed_by_rds else _rotation_function(self, function_arn)
    _configure_rotation(secret, None if managed_by_rds else function_arn, rotation_rules)
    stuck = _pending_not_current(secret)
    if stuck is not None:
        _start_rotation(secret, stuck, function)
        raise secretsmanager_models.InvalidRequestException("A previous rotation isn't complete. That rotation will be reattempted.")
    if not rotate_immediately:
        return secret.to_short_dict()
    if client_request_token:
        self._client_request_token_validator(client_request_token)
    version_id = client_request_token or str(secretsmanager_models.mock_random.uuid4())
    with _rotation_lock:
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        # The new version exists at once, labelled AWSPENDING, without a value until createSecret gives it one.
        secret.versions[version_id] = {"createdate": int(time.time()), "version_id": version_id, "version_stages": ["AWSPENDING"]}
    _start_rotation(secret, version_id, function)
    return secret.to_short_dict(version_id=version_id)


def _list_secret_version_ids(self, secret_id: str) -> str:
    secret = self.secrets[secret_id]
    now = int(time.time())
    versions = [
        {
            "CreatedDate": version.get("createdate", now),
            "LastAccessedDate": now,
            "VersionId": version_id,
            "VersionStages": version["version_stages"],
        }
        for version_id, version in secret.versions.items()
    ]
    return json.dumps({"ARN": secret.arn, "Name": secret.name, "NextToken": "", "Versions": versions})


_MasterUserSecret.__init__ = _master_secret_init
_MasterUserSecret.secret_status = property(_master_secret_status)
_SecretsManager.rotate_secret = _rotate_secret
_SecretsManager.list_secret_version_ids = _list_secret_version_ids


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: moto_launcher.py HOST PORT")
    moto_main(["-H", sys.argv[1], "-p", sys.argv[2]])
