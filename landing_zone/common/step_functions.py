"""What a Step Functions state machine's execution role needs for logging and tracing."""

from __future__ import annotations

from typing import Final

LOG_DELIVERY_ACTIONS: Final = (
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
)
"""The log delivery actions Step Functions documents for logging to CloudWatch Logs
(https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html); none has a resource type."""

TRACING_ACTIONS: Final = (
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
)
"""What X-Ray tracing of a state machine needs (Step Functions developer guide, "X-Ray and Step
Functions"); none has a resource type."""
