"""Runs moto's server for the auroractl sandbox, with the RDS fields moto does not model yet.

moto (pinned in src/lib/sandbox/python.ts) accepts EnablePerformanceInsights on CreateDBInstance
and ModifyDBInstance but drops it, and gives every instance the same DbiResourceId. Real AWS
returns both, and auroractl reads both (status, doctor, pi), so this launcher keeps them on the
instance model. The CLI talks to this server exactly as it talks to AWS: nothing here is a code
path of auroractl's own.

Usage: python moto_launcher.py HOST PORT
"""

import secrets
import string
import sys

from moto.rds import models as rds_models
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

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: moto_launcher.py HOST PORT")
    moto_main(["-H", sys.argv[1], "-p", sys.argv[2]])
