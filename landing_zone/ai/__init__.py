"""Controls for AI workloads: Bedrock guardrails and inference that only works through them,
model invocation logging, alarms on Bedrock use, and agent identity and authorization."""

from landing_zone.ai.agent_identity import AgentIdentity
from landing_zone.ai.alarms import BedrockUsageAlarms
from landing_zone.ai.guardrail import (
    CARD_DATA_PII,
    CONTENT_FILTERS,
    FINANCE_DENIED_TOPICS,
    FINANCE_PII,
    PII_TYPES,
    BedrockGuardrail,
    DeniedTopic,
    RegexFilter,
)
from landing_zone.ai.invocation import (
    INFERENCE_ACTIONS,
    foundation_model_arn,
    guarded_inference_statements,
)
from landing_zone.ai.invocation_logging import ModelInvocationLogging

__all__ = [
    "CARD_DATA_PII",
    "CONTENT_FILTERS",
    "FINANCE_DENIED_TOPICS",
    "FINANCE_PII",
    "INFERENCE_ACTIONS",
    "PII_TYPES",
    "AgentIdentity",
    "BedrockGuardrail",
    "BedrockUsageAlarms",
    "DeniedTopic",
    "ModelInvocationLogging",
    "RegexFilter",
    "foundation_model_arn",
    "guarded_inference_statements",
]
