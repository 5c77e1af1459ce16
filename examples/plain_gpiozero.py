"""A plain gpiozero script runs on the simulated kit too.

Run it with ``GPIOZERO_PIN_FACTORY=kitsdk python plain_gpiozero.py`` on a laptop; on a Pi,
without that variable, it drives the real pins.
"""

from gpiozero import LED, Device

led = LED(17)
led.on()
print("pin factory:", type(Device.pin_factory).__name__, "- LED is", "on" if led.is_lit else "off")
led.close()
