"""Load balancer listeners speak TLS 1.2 or later, and plain HTTP only to redirect to HTTPS.

An ``AWS::ElasticLoadBalancingV2::Listener`` of protocol ``HTTPS`` or ``TLS`` is compliant when
its ``SslPolicy`` is a literal policy name of the families that refuse TLS 1.0 and 1.1
(``landing_zone.edge.tls.TLS12_POLICY``: ``TLS13-1-2``, ``TLS13-1-3``, ``TLS-1-2``, ``FS-1-2``).
Without ``SslPolicy`` Elastic Load Balancing picks its default, which has changed over time, so
an absent policy is non-compliant. A listener of protocol ``HTTP`` is compliant when each of
its default actions redirects to ``HTTPS``; a rule (``ListenerRule``) on it that forwards plain
HTTP is not judged here. ``TCP``, ``UDP`` and ``TCP_UDP`` listeners pass traffic through
without terminating TLS and are not applicable. What the rule cannot read (an intrinsic
protocol, policy or action) raises TypeError, reported as a violation.
"""

from typing import Any

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules._cfn import (
    as_list,
    get_property,
    literal_string,
)
from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource
from landing_zone.edge.tls import refuses_old_tls

RESOURCE_TYPES = frozenset({"AWS::ElasticLoadBalancingV2::Listener"})
_TERMINATES_TLS = frozenset({"HTTPS", "TLS"})
_PASSES_THROUGH = frozenset({"TCP", "UDP", "TCP_UDP"})


def load_balancer_listener_tls(resource: Resource) -> RuleResult:
    """Compliant when the listener refuses TLS below 1.2, or only redirects HTTP to HTTPS."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    properties = resource.properties
    protocol = literal_string(get_property(properties, "Protocol"))
    if protocol in _PASSES_THROUGH:
        return NagRuleCompliance.NOT_APPLICABLE
    if protocol in _TERMINATES_TLS:
        policy = get_property(properties, "SslPolicy")
        if policy is None:
            return NagRuleCompliance.NON_COMPLIANT
        return (
            NagRuleCompliance.COMPLIANT
            if refuses_old_tls(literal_string(policy))
            else NagRuleCompliance.NON_COMPLIANT
        )
    actions = as_list(get_property(properties, "DefaultActions"))
    if actions and all(_redirects_to_https(action) for action in actions):
        return NagRuleCompliance.COMPLIANT
    return NagRuleCompliance.NON_COMPLIANT


def _redirects_to_https(action: Any) -> bool:
    if literal_string(get_property(action, "Type")) != "redirect":
        return False
    redirect = get_property(action, "RedirectConfig")
    return redirect is not None and get_property(redirect, "Protocol") == "HTTPS"


LOAD_BALANCER_LISTENER_TLS = FintechRule(
    suffix="LoadBalancerListenerTls",
    info=(
        "The load balancer listener accepts TLS 1.0 or 1.1 (its SslPolicy is absent or of an "
        "older family), or serves plain HTTP instead of only redirecting to HTTPS."
    ),
    explanation=(
        "Cardholder and personal data cross the internet only over strong cryptography: TLS "
        "1.0 and 1.1 are deprecated (PCI DSS 4.2.1, NIST SC-8, SC-13). Use an ELB security "
        "policy of the TLS13-1-2 family (ELBSecurityPolicy-TLS13-1-2-2021-06, CDK's "
        "SslPolicy.RECOMMENDED_TLS, as landing_zone.edge.tls.add_https_listener does) and "
        "let port 80 only redirect to HTTPS."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=load_balancer_listener_tls,
)
