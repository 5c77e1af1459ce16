"""The camera's parts, behind the ``camera`` driver (:class:`kitsdk.devices.camera.Camera`).

Each module holds one concept; only ``settings``, ``source`` and ``progress`` are light, the
rest import numpy or Pillow and load when a camera takes its first picture:

- ``settings``: the profile keys, checked, and the buffer count for small Pis
- ``source``: the two-method contract every camera backend meets (``read``, ``close``)
- ``picam``: the real camera, picamera2 behind that contract, with friendly errors
- ``sim``, ``scenes``: the simulated camera and what it sees
- ``vision``: colours, brightness and motion for lessons
- ``jpeg``: encoding and saving pictures
- ``progress``: the time-lapse progress bar
"""

from .settings import CameraSettings
from .source import FrameSource

__all__ = ["CameraSettings", "FrameSource"]
