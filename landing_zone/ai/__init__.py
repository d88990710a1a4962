"""Controls for AI workloads: Bedrock guardrails and inference that only works through them,
model invocation logging, alarms on Bedrock use, scanned training data, and agent identity and
authorization."""

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
from landing_zone.ai.training_data import TrainingData, macie_key_policy_statement

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
    "TrainingData",
    "foundation_model_arn",
    "guarded_inference_statements",
    "macie_key_policy_statement",
]
