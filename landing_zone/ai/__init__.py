"""Controls for AI workloads: Bedrock guardrails and inference that only works through them."""

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

__all__ = [
    "CARD_DATA_PII",
    "CONTENT_FILTERS",
    "FINANCE_DENIED_TOPICS",
    "FINANCE_PII",
    "INFERENCE_ACTIONS",
    "PII_TYPES",
    "BedrockGuardrail",
    "DeniedTopic",
    "RegexFilter",
    "foundation_model_arn",
    "guarded_inference_statements",
]
