"""kitsdk: hardware lessons in Python, on a Raspberry Pi or simulated on any laptop.

::

    from kitsdk import Kit

    kit = Kit("starter")
    kit.red.on()
    kit.button.wait_for_press()

Importing kitsdk is cheap: gpiozero, the camera and network libraries load only when a kit
that needs them is built. Drivers are in ``kitsdk.devices``; simulation controls in
``kitsdk.sim``.
"""

from .exc import (
    BackendUnavailable,
    BadMessage,
    BadPin,
    BadProfile,
    BadText,
    BadValue,
    DeviceClosed,
    DeviceFailed,
    DriverError,
    DriverWarning,
    DroneError,
    KitError,
    KitWarning,
    NoProfile,
    NotSimulated,
    PinConflict,
    UnknownDevice,
    UnknownDriver,
)
from .kit import Kit
from .profile import Profile, builtin_profiles, load_profile
from .readings import Channel, Reading

__version__ = "0.1.0"

__all__ = [
    "BackendUnavailable",
    "BadMessage",
    "BadPin",
    "BadProfile",
    "BadText",
    "BadValue",
    "Channel",
    "DeviceClosed",
    "DeviceFailed",
    "DriverError",
    "DroneError",
    "DriverWarning",
    "Kit",
    "KitError",
    "KitWarning",
    "NoProfile",
    "NotSimulated",
    "PinConflict",
    "Profile",
    "Reading",
    "UnknownDevice",
    "UnknownDriver",
    "__version__",
    "builtin_profiles",
    "load_profile",
]
