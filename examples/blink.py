"""Blink the red LED three times: the first program on any kit."""

from time import sleep

from kitsdk import Kit

kit = Kit("starter")
for _ in range(3):
    kit.red.on()
    sleep(0.2)
    kit.red.off()
    sleep(0.2)
print("blinked", kit.red.describe(), "three times")
