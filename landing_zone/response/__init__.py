"""Incident response: finding-driven containment playbooks run by Step Functions in the
security-tooling account, acting through a response role in every account.

The constructs are re-exported lazily: the decision logic and the Lambda runtime
(``runtime/``) are plain Python, and importing them must not load aws-cdk-lib (nor the
detection package, which the constructs build on). The playbook definitions are plain data but
read the config model and the guardrails' names, which do load it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .asl import Steps
    from .response_role import ResponseRole
    from .sign_in_forwarding import SignInBus, SignInForwarding
    from .workflows import (
        DRILL,
        IP_EXPIRY,
        PLAYBOOK_WORKFLOWS,
        ResponseForwarding,
        ResponseTopic,
        ResponseWorkflows,
        execution_role_arns,
        resource_name,
    )

_EXPORTS = {
    "DRILL": "workflows",
    "IP_EXPIRY": "workflows",
    "PLAYBOOK_WORKFLOWS": "workflows",
    "ResponseForwarding": "workflows",
    "ResponseRole": "response_role",
    "ResponseTopic": "workflows",
    "ResponseWorkflows": "workflows",
    "SignInBus": "sign_in_forwarding",
    "SignInForwarding": "sign_in_forwarding",
    "Steps": "asl",
    "execution_role_arns": "workflows",
    "resource_name": "workflows",
}

__all__ = [
    "DRILL",
    "IP_EXPIRY",
    "PLAYBOOK_WORKFLOWS",
    "ResponseForwarding",
    "ResponseRole",
    "ResponseTopic",
    "ResponseWorkflows",
    "SignInBus",
    "SignInForwarding",
    "Steps",
    "execution_role_arns",
    "resource_name",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
