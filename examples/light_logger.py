"""Log the light level to a CSV file: ten readings, a tenth of a second apart."""

import csv
import sys
from time import sleep, time

from kitsdk import Kit
from kitsdk.sim import sine

path = sys.argv[1] if len(sys.argv) > 1 else "light.csv"
kit = Kit("starter")
if kit.simulated:
    kit.sim.set("light", sine(0.2, 0.9, period=1.0))

with open(path, "w", newline="") as handle:
    writer = csv.writer(handle)
    writer.writerow(["time", "light"])
    for _ in range(10):
        writer.writerow([round(time(), 2), round(kit.light.value, 3)])
        sleep(0.1)
print("wrote", path)
