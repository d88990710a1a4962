"""Names derived deterministically from the config, shared by stacks that never reference each
other's resources directly."""

from __future__ import annotations


def ou_id_parameter_name(organization: str, ou_path: str) -> str:
    """SSM parameter (in the management account) holding the id of a created OU."""
    return f"/{organization}/landing-zone/organizational-units/{ou_path}/id"


def stack_name(organization: str, role: str) -> str:
    return f"{organization}-{role}"


def accounts_stack_role(shard: int, shard_count: int) -> str:
    return "accounts" if shard_count == 1 else f"accounts-{shard + 1:02d}"
