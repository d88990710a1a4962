"""Edge protection: AWS WAF web ACLs for regional resources and CloudFront."""

from .web_acl import MANAGED_RULE_GROUPS, WebAcl, waf_log_bucket_name

__all__ = ["MANAGED_RULE_GROUPS", "WebAcl", "waf_log_bucket_name"]
