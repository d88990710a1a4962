"""An Amazon Bedrock guardrail with the defaults a payments company needs, and its published
version, which is what callers must name (see ``landing_zone.ai.invocation``)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from aws_cdk import Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from constructs import Construct

from landing_zone.ai.invocation import guarded_inference_statements
from landing_zone.common.tokens import is_unresolved
from landing_zone.keys.key_input import KeyInput, as_key

Strength = Literal["NONE", "LOW", "MEDIUM", "HIGH"]
PiiAction = Literal["BLOCK", "ANONYMIZE"]

CONTENT_FILTERS: tuple[str, ...] = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")
"""The harmful-content categories filtered on input and output (prompt attacks apart)."""

PII_TYPES = frozenset(
    {
        "ADDRESS", "AGE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "CA_HEALTH_NUMBER",
        "CA_SOCIAL_INSURANCE_NUMBER", "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY",
        "CREDIT_DEBIT_CARD_NUMBER", "DRIVER_ID", "EMAIL", "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
        "IP_ADDRESS", "LICENSE_PLATE", "MAC_ADDRESS", "NAME", "PASSWORD", "PHONE", "PIN",
        "SWIFT_CODE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER",
        "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "URL", "USERNAME", "US_BANK_ACCOUNT_NUMBER",
        "US_BANK_ROUTING_NUMBER", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
        "US_PASSPORT_NUMBER", "US_SOCIAL_SECURITY_NUMBER", "VEHICLE_IDENTIFICATION_NUMBER",
    }
)  # fmt: skip
"""The PII entity types Bedrock Guardrails detect (GuardrailPiiEntity in the API reference)."""

FINANCE_PII: Mapping[str, PiiAction] = {
    "CREDIT_DEBIT_CARD_NUMBER": "BLOCK",
    "CREDIT_DEBIT_CARD_CVV": "BLOCK",
    "CREDIT_DEBIT_CARD_EXPIRY": "BLOCK",
    "PIN": "BLOCK",
    "US_BANK_ACCOUNT_NUMBER": "BLOCK",
    "US_BANK_ROUTING_NUMBER": "BLOCK",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": "BLOCK",
    "SWIFT_CODE": "ANONYMIZE",
    "US_SOCIAL_SECURITY_NUMBER": "BLOCK",
    "AWS_ACCESS_KEY": "BLOCK",
    "AWS_SECRET_KEY": "BLOCK",
    "PASSWORD": "BLOCK",
    "EMAIL": "ANONYMIZE",
    "PHONE": "ANONYMIZE",
}
"""Card data (PAN, CVV, expiry, PIN: PCI DSS never lets a model see or say them), bank
account, routing and IBAN numbers, social security numbers and credentials are blocked; contact
details and bank codes are masked so a conversation can go on without them."""

CARD_DATA_PII = frozenset(
    {"CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY"}
)
"""The card data every guardrail of the landing zone must filter."""


@dataclass(frozen=True, kw_only=True)
class DeniedTopic:
    """A subject the model must neither discuss nor be asked about."""

    name: str
    definition: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RegexFilter:
    """A sensitive-information pattern of your own, such as an internal account id."""

    name: str
    pattern: str
    action: PiiAction = "BLOCK"
    description: str | None = None


FINANCE_DENIED_TOPICS: tuple[DeniedTopic, ...] = (
    DeniedTopic(
        name="Personalized investment advice",
        definition=(
            "Recommendations to a specific person to buy, sell or hold particular securities, "
            "funds, crypto assets or other investments, or how to allocate their money."
        ),
        examples=(
            "Should I put my savings into this stock?",
            "Which crypto coin should I buy this week?",
            "How should I split my pension between these funds?",
        ),
    ),
    DeniedTopic(
        name="Evading KYC and AML checks",
        definition=(
            "Instructions or help to avoid, defeat or deceive know-your-customer, anti-money "
            "laundering, sanctions or fraud checks, including structuring payments."
        ),
        examples=(
            "How can I open an account without showing ID?",
            "How do I split a transfer so it is not reported?",
            "Which details can I change to get past the sanctions screening?",
        ),
    ),
)
"""Topics no fintech assistant may engage with: regulated investment advice and financial
crime."""

_NAME = re.compile(r"[0-9a-zA-Z_-]{1,50}")
_REASONING_POLICY_ARN = re.compile(
    r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:automated-reasoning-policy/[a-z0-9]{12}"
    r"(:[1-9][0-9]{0,11})?"
)
_TOPIC_NAME = re.compile(r"[0-9a-zA-Z-_ !?.]{1,100}")
MAX_TOPICS = 30
MAX_TOPIC_EXAMPLES = 5
MAX_TOPIC_DEFINITION = 200
MAX_TOPIC_EXAMPLE = 100
MAX_REGEXES = 10
MAX_REGEX_PATTERN = 500
MAX_WORD = 100
MAX_MESSAGE = 500
DEFAULT_BLOCKED_INPUT = (
    "Sorry, I can't help with that request. Please contact our support team for help."
)
DEFAULT_BLOCKED_OUTPUT = (
    "Sorry, I can't share that answer. Please contact our support team for help."
)


class BedrockGuardrail(Construct):
    """An Amazon Bedrock guardrail (``Resource``) with all six safeguard policies, encrypted
    with ``kms_key``, and a published version (``Version``).

    - **Content filters**: hate, insults, sexual, violence and misconduct at
      ``content_strength`` (default HIGH) on input and output; prompt attacks (jailbreaks,
      prompt injection) at ``prompt_attack_strength`` (default HIGH) on input, the only
      direction Bedrock filters them in.
    - **Denied topics**: ``denied_topics`` (default: personalized investment advice, evading
      KYC/AML checks).
    - **Sensitive information**: the PII types of ``pii_entities`` (default ``FINANCE_PII``),
      which must block card numbers, CVVs and expiry dates, and ``regexes`` of your own.
    - **Word filters**: AWS's profanity list (``profanity``) and ``blocked_words``.
    - **Contextual grounding**: responses below ``grounding_threshold`` or
      ``relevance_threshold`` (0 to 0.99, default 0.75) are blocked when a caller passes a
      grounding source.
    - **Automated Reasoning**: ``automated_reasoning_policies`` (policy ARNs) when given.

    The version's description carries a digest of the configuration: CloudFormation replaces a
    version when its description changes, so every change of the guardrail publishes a new
    version, and ``version_arn`` (what IAM pins callers to) follows. The working draft is never
    what callers use.

    :attr:`enforce_in_account` adds the account-level enforced guardrail configuration
    (``AWS::Bedrock::EnforcedGuardrailConfiguration``), which applies the version to every
    inference call of the account and region, whatever the caller names.

    Not verified here (no AWS account): that Bedrock accepts the ``MISCONDUCT`` category and
    the profanity list in every region that offers guardrails.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kms_key: KeyInput,
        name: str = "landing-zone",
        description: str | None = None,
        blocked_input_message: str = DEFAULT_BLOCKED_INPUT,
        blocked_output_message: str = DEFAULT_BLOCKED_OUTPUT,
        content_strength: Strength = "HIGH",
        prompt_attack_strength: Strength = "HIGH",
        denied_topics: Sequence[DeniedTopic] = FINANCE_DENIED_TOPICS,
        pii_entities: Mapping[str, PiiAction] = FINANCE_PII,
        regexes: Sequence[RegexFilter] = (),
        profanity: bool = True,
        blocked_words: Sequence[str] = (),
        grounding_threshold: float = 0.75,
        relevance_threshold: float = 0.75,
        automated_reasoning_policies: Sequence[str] = (),
    ) -> None:
        """
        :param kms_key: Encrypts the guardrail's configuration: the AI artifacts data class key,
            a ``kms.IKey`` or the ``DataClassKey`` itself.
        :param name: Name of the guardrail, unique in the account and region; 1-50 letters,
            digits, ``_`` or ``-``. Default: ``landing-zone``.
        :param description: Default: a description naming the landing zone.
        :param blocked_input_message: What callers get instead of a blocked prompt (at most
            500 characters).
        :param blocked_output_message: What callers get instead of a blocked response.
        :param content_strength: Strength of the five content filters; NONE is refused.
            Default: HIGH.
        :param prompt_attack_strength: Strength of the prompt attack filter on input; NONE is
            refused. Default: HIGH.
        :param denied_topics: At most 30. Default: ``FINANCE_DENIED_TOPICS``.
        :param pii_entities: PII type -> BLOCK or ANONYMIZE; must block the card data types
            (``CARD_DATA_PII``). Default: ``FINANCE_PII``.
        :param regexes: At most 10 patterns of your own (IBAN formats, internal account ids).
        :param profanity: Filter AWS's managed profanity list. Default: true.
        :param blocked_words: Words or phrases to block, each at most 100 characters.
        :param grounding_threshold: Minimum grounding score of a response, 0 to 0.99.
        :param relevance_threshold: Minimum relevance score of a response, 0 to 0.99.
        :param automated_reasoning_policies: ARNs of Automated Reasoning policy versions that
            validate responses. Default: none.
        """
        super().__init__(scope, construct_id)
        kms_key = as_key("kms_key", kms_key)
        check_guardrail(
            name=name,
            blocked_input_message=blocked_input_message,
            blocked_output_message=blocked_output_message,
            content_strength=content_strength,
            prompt_attack_strength=prompt_attack_strength,
            denied_topics=denied_topics,
            pii_entities=pii_entities,
            regexes=regexes,
            blocked_words=blocked_words,
            grounding_threshold=grounding_threshold,
            relevance_threshold=relevance_threshold,
            automated_reasoning_policies=automated_reasoning_policies,
        )
        properties: dict[str, Any] = {
            "content_policy_config": bedrock.CfnGuardrail.ContentPolicyConfigProperty(
                filters_config=[
                    *(
                        bedrock.CfnGuardrail.ContentFilterConfigProperty(
                            type=category,
                            input_strength=content_strength,
                            output_strength=content_strength,
                        )
                        for category in CONTENT_FILTERS
                    ),
                    # Bedrock filters prompt attacks on input only; output must be NONE.
                    bedrock.CfnGuardrail.ContentFilterConfigProperty(
                        type="PROMPT_ATTACK",
                        input_strength=prompt_attack_strength,
                        output_strength="NONE",
                    ),
                ]
            ),
            "topic_policy_config": bedrock.CfnGuardrail.TopicPolicyConfigProperty(
                topics_config=[
                    bedrock.CfnGuardrail.TopicConfigProperty(
                        name=topic.name,
                        definition=topic.definition,
                        examples=list(topic.examples) or None,
                        type="DENY",
                    )
                    for topic in denied_topics
                ]
            )
            if denied_topics
            else None,
            "sensitive_information_policy_config": (
                bedrock.CfnGuardrail.SensitiveInformationPolicyConfigProperty(
                    pii_entities_config=[
                        bedrock.CfnGuardrail.PiiEntityConfigProperty(type=pii, action=action)
                        for pii, action in sorted(pii_entities.items())
                    ],
                    regexes_config=[
                        bedrock.CfnGuardrail.RegexConfigProperty(
                            name=regex.name,
                            pattern=regex.pattern,
                            action=regex.action,
                            description=regex.description,
                        )
                        for regex in regexes
                    ]
                    or None,
                )
            ),
            "word_policy_config": bedrock.CfnGuardrail.WordPolicyConfigProperty(
                managed_word_lists_config=[
                    bedrock.CfnGuardrail.ManagedWordsConfigProperty(type="PROFANITY")
                ]
                if profanity
                else None,
                words_config=[
                    bedrock.CfnGuardrail.WordConfigProperty(text=word) for word in blocked_words
                ]
                or None,
            )
            if profanity or blocked_words
            else None,
            "contextual_grounding_policy_config": (
                bedrock.CfnGuardrail.ContextualGroundingPolicyConfigProperty(
                    filters_config=[
                        bedrock.CfnGuardrail.ContextualGroundingFilterConfigProperty(
                            type="GROUNDING", threshold=grounding_threshold
                        ),
                        bedrock.CfnGuardrail.ContextualGroundingFilterConfigProperty(
                            type="RELEVANCE", threshold=relevance_threshold
                        ),
                    ]
                )
            ),
            "automated_reasoning_policy_config": (
                bedrock.CfnGuardrail.AutomatedReasoningPolicyConfigProperty(
                    policies=list(automated_reasoning_policies)
                )
                if automated_reasoning_policies
                else None
            ),
        }
        self.resource = bedrock.CfnGuardrail(
            self,
            "Resource",
            name=name,
            description=description or "Landing zone guardrail for model inference",
            blocked_input_messaging=blocked_input_message,
            blocked_outputs_messaging=blocked_output_message,
            kms_key_arn=kms_key.key_arn,
            **properties,
        )
        """The ``AWS::Bedrock::Guardrail`` (the working draft)."""
        digest = _digest(Stack.of(self).resolve(self.resource._cfn_properties))
        self.version = bedrock.CfnGuardrailVersion(
            self,
            "Version",
            guardrail_identifier=self.resource.attr_guardrail_arn,
            description=f"Published by the landing zone; configuration {digest}",
        )
        """The ``AWS::Bedrock::GuardrailVersion``: a new version each time the guardrail changes."""
        self.kms_key = kms_key
        """The key that encrypts the guardrail's configuration (``kms_key``)."""
        self.guardrail_arn = self.resource.attr_guardrail_arn
        """The guardrail's ARN, without version (a token)."""
        self.guardrail_id = self.resource.attr_guardrail_id
        """The guardrail's id (a token)."""
        self.version_number = self.version.attr_version
        """The number of the current version (a token)."""
        self.version_arn = f"{self.resource.attr_guardrail_arn}:{self.version.attr_version}"
        """``arn:...:guardrail/<id>:<version>``: the value of ``bedrock:GuardrailIdentifier``
        that IAM requires of callers."""

    def grant_guarded_inference(self, grantee: iam.IGrantable, *, model_ids: Sequence[str]) -> None:
        """Let ``grantee`` run inference on ``model_ids`` only through :attr:`version_arn`, and
        deny it inference without that version (see ``guarded_inference_statements``)."""
        for statement in guarded_inference_statements(
            guardrail_arn=self.guardrail_arn,
            guardrail_version_arn=self.version_arn,
            model_ids=model_ids,
            guardrail_key_arn=self.kms_key.key_arn,
        ):
            grantee.grant_principal.add_to_principal_policy(statement)

    def enforce_in_account(
        self, construct_id: str = "Enforced", *, excluded_models: Sequence[str] = ()
    ) -> bedrock.CfnEnforcedGuardrailConfiguration:
        """Apply the published version to every inference call of this account and region
        (Bedrock's account-level enforced guardrail), except on ``excluded_models``, to the
        whole of every message and system prompt (``COMPREHENSIVE``: a caller's guard-content
        tags cannot narrow it to a harmless part). One per account and region: deploy it from
        one stack only."""
        return bedrock.CfnEnforcedGuardrailConfiguration(
            self,
            construct_id,
            guardrail_identifier=self.resource.attr_guardrail_arn,
            guardrail_version=self.version.attr_version,
            model_enforcement=bedrock.CfnEnforcedGuardrailConfiguration.ModelEnforcementProperty(
                included_models=["ALL"], excluded_models=list(excluded_models)
            ),
            selective_content_guarding=(
                bedrock.CfnEnforcedGuardrailConfiguration.SelectiveContentGuardingProperty(
                    messages="COMPREHENSIVE", system="COMPREHENSIVE"
                )
            ),
        )


def check_guardrail(
    *,
    name: str = "landing-zone",
    blocked_input_message: str = DEFAULT_BLOCKED_INPUT,
    blocked_output_message: str = DEFAULT_BLOCKED_OUTPUT,
    content_strength: str = "HIGH",
    prompt_attack_strength: str = "HIGH",
    denied_topics: Sequence[DeniedTopic] = FINANCE_DENIED_TOPICS,
    pii_entities: Mapping[str, str] = FINANCE_PII,
    regexes: Sequence[RegexFilter] = (),
    profanity: bool = True,
    blocked_words: Sequence[str] = (),
    grounding_threshold: float = 0.75,
    relevance_threshold: float = 0.75,
    automated_reasoning_policies: Sequence[str] = (),
    description: str | None = None,
) -> None:
    """Raise ValueError naming the first prop of :class:`BedrockGuardrail` (same names and
    defaults) that Bedrock or the landing zone would refuse: the construct's own checks, in
    plain Python, for config validation without building a construct tree."""
    del profanity, description  # any value is accepted
    _check(
        name=name,
        messages=(blocked_input_message, blocked_output_message),
        strengths=(content_strength, prompt_attack_strength),
        denied_topics=denied_topics,
        pii_entities=pii_entities,
        regexes=regexes,
        blocked_words=blocked_words,
        thresholds=(grounding_threshold, relevance_threshold),
    )
    for arn in automated_reasoning_policies:
        if not is_unresolved(arn) and not _REASONING_POLICY_ARN.fullmatch(arn):
            raise ValueError(
                f"automated_reasoning_policies: got {arn!r}; allowed: ARNs of Automated "
                "Reasoning policies (arn:aws:bedrock:<region>:<account>:"
                "automated-reasoning-policy/<12-character id>[:<version>])"
            )


def _digest(properties: object) -> str:
    text = json.dumps(properties, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check(
    *,
    name: str,
    messages: Sequence[str],
    strengths: Sequence[str],
    denied_topics: Sequence[DeniedTopic],
    pii_entities: Mapping[str, str],
    regexes: Sequence[RegexFilter],
    blocked_words: Sequence[str],
    thresholds: Sequence[float],
) -> None:
    """Raise ValueError naming the first prop Bedrock or the landing zone would refuse."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"name: got {name!r}; allowed: 1-50 letters, digits, '_' or '-'")
    for message in messages:
        if not 1 <= len(message) <= MAX_MESSAGE:
            raise ValueError(
                f"blocked messages: got {len(message)} characters; allowed: 1-{MAX_MESSAGE}"
            )
    for strength in strengths:
        if strength not in ("LOW", "MEDIUM", "HIGH"):
            raise ValueError(
                f"content_strength, prompt_attack_strength: got {strength!r}; allowed: LOW, "
                "MEDIUM or HIGH (a filter cannot be turned off here)"
            )
    if len(denied_topics) > MAX_TOPICS:
        raise ValueError(f"denied_topics: got {len(denied_topics)}; allowed: at most {MAX_TOPICS}")
    names = [topic.name for topic in denied_topics]
    for topic in denied_topics:
        if not _TOPIC_NAME.fullmatch(topic.name):
            raise ValueError(
                f"denied_topics: name {topic.name!r}; allowed: 1-100 letters, digits, spaces "
                "or '-_!?.'"
            )
        if not 1 <= len(topic.definition) <= MAX_TOPIC_DEFINITION:
            raise ValueError(
                f"denied_topics: {topic.name!r} has a definition of {len(topic.definition)} "
                f"characters; allowed: 1-{MAX_TOPIC_DEFINITION}"
            )
        if len(topic.examples) > MAX_TOPIC_EXAMPLES or any(
            not 1 <= len(example) <= MAX_TOPIC_EXAMPLE for example in topic.examples
        ):
            raise ValueError(
                f"denied_topics: {topic.name!r} needs at most {MAX_TOPIC_EXAMPLES} examples of "
                f"1-{MAX_TOPIC_EXAMPLE} characters each"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"denied_topics: names must be unique; got {names}")
    unknown = sorted(set(pii_entities) - PII_TYPES)
    if unknown:
        raise ValueError(f"pii_entities: unknown types {unknown}; allowed: {sorted(PII_TYPES)}")
    bad_actions = sorted(t for t, a in pii_entities.items() if a not in ("BLOCK", "ANONYMIZE"))
    if bad_actions:
        raise ValueError(f"pii_entities: {bad_actions} need the action BLOCK or ANONYMIZE")
    unguarded = sorted(t for t in CARD_DATA_PII if pii_entities.get(t) != "BLOCK")
    if unguarded:
        raise ValueError(
            f"pii_entities: {unguarded} must be BLOCK: card data never reaches or leaves a "
            "model (PCI DSS 3.3, 3.4)"
        )
    if len(regexes) > MAX_REGEXES:
        raise ValueError(f"regexes: got {len(regexes)}; allowed: at most {MAX_REGEXES}")
    for regex in regexes:
        if (
            not _TOPIC_NAME.fullmatch(regex.name)
            or not 1 <= len(regex.pattern) <= MAX_REGEX_PATTERN
        ):
            raise ValueError(
                f"regexes: {regex.name!r} needs a name of 1-100 letters, digits, spaces or "
                f"'-_!?.' and a pattern of 1-{MAX_REGEX_PATTERN} characters"
            )
        try:
            re.compile(regex.pattern)
        except re.error as error:
            raise ValueError(
                f"regexes: {regex.name!r} is not a regular expression ({error})"
            ) from None
        if regex.action not in ("BLOCK", "ANONYMIZE"):
            raise ValueError(f"regexes: {regex.name!r} needs the action BLOCK or ANONYMIZE")
    for word in blocked_words:
        if not 1 <= len(word) <= MAX_WORD:
            raise ValueError(f"blocked_words: {word!r}; allowed: 1-{MAX_WORD} characters")
    for threshold in thresholds:
        if isinstance(threshold, bool) or not 0 <= threshold <= 0.99:
            raise ValueError(
                f"grounding_threshold, relevance_threshold: got {threshold!r}; allowed: 0 to 0.99"
            )
