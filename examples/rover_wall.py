"""Drive the rover towards a wall and stop 20 cm before it.

On a laptop the kit is simulated, so the rover is put on a simulated floor with a wall
50 cm ahead (``kitsdk.sim.SimRover``): its distance sensor sees the wall come closer as the
motors drive it. ``kit lesson show rover-walls`` turns this into a lesson.
"""

from time import sleep

from kitsdk import Kit
from kitsdk.sim import Arena, SimRover

kit = Kit("rover")
if kit.simulated:
    SimRover.attach(kit, Arena(wall=0.5))

print(f"wall ahead: {kit.distance.distance:.2f} m")
kit.drive.forward(0.5)
for _ in range(200):  # ten seconds at most: a real rover may have no wall in front of it
    if kit.distance.distance < 0.2:
        break
    sleep(0.05)
kit.drive.stop()
print(f"stopped {kit.distance.distance:.2f} m from the wall")
