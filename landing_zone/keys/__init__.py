"""Customer managed keys per data class and the encryption props every data store uses."""

from landing_zone.keys import defaults
from landing_zone.keys.data_class_key import (
    PENDING_WINDOW_DAYS,
    ROTATION_DAYS,
    SERVICES,
    DataClassKey,
    DataClassKeySettings,
)
from landing_zone.keys.data_class_keys import DEFAULT_DATA_CLASSES, DataClassKeys
from landing_zone.keys.key_input import KeyInput, as_key
from landing_zone.keys.replica import DataClassKeyReplica

__all__ = [
    "DEFAULT_DATA_CLASSES",
    "PENDING_WINDOW_DAYS",
    "ROTATION_DAYS",
    "SERVICES",
    "DataClassKey",
    "DataClassKeyReplica",
    "DataClassKeySettings",
    "DataClassKeys",
    "KeyInput",
    "as_key",
    "defaults",
]
