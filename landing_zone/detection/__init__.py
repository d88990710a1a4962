"""Organization-wide detection: security services administered from the security-tooling account,
AWS Config everywhere, and finding alerts."""
