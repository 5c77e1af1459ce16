"""kitsdk's built-in drivers: gpiozero devices with names, readings and a safety net.

Each is registered in the ``kitsdk.drivers`` entry-point group under the name a profile
uses (``driver = "led"``); they can also be built by hand, like gpiozero's::

    from kitsdk.devices import LED
    led = LED(17, name="red")
"""

from .adc import MCP3008
from .analog import AnalogInput, BoardLightSensor
from .base import KitDevice, StandaloneDevice
from .button import Button
from .buzzers import Buzzer, TonalBuzzer
from .camera import Camera
from .distance import DistanceSensor
from .drone import Drone
from .firmata import FirmataBoard
from .firmata_gpio import FirmataFactory, FirmataPin
from .leds import LED, PWMLED, RGBLED
from .light import AnalogLightSensor, LightSensor
from .line import LineSensor
from .motors import DriveBase, Motor
from .onewire import OneWireBus, SimOneWire, SysfsOneWire
from .servos import AngularServo, Servo
from .temperature import DS18B20

__all__ = [
    "DS18B20",
    "LED",
    "MCP3008",
    "PWMLED",
    "RGBLED",
    "AnalogInput",
    "AnalogLightSensor",
    "AngularServo",
    "BoardLightSensor",
    "Button",
    "Buzzer",
    "Camera",
    "DistanceSensor",
    "Drone",
    "DriveBase",
    "FirmataBoard",
    "FirmataFactory",
    "FirmataPin",
    "KitDevice",
    "LightSensor",
    "LineSensor",
    "Motor",
    "OneWireBus",
    "Servo",
    "SimOneWire",
    "StandaloneDevice",
    "SysfsOneWire",
    "TonalBuzzer",
]
