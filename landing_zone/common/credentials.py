"""The IAM actions that create credentials or identity providers outside IAM Identity Center, in
one place: the SCP guardrail and the job-function permission sets deny the same ones. Pure
strings, no CDK. Action names from the Service Authorization Reference (AWS Identity and Access
Management)."""

from __future__ import annotations

IAM_USER_CREDENTIAL_ACTIONS: tuple[str, ...] = (
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    # CodeCommit, Keyspaces and Bedrock API keys are long-lived secrets too.
    "iam:CreateServiceSpecificCredential",
    "iam:CreateUser",
    "iam:ResetServiceSpecificCredential",
    "iam:UpdateAccessKey",
    "iam:UpdateLoginProfile",
    "iam:UpdateSSHPublicKey",
    "iam:UpdateServiceSpecificCredential",
    "iam:UpdateSigningCertificate",
    "iam:UploadSSHPublicKey",
    "iam:UploadSigningCertificate",
)
"""Every way to give an IAM user a credential that outlives any session: a new one, or an old
one made active again (an access key, SSH key, signing certificate or service-specific
credential set Active), a new password, an SSH key (CodeCommit) or an X.509 signing
certificate."""

IAM_IDENTITY_PROVIDER_ACTIONS: tuple[str, ...] = (
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:CreateOpenIDConnectProvider",
    "iam:CreateSAMLProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:UpdateSAMLProvider",
)
"""A new or changed identity provider of the account: with a role that trusts it, a door that
no permission set controls."""
