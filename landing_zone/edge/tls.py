"""TLS 1.2 or later at the edge: ACM certificates validated through DNS, and load balancer
listeners whose security policy refuses TLS 1.0 and 1.1."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from constructs import Construct

DEFAULT_SSL_POLICY = elbv2.SslPolicy.RECOMMENDED_TLS
"""``ELBSecurityPolicy-TLS13-1-2-2021-06``: TLS 1.3 and 1.2 with forward-secret ciphers, AWS's
recommended policy for new listeners."""

TLS12_POLICY = re.compile(
    r"ELBSecurityPolicy-(TLS13-1-[23]|TLS-1-2|FS-1-2)(-[A-Za-z0-9]+)*-[0-9]{4}-[0-9]{2}"
)
"""Names of the ELB security policies whose lowest protocol is TLS 1.2 or 1.3 (the
``TLS13-1-2``/``TLS13-1-3`` families, ``TLS-1-2`` and ``FS-1-2``, their ``Res``, ``Ext`` and
``PQ`` variants included). The others (``ELBSecurityPolicy-2016-08``, ``TLS-1-1``,
``FS-1-1``, ``TLS13-1-0``, ``TLS13-1-1``) still accept TLS 1.0 or 1.1."""

_DOMAIN = re.compile(r"(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
MAX_NAMES = 10
"""ACM's default quota of domain names per certificate."""


OLD_TLS_POLICIES = frozenset(
    member
    for member in elbv2.SslPolicy.__members__
    if member in {"RECOMMENDED", "LEGACY", "FORWARD_SECRECY", "FORWARD_SECRECY_TLS11", "TLS11"}
    or re.search(r"TLS13_1[01](_|$)", member)
)
"""The ``elbv2.SslPolicy`` members whose policy still accepts TLS 1.0 or 1.1. (In Python the
members' values are their names; the policy names appear only in the template, where
``TLS12_POLICY`` applies. A test synthesizes every member to keep the two in agreement.)"""


def refuses_old_tls(policy_name: str) -> bool:
    """Whether the ELB security policy ``policy_name`` (as in a template) refuses TLS below 1.2."""
    return TLS12_POLICY.fullmatch(policy_name) is not None


def check_ssl_policy(prop: str, policy: elbv2.SslPolicy) -> elbv2.SslPolicy:
    """``policy`` if it refuses TLS below 1.2, else ValueError naming ``prop``."""
    if policy.name in OLD_TLS_POLICIES:
        raise ValueError(
            f"{prop}: SslPolicy.{policy.name} accepts TLS versions below 1.2; allowed: a policy "
            "of the TLS13-1-2, TLS13-1-3, TLS-1-2 or FS-1-2 families, such as "
            "SslPolicy.RECOMMENDED_TLS"
        )
    return policy


def add_https_listener(
    load_balancer: elbv2.ApplicationLoadBalancer,
    construct_id: str,
    *,
    certificates: Sequence[acm.ICertificate],
    ssl_policy: elbv2.SslPolicy = DEFAULT_SSL_POLICY,
    redirect_http: bool = True,
    default_action: elbv2.ListenerAction | None = None,
) -> elbv2.ApplicationListener:
    """An HTTPS listener on 443 with ``ssl_policy`` (TLS 1.2 or later, checked) and, with
    ``redirect_http``, a listener on 80 that only redirects to HTTPS. Add targets or actions to
    the returned listener (or give ``default_action``); it opens no security group rule of its
    own (``open=False``), so the load balancer's group decides who may connect (see
    ``load_balancer_security_group``)."""
    check_ssl_policy("ssl_policy", ssl_policy)
    if not certificates:
        raise ValueError("certificates: got none; allowed: one or more certificates")
    listener = load_balancer.add_listener(
        construct_id,
        port=443,
        protocol=elbv2.ApplicationProtocol.HTTPS,
        certificates=[elbv2.ListenerCertificate.from_certificate_manager(c) for c in certificates],
        ssl_policy=ssl_policy,
        open=False,
        default_action=default_action,
    )
    if redirect_http:
        load_balancer.add_redirect(
            source_port=80,
            source_protocol=elbv2.ApplicationProtocol.HTTP,
            target_port=443,
            target_protocol=elbv2.ApplicationProtocol.HTTPS,
            open=False,
        )
    return listener


def check_certificate_names(domain_name: str, subject_alternative_names: Sequence[str]) -> None:
    """Raise ValueError unless ACM would take these names: lowercase domain names (``*.``
    allowed as the first label) of at most 253 characters, distinct, at most ``MAX_NAMES``."""
    names = [domain_name, *subject_alternative_names]
    labelled = [("domain_name", domain_name)]
    labelled += [("subject_alternative_names", name) for name in subject_alternative_names]
    for prop, name in labelled:
        if not _DOMAIN.fullmatch(name) or len(name) > 253:
            raise ValueError(
                f"{prop}: {name!r} is not a lowercase domain name of at most 253 characters "
                "such as api.example.com or *.example.com"
            )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"subject_alternative_names: {repeated} given more than once")
    if len(names) > MAX_NAMES:
        raise ValueError(
            f"subject_alternative_names: {len(names)} names in all; allowed: at most "
            f"{MAX_NAMES} (ACM's default quota)"
        )


class TlsCertificate(Construct):
    """An ACM certificate (``certificate``) for ``domain_name`` and its alternative names,
    validated through DNS: with ``hosted_zone``, CloudFormation creates the validation records
    there and waits for the certificate to be issued; without it, the stack waits until someone
    adds the records ACM shows (up to 72 hours, then ACM gives up). DNS validation renews the
    certificate automatically as long as the records stay; e-mail validation is never used.

    ACM certificates get RSA-2048 keys by default; a load balancer or CloudFront decides the
    protocol versions, see ``add_https_listener``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_name: str,
        subject_alternative_names: Sequence[str] = (),
        hosted_zone: route53.IHostedZone | None = None,
    ) -> None:
        """
        :param domain_name: The certificate's main name, lowercase, ``*.`` allowed as the
            first label (``api.example.com``, ``*.example.com``).
        :param subject_alternative_names: Further names, same format; at most 9 (ACM's quota
            of 10 names per certificate).
        :param hosted_zone: The public hosted zone that holds every name. Default: none.
        """
        super().__init__(scope, construct_id)
        check_certificate_names(domain_name, subject_alternative_names)
        self.certificate = acm.Certificate(
            self,
            "Resource",
            domain_name=domain_name,
            subject_alternative_names=list(subject_alternative_names) or None,
            validation=acm.CertificateValidation.from_dns(hosted_zone),
        )
        """The ACM certificate."""
