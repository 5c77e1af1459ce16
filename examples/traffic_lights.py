"""One cycle of UK traffic lights: red, red and amber, green, amber, red."""

from time import sleep

from kitsdk import Kit

kit = Kit("starter")
steps = [
    ({"red"}, 0.6),
    ({"red", "amber"}, 0.3),
    ({"green"}, 0.6),
    ({"amber"}, 0.3),
    ({"red"}, 0.1),
]
for lit, seconds in steps:
    for name in ("red", "amber", "green"):
        kit[name].value = name in lit
    print("lights:", ", ".join(sorted(lit)))
    sleep(seconds)
kit.stop()
