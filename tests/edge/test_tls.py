"""TLS 1.2 or later: ELB listener policies, HTTPS listeners, DNS-validated ACM certificates."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk.assertions import Template
from conftest import cdk_context

from landing_zone.edge.tls import (
    DEFAULT_SSL_POLICY,
    OLD_TLS_POLICIES,
    TlsCertificate,
    add_https_listener,
    check_ssl_policy,
    refuses_old_tls,
)

ENV = Environment(account="666666666666", region="eu-west-1")
NOT_FOUND = elbv2.ListenerAction.fixed_response(404)


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Tls", env=ENV)


@pytest.mark.parametrize(
    "policy",
    [
        elbv2.SslPolicy.RECOMMENDED_TLS,
        elbv2.SslPolicy.TLS13_13,
        elbv2.SslPolicy.TLS13_EXT2,
        elbv2.SslPolicy.TLS12,
        elbv2.SslPolicy.TLS12_EXT,
        elbv2.SslPolicy.FORWARD_SECRECY_TLS12_RES_GCM,
        elbv2.SslPolicy.FORWARD_SECRECY_TLS12,
    ],
)
def test_policies_without_tls_below_1_2_are_accepted(policy: elbv2.SslPolicy) -> None:
    assert check_ssl_policy("ssl_policy", policy) == policy


@pytest.mark.parametrize(
    "policy",
    [
        elbv2.SslPolicy.RECOMMENDED,  # ELBSecurityPolicy-2016-08: TLS 1.0
        elbv2.SslPolicy.TLS11,
        elbv2.SslPolicy.FORWARD_SECRECY_TLS11,
        elbv2.SslPolicy.TLS13_10,
        elbv2.SslPolicy.TLS13_11,
        elbv2.SslPolicy.LEGACY,
    ],
)
def test_policies_that_accept_tls_1_0_or_1_1_are_rejected(policy: elbv2.SslPolicy) -> None:
    with pytest.raises(ValueError, match=r"accepts TLS versions below 1\.2"):
        check_ssl_policy("ssl_policy", policy)


def test_member_check_agrees_with_the_policy_names_cdk_writes() -> None:
    # Every SslPolicy member, synthesized: the Python check (on member names) and the template
    # check (on the policy names, ``refuses_old_tls``) must agree for each.
    stack = _stack()
    alb = _load_balancer(stack)
    certificate = _certificate(stack)
    members = list(elbv2.SslPolicy)
    for port, policy in enumerate(members, start=1000):
        alb.add_listener(
            policy.name,
            port=port,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[certificate],
            ssl_policy=policy,
            default_action=elbv2.ListenerAction.fixed_response(404),
        )
    written = {
        properties["Port"]: properties["SslPolicy"]
        for properties in _listeners(Template.from_stack(stack)).values()
    }
    assert len(written) == len(members) > 30
    for port, policy in enumerate(members, start=1000):
        assert refuses_old_tls(written[port]) == (policy.name not in OLD_TLS_POLICIES), (
            policy.name,
            written[port],
        )


def _load_balancer(stack: Stack) -> elbv2.ApplicationLoadBalancer:
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    return elbv2.ApplicationLoadBalancer(stack, "Alb", vpc=vpc, internet_facing=True)


def _certificate(stack: Stack) -> acm.ICertificate:
    return acm.Certificate.from_certificate_arn(
        stack, "Cert", "arn:aws:acm:eu-west-1:666666666666:certificate/1234abcd-12ab-34cd-56ef"
    )


def _listeners(template: Template) -> dict[int, dict[str, Any]]:
    return {
        resource["Properties"]["Port"]: resource["Properties"]
        for resource in template.find_resources("AWS::ElasticLoadBalancingV2::Listener").values()
    }


def test_https_listener_uses_the_recommended_tls_policy_and_http_only_redirects() -> None:
    stack = _stack()
    add_https_listener(
        _load_balancer(stack), "Https", certificates=[_certificate(stack)], default_action=NOT_FOUND
    )
    listeners = _listeners(Template.from_stack(stack))
    assert listeners[443]["Protocol"] == "HTTPS"
    assert DEFAULT_SSL_POLICY == elbv2.SslPolicy.RECOMMENDED_TLS
    assert listeners[443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert listeners[80]["Protocol"] == "HTTP"
    (action,) = listeners[80]["DefaultActions"]
    assert action["Type"] == "redirect"
    assert action["RedirectConfig"]["Protocol"] == "HTTPS"
    assert action["RedirectConfig"]["Port"] == "443"


def test_https_listener_opens_no_security_group_rule_itself() -> None:
    stack = _stack()
    add_https_listener(
        _load_balancer(stack), "Https", certificates=[_certificate(stack)], default_action=NOT_FOUND
    )
    ingress = [
        rule
        for group in Template.from_stack(stack).find_resources("AWS::EC2::SecurityGroup").values()
        for rule in group["Properties"].get("SecurityGroupIngress", [])
    ]
    assert ingress == []


def test_https_listener_without_redirect_has_no_port_80() -> None:
    stack = _stack()
    add_https_listener(
        _load_balancer(stack),
        "Https",
        certificates=[_certificate(stack)],
        redirect_http=False,
        default_action=NOT_FOUND,
    )
    assert sorted(_listeners(Template.from_stack(stack))) == [443]


def test_https_listener_rejects_an_old_policy_and_no_certificate() -> None:
    stack = _stack()
    alb = _load_balancer(stack)
    with pytest.raises(ValueError, match=r"below 1\.2"):
        add_https_listener(
            alb, "Old", certificates=[_certificate(stack)], ssl_policy=elbv2.SslPolicy.TLS11
        )
    with pytest.raises(ValueError, match="certificates: got none"):
        add_https_listener(alb, "NoCert", certificates=[])


def test_certificate_is_validated_through_dns_in_the_hosted_zone() -> None:
    stack = _stack()
    zone = route53.HostedZone.from_hosted_zone_attributes(
        stack, "Zone", hosted_zone_id="Z0123456789ABCDEFGHIJ", zone_name="acme-pay.example"
    )
    TlsCertificate(
        stack,
        "Api",
        domain_name="api.acme-pay.example",
        subject_alternative_names=["*.api.acme-pay.example"],
        hosted_zone=zone,
    )
    (certificate,) = (
        Template.from_stack(stack).find_resources("AWS::CertificateManager::Certificate").values()
    )
    properties = certificate["Properties"]
    assert properties["ValidationMethod"] == "DNS"
    assert properties["DomainName"] == "api.acme-pay.example"
    assert properties["SubjectAlternativeNames"] == ["*.api.acme-pay.example"]
    assert {o["HostedZoneId"] for o in properties["DomainValidationOptions"]} == {
        "Z0123456789ABCDEFGHIJ"
    }


def test_certificate_without_a_zone_still_validates_through_dns() -> None:
    stack = _stack()
    TlsCertificate(stack, "Api", domain_name="api.acme-pay.example")
    (certificate,) = (
        Template.from_stack(stack).find_resources("AWS::CertificateManager::Certificate").values()
    )
    assert certificate["Properties"]["ValidationMethod"] == "DNS"
    assert "DomainValidationOptions" not in certificate["Properties"]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"domain_name": "API.example.com"}, "lowercase domain name"),
        ({"domain_name": "api..example.com"}, "lowercase domain name"),
        ({"domain_name": "example.com", "subject_alternative_names": ["a.*.example.com"]}, "a.*"),
        (
            {"domain_name": "example.com", "subject_alternative_names": ["example.com"]},
            "more than once",
        ),
        (
            {
                "domain_name": "example.com",
                "subject_alternative_names": [f"s{i}.example.com" for i in range(10)],
            },
            "at most 10",
        ),
    ],
)
def test_certificate_rejects_bad_names(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("*", r"\*").replace(".", r"\.")):
        TlsCertificate(_stack(), "Bad", **props)
