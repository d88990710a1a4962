"""Edge protection: AWS WAF web ACLs for regional resources and CloudFront, the buckets their
logs go to, and TLS certificates."""

from .tls import TlsCertificate
from .waf_log_bucket import WafLogBucket
from .web_acl import MANAGED_RULE_GROUPS, WebAcl, waf_log_bucket_name

__all__ = [
    "MANAGED_RULE_GROUPS",
    "TlsCertificate",
    "WafLogBucket",
    "WebAcl",
    "waf_log_bucket_name",
]
