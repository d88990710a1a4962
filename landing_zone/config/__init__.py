"""Typed configuration of the landing zone: model, loading, validation and JSON schema."""

from .errors import ConfigError, ConfigIssue, ConfigWarning, LandingZoneError
from .loader import load_config, parse_config
from .model import ROOT, LandingZoneConfig

__all__ = [
    "ROOT",
    "ConfigError",
    "ConfigIssue",
    "ConfigWarning",
    "LandingZoneConfig",
    "LandingZoneError",
    "load_config",
    "parse_config",
]
