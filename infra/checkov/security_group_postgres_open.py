"""auroractl's own checkov check, loaded with --external-checks-dir infra/checkov (test/helpers/checkov.ts).

checkov's built-in checks refuse ingress from the whole internet to ports 22, 80 and 3389 (and to every
port), but not to PostgreSQL's: this one fails a security group, or an ingress rule, that admits 5432
from 0.0.0.0/0 or ::/0. A rule from another security group, or from a named CIDR, passes.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.common.util.type_forcers import force_int, force_list
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

PORT = 5432
WORLD = {"0.0.0.0/0", "::/0"}


def _first(conf: dict[str, Any], key: str) -> Any:
    values = force_list(conf.get(key, []))
    return values[0] if values else None


def _opens_port_to_world(rule: dict[str, Any]) -> bool:
    protocol = str(_first(rule, "ip_protocol") or _first(rule, "protocol") or "tcp")
    from_port = force_int(_first(rule, "from_port"))
    to_port = force_int(_first(rule, "to_port"))
    covers = protocol == "-1" or (from_port is not None and to_port is not None and from_port <= PORT <= to_port)
    sources: set[str] = set()
    for key in ("cidr_ipv4", "cidr_ipv6", "cidr_blocks", "ipv6_cidr_blocks"):
        for value in force_list(rule.get(key, [])):
            sources.update(str(item) for item in force_list(value))
    return covers and bool(sources & WORLD)


class SecurityGroupPostgresOpenToWorld(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=f"Ensure no security group allows ingress from 0.0.0.0/0 or ::/0 to PostgreSQL (port {PORT})",
            id="CKV_AURORACTL_5432",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"),
        )

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        if "type" in conf and str(_first(conf, "type")) != "ingress":
            return CheckResult.UNKNOWN
        rules = [rule for block in force_list(conf.get("ingress", [])) for rule in force_list(block) if isinstance(rule, dict)]
        if any(_opens_port_to_world(rule) for rule in rules) or _opens_port_to_world(conf):
            return CheckResult.FAILED
        return CheckResult.PASSED


check = SecurityGroupPostgresOpenToWorld()
