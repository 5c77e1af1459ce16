"""Every built-in driver in simulation, watched on its mock pins.

Outputs are checked by what their pins did (``kit.sim.pin("GPIO17").state`` and ``.states``),
inputs by setting the simulated world (``kit.sim.set``) and waiting, with a timeout, until
the device reads it. Nothing here sleeps for a fixed time.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from bench_kit import BENCH
from hardware import kit_on_this_backend
from helpers import wait_until

from kitsdk import BadValue, DeviceClosed, DeviceFailed, Kit, Reading
from kitsdk.devices import (
    DS18B20,
    LED,
    PWMLED,
    AngularServo,
    Motor,
    Servo,
    SimOneWire,
    SysfsOneWire,
    TonalBuzzer,
)
from kitsdk.sim import SimFactory

#: A 10-bit ADC reads a level to within one step (plus rounding).
ADC_STEP = 1 / 1023




def states(kit: Kit, pin: str) -> list[float]:
    """The levels a mock pin went through, since it was made or last cleared."""
    return [float(s.state) for s in kit.sim.pin(pin).states]


@pytest.fixture
def bench(make_kit: Callable[..., Kit], tmp_path: Path) -> Kit:
    path = tmp_path / "bench.toml"
    path.write_text(BENCH)
    return make_kit(path)


@pytest.fixture
def starter() -> Iterator[Kit]:
    """The starter kit on the run's backend (real pins with KITSDK_BACKEND=real)."""
    with kit_on_this_backend("starter") as kit:
        yield kit


@pytest.fixture
def rover() -> Iterator[Kit]:
    """The rover on the run's backend (real pins with KITSDK_BACKEND=real)."""
    with kit_on_this_backend("rover") as kit:
        yield kit


@pytest.fixture
def factory() -> Iterator[SimFactory]:
    """A simulated pin factory for devices built by hand, as a kit maker would."""
    factory = SimFactory()
    yield factory
    factory.close()


# -- LEDs ---------------------------------------------------------------------------------------

@pytest.mark.hardware
def test_led_on_and_off_drive_its_pin(starter: Kit) -> None:
    pin = starter.red.pin
    assert pin.function == "output"
    starter.red.on()
    assert pin.state == 1
    assert starter.red.is_lit
    assert starter.red.read() == {"on": Reading(True, "")}
    starter.red.off()
    assert pin.state == 0
    assert starter.red.read() == {"on": Reading(False, "")}
    assert starter.amber.pin.state == 0  # amber untouched


def test_led_blink_pattern_is_on_the_pin(starter: Kit) -> None:
    starter.sim.pin("GPIO17").clear_states()
    starter.red.blink(on_time=0.01, off_time=0.01, n=3, background=False)
    assert states(starter, "GPIO17") == [0, 1, 0, 1, 0, 1, 0]


def test_led_blinks_in_the_background_until_told_to_stop(starter: Kit) -> None:
    starter.sim.pin("GPIO22").clear_states()
    starter.green.blink(on_time=0.005, off_time=0.005)
    wait_until(lambda: len(starter.sim.pin("GPIO22").states) >= 6, what="blinking")
    starter.green.off()
    assert starter.sim.pin("GPIO22").state == 0
    seen = states(starter, "GPIO22")
    assert seen[:5] == [0, 1, 0, 1, 0]
    # Once off, it stays off: the blink thread has stopped.
    count = len(seen)
    starter.red.blink(on_time=0.005, off_time=0.005, n=2, background=False)
    assert len(starter.sim.pin("GPIO22").states) == count


def test_pwm_led_brightness_and_frequency(bench: Kit) -> None:
    pin = bench.sim.pin("GPIO12")
    bench.lamp.value = 0.3
    assert pin.state == pytest.approx(0.3)
    assert pin.frequency == 200  # from the profile
    assert bench.lamp.read() == {"brightness": Reading(pytest.approx(0.3), "")}
    bench.lamp.off()
    assert pin.state == 0


def test_rgb_led_colour_on_three_pins(starter: Kit) -> None:
    starter.rgb.color = (1, 0.5, 0)
    assert [starter.sim.pin(p).state for p in ("GPIO13", "GPIO6", "GPIO5")] == [1, 0.5, 0]
    assert starter.rgb.read() == {"red": Reading(1, ""), "green": Reading(0.5, ""),
                                  "blue": Reading(0, "")}
    starter.rgb.off()
    assert [starter.sim.pin(p).state for p in ("GPIO13", "GPIO6", "GPIO5")] == [0, 0, 0]


def test_rgb_led_blinks_a_colour(starter: Kit) -> None:
    starter.sim.pin("GPIO5").clear_states()
    starter.rgb.blink(on_time=0.01, off_time=0.01, on_color=(0, 0, 1), n=2, background=False)
    assert states(starter, "GPIO5") == [0, 1, 0, 1, 0]
    assert states(starter, "GPIO13")[-1] == 0


# -- the button ---------------------------------------------------------------------------------

def test_a_simulated_press_pulls_the_pin_low(starter: Kit) -> None:
    pin = starter.sim.pin("GPIO26")
    assert pin.pull == "up"
    assert not starter.button.is_pressed
    starter.sim.press("button")
    assert pin.state == 0
    assert starter.button.is_pressed
    assert starter.button.read() == {"pressed": Reading(True, "")}
    starter.sim.release("button")
    assert pin.state == 1
    assert not starter.button.is_pressed


def test_when_pressed_takes_a_function_with_no_arguments(starter: Kit) -> None:
    presses: list[str] = []
    starter.button.when_pressed = lambda: presses.append("pressed")
    starter.button.when_released = lambda: presses.append("released")
    starter.sim.press("button")
    starter.sim.release("button")
    starter.sim.press("button")
    starter.sim.release("button")
    assert presses == ["pressed", "released", "pressed", "released"]


def test_when_pressed_takes_a_function_of_the_device(starter: Kit) -> None:
    pressed: list[object] = []

    def remember(device: object) -> None:
        pressed.append(device)

    starter.button.when_pressed = remember
    starter.sim.press("button")
    assert pressed == [starter.button]


def test_when_pressed_can_toggle_an_led(starter: Kit) -> None:
    starter.button.when_pressed = starter.red.toggle
    starter.sim.press("button")
    assert starter.red.is_lit
    starter.sim.release("button")
    starter.sim.press("button")
    assert not starter.red.is_lit


def test_wait_for_press_times_out_then_sees_a_press(starter: Kit) -> None:
    assert starter.button.wait_for_press(timeout=0.01) is False
    presser = threading.Timer(0.05, starter.sim.press, args=("button",))
    presser.start()
    try:
        assert starter.button.wait_for_press(timeout=5) is True
    finally:
        presser.join()
    starter.sim.release("button")
    assert starter.button.wait_for_release(timeout=5) is True


def test_a_failing_callback_is_explained_once_and_the_button_keeps_working(
        starter: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    def on_press() -> None:
        raise ZeroDivisionError("division by zero")

    starter.button.when_pressed = on_press
    for _ in range(3):
        starter.sim.press("button")
        starter.sim.release("button")
    err = capsys.readouterr().err
    assert err.count("kitsdk:") == 1
    assert "your function 'on_press' for Button 'button' failed" in err
    assert __file__ in err  # where the student's mistake is
    assert "ZeroDivisionError: division by zero" in err
    assert "It will not be reported again" in err
    assert "Traceback" not in err
    assert starter.button.callback_errors == 3
    # The pin and its events still work.
    presses: list[bool] = []
    starter.button.when_pressed = lambda: presses.append(True)
    starter.sim.press("button")
    assert presses == [True]
    assert starter.button.is_pressed
    starter.sim.release("button")  # a button held at close delays it by hold_time


# -- buzzers ------------------------------------------------------------------------------------

def test_buzzer_beeps_the_pattern(starter: Kit) -> None:
    starter.sim.pin("GPIO19").clear_states()
    starter.buzzer.beep(on_time=0.01, off_time=0.01, n=3, background=False)
    assert states(starter, "GPIO19") == [0, 1, 0, 1, 0, 1, 0]
    starter.buzzer.on()
    assert starter.buzzer.read() == {"on": Reading(True, "")}


def test_tonal_buzzer_plays_and_stops(bench: Kit) -> None:
    pin = bench.sim.pin("GPIO13")
    assert bench.speaker.read() == {"pitch": Reading(0.0, "Hz")}
    bench.speaker.play("A4")
    assert pin.frequency == pytest.approx(440)
    assert pin.state == 0.5  # a square wave
    assert bench.speaker.read() == {"pitch": Reading(pytest.approx(440.0), "Hz")}
    bench.speaker.play(220.0)
    assert bench.speaker.pitch == pytest.approx(220.0)
    bench.speaker.stop()
    assert bench.speaker.pitch == 0.0
    assert pin.state == 0
    assert pin.frequency is None


@pytest.mark.parametrize("tone", [5000, "A7", "Z9"])
def test_tonal_buzzer_names_itself_for_a_note_it_cannot_play(bench: Kit, tone: object) -> None:
    with pytest.raises(BadValue) as info:
        bench.speaker.play(tone)
    assert f"TonalBuzzer 'speaker' cannot play {tone!r}" in str(info.value)
    assert "A3 to A5" in info.value.hint


# -- motors -------------------------------------------------------------------------------------

def test_motor_forward_backward_stop_on_its_pins(bench: Kit) -> None:
    forward, backward = bench.sim.pin("GPIO20"), bench.sim.pin("GPIO21")
    bench.fan.forward(0.5)
    assert (forward.state, backward.state, bench.fan.value) == (0.5, 0, 0.5)
    bench.fan.backward(0.25)
    assert (forward.state, backward.state, bench.fan.value) == (0, 0.25, -0.25)
    assert bench.fan.read() == {"speed": Reading(-0.25, "")}
    bench.fan.forward()
    assert forward.state == 1
    bench.fan.stop()
    assert (forward.state, backward.state, bench.fan.value) == (0, 0, 0)


@pytest.mark.parametrize("speed", [2.0, -0.5, 1.01, "fast", True, None])
def test_motor_speed_out_of_range_names_the_motor(bench: Kit, speed: object) -> None:
    bench.fan.forward(0.4)
    with pytest.raises(BadValue) as info:
        bench.fan.forward(speed)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert f"Motor 'fan': speed {speed!r} is out of range" in str(info.value)
    assert "from 0 to 1" in info.value.hint
    with pytest.raises(BadValue):
        bench.fan.backward(speed)  # type: ignore[arg-type]
    assert bench.fan.value == 0.4  # unchanged


def test_motor_value_out_of_range_names_the_motor(bench: Kit) -> None:
    bench.fan.value = -0.5
    assert bench.sim.pin("GPIO21").state == 0.5
    with pytest.raises(BadValue, match="Motor 'fan': speed 2 is out of range"):
        bench.fan.value = 2


def test_an_on_off_motor_takes_full_speed_only(factory: SimFactory) -> None:
    with Motor(20, 21, pwm=False, name="pump", pin_factory=factory) as pump:
        pump.forward()
        assert factory.pin(20).state == 1
        with pytest.raises(BadValue, match="Motor 'pump'"):
            pump.forward(0.5)


def motor_pins(kit: Kit) -> list[float]:
    """The drive base's four driver inputs: left forward, left backward, right ..."""
    motors = (kit.drive.left_motor, kit.drive.right_motor)
    return [float(device.pin.state) for motor in motors
            for device in (motor.forward_device, motor.backward_device)]


@pytest.mark.hardware
@pytest.mark.parametrize("move, left, right", [
    (lambda d: d.forward(0.6), 0.6, 0.6),
    (lambda d: d.backward(0.2), -0.2, -0.2),
    (lambda d: d.left(0.4), -0.4, 0.4),
    (lambda d: d.right(), 1, -1),
    (lambda d: d.curve(0.5, -0.5), 0.25, 0.5),   # gently left: the left side slows
    (lambda d: d.curve(0.5, 0.5), 0.5, 0.25),
    (lambda d: d.curve(-0.5, 0.5), -0.5, -0.25),
    (lambda d: d.curve(0.8, 0), 0.8, 0.8),
    (lambda d: d.tank(0.5, -0.3), 0.5, -0.3),
], ids=["forward", "backward", "left", "right", "curve-left", "curve-right",
        "curve-back", "straight", "tank"])
def test_drive_base_moves(rover: Kit, move: Callable[[object], None], left: float,
                          right: float) -> None:
    move(rover.drive)
    assert rover.drive.read() == {"left": Reading(pytest.approx(left), ""),
                                  "right": Reading(pytest.approx(right), "")}
    expected = [max(left, 0), max(-left, 0), max(right, 0), max(-right, 0)]
    assert motor_pins(rover) == pytest.approx(expected)
    rover.drive.stop()
    assert motor_pins(rover) == [0, 0, 0, 0]
    assert (rover.drive.left_speed, rover.drive.right_speed) == (0, 0)


@pytest.mark.hardware
@pytest.mark.parametrize("move, what", [
    (lambda d: d.forward(2.0), "speed 2.0"),
    (lambda d: d.forward(-1), "speed -1"),
    (lambda d: d.left(1.5), "speed 1.5"),
    (lambda d: d.tank(0.5, -1.5), "speed -1.5"),
    (lambda d: d.curve(0.5, 2), "turn 2"),
    (lambda d: d.curve(1.2, 0), "speed 1.2"),
    (lambda d: setattr(d, "value", (0, 3)), "speed 3"),
])
def test_drive_base_out_of_range_names_it(rover: Kit, move: Callable[[object], None],
                                          what: str) -> None:
    rover.drive.forward(0.3)
    with pytest.raises(BadValue) as info:
        move(rover.drive)
    assert f"DriveBase 'drive': {what} is out of range" in str(info.value)
    assert motor_pins(rover) == [0.3, 0, 0.3, 0]  # nothing half-applied


@pytest.mark.hardware
def test_drive_base_motors_are_named_after_it(rover: Kit) -> None:
    assert rover.drive.left_motor.name == "drive.left"
    assert rover.drive.right_motor.name == "drive.right"
    with pytest.raises(BadValue, match="Motor 'drive.left'"):
        rover.drive.left_motor.forward(2.0)


# -- servos -------------------------------------------------------------------------------------

@pytest.mark.hardware
def test_servo_positions_on_the_pin(rover: Kit) -> None:
    pin = rover.servo.pwm_device.pin
    assert pin.frequency == 50  # a 20 ms frame
    rover.servo.min()
    assert pin.state == pytest.approx(1 / 20)  # 1 ms pulse
    rover.servo.max()
    assert pin.state == pytest.approx(2 / 20)
    rover.servo.value = 0.5
    assert pin.state == pytest.approx(1.75 / 20)
    assert rover.servo.read() == {"position": Reading(pytest.approx(0.5), "")}
    rover.servo.stop()  # relaxes: no more pulses
    assert rover.servo.value is None
    assert pin.state == 0


@pytest.mark.hardware
@pytest.mark.parametrize("position", [2, -1.5, "left", True])
def test_servo_position_out_of_range(rover: Kit, position: object) -> None:
    with pytest.raises(BadValue) as info:
        rover.servo.value = position
    assert f"Servo 'servo': position {position!r} is out of range" in str(info.value)


def test_angular_servo_angles(bench: Kit) -> None:
    pin = bench.sim.pin("GPIO16")
    bench.arm.angle = 45
    assert pin.state == pytest.approx(1.75 / 20)
    assert bench.arm.read() == {"angle": Reading(pytest.approx(45.0), "°")}
    bench.arm.angle = -90
    assert pin.state == pytest.approx(1 / 20)
    with pytest.raises(BadValue, match=r"AngularServo 'arm': angle 100 is out of range") as info:
        bench.arm.angle = 100
    assert "-90 to 90" in info.value.hint
    assert bench.arm.angle == pytest.approx(-90)


# -- sensors ------------------------------------------------------------------------------------

def test_distance_sensor_follows_the_world_exactly(rover: Kit) -> None:
    assert rover.distance.distance == pytest.approx(1.0, abs=1e-6)  # nothing ahead
    rover.sim.set("distance", 0.25)
    wait_until(lambda: abs(rover.distance.distance - 0.25) < 1e-6, what="at 0.25 m")
    reading = rover.distance.read()["distance"]
    assert reading.unit == "m"
    assert reading.value == pytest.approx(0.25, abs=1e-6)
    assert rover.distance.in_range  # closer than the 0.3 m threshold


def test_distance_sensor_wakes_when_something_comes_in_range(rover: Kit) -> None:
    assert rover.distance.wait_for_out_of_range(timeout=5)
    rover.sim.set("distance", 0.1)
    assert rover.distance.wait_for_in_range(timeout=5)
    # Farther than max_distance (1 m) reads as max_distance.
    rover.sim.set("distance", 3.0)
    wait_until(lambda: rover.distance.distance == 1.0, what="at max_distance")


def test_line_sensors_follow_the_world(rover: Kit) -> None:
    assert not rover.line_left.line_detected
    rover.sim.set("line_left", True)
    assert rover.line_left.wait_for_line(timeout=5)
    assert rover.line_left.read() == {"line": Reading(True, "")}
    assert not rover.line_right.line_detected
    assert rover.sim.pin("GPIO23").state == 0  # over the line the module pulls low
    rover.sim.set("line_left", False)
    assert rover.line_left.wait_for_no_line(timeout=5)


def test_analog_light_sensor_reads_the_world_through_the_adc(starter: Kit) -> None:
    for level in (0.25, 0.0, 1.0, 0.7):
        starter.sim.set("light", level)
        assert starter.light.value == pytest.approx(level, abs=ADC_STEP)
        assert starter.light.voltage == pytest.approx(level * 3.3, abs=3.3 * ADC_STEP)
    assert starter.light.read() == {"level": Reading(pytest.approx(0.7, abs=ADC_STEP), "")}


def test_mcp3008_channel_reads_its_own_input(bench: Kit) -> None:
    bench.sim.set("pot", 0.3)
    reading = bench.pot.read()
    assert reading["value"].value == pytest.approx(0.3, abs=ADC_STEP)
    assert reading["voltage"] == Reading(pytest.approx(0.99, abs=3.3 * ADC_STEP), "V")


def test_gpio_light_sensor_follows_the_world(bench: Kit) -> None:
    # An LDR and a capacitor on one pin: gpiozero times the charge, 0.1 s per reading.
    for level in (0.8, 0.2):
        bench.sim.set("ldr", level)
        wait_until(lambda: abs(bench.ldr.value - level) < 0.02,  # noqa: B023
                   what=f"reading {level}")
    assert bench.ldr.read()["level"].value == pytest.approx(0.2, abs=0.02)


def test_ds18b20_reads_the_world_temperature(bench: Kit) -> None:
    assert bench.probe.read() == {"temperature": Reading(21.0, "°C")}
    bench.sim.set("probe", 30.5)
    assert bench.probe.temperature == 30.5
    bench.sim.set("probe", -10.25)
    assert bench.probe.value == -10.25
    assert bench.probe.sensor_id == SimOneWire.SENSOR_ID


# -- the DS18B20 parser, over a fake 1-wire bus ----------------------------------------------

GOOD_W1 = ("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n"
           "72 01 4b 46 7f ff 0e 10 57 t=23125\n")


class FakeBus:
    """A 1-wire bus whose sensor says each of ``texts`` in turn, then the last one again."""

    def __init__(self, *texts: str, ids: tuple[str, ...] = ("28-0000075f2a1c",)) -> None:
        self.texts = list(texts)
        self.ids = list(ids)
        self.reads = 0

    def sensors(self, family: str) -> list[str]:
        return [i for i in self.ids if i.startswith(family + "-")]

    def read(self, sensor_id: str) -> str:
        assert sensor_id in self.ids
        self.reads += 1
        return self.texts.pop(0) if len(self.texts) > 1 else self.texts[0]


def test_ds18b20_parses_the_kernel_text() -> None:
    with DS18B20(FakeBus(GOOD_W1), name="probe", max_age=0) as probe:
        assert probe.sensor_id == "28-0000075f2a1c"
        assert probe.temperature == 23.125
        assert repr(probe) == "<DS18B20 'probe': temperature=23.12 °C>"


def test_ds18b20_reuses_a_fresh_reading() -> None:
    bus = FakeBus(GOOD_W1, GOOD_W1.replace("23125", "24000"))
    with DS18B20(bus, name="probe", max_age=60) as probe:
        assert probe.temperature == 23.125
        assert probe.temperature == 23.125
        assert bus.reads == 1
        probe.max_age = 0
        assert probe.temperature == 24.0


@pytest.mark.parametrize("text, expected", [
    (GOOD_W1.replace("YES", "NO"), "garbled reading"),                # bad CRC
    (GOOD_W1.replace("23125", "85000"), "reads 85 °C, its power-on value"),
    ("hello\n", "garbled reading ('hello')"),
    ("", "garbled reading"),
    (GOOD_W1.replace("t=23125", "t=abc"), "garbled reading"),
    (GOOD_W1.replace("t=23125", "t="), "garbled reading"),
], ids=["bad-crc", "power-on-85", "garbled", "empty", "not-a-number", "no-number"])
def test_ds18b20_rejects_a_bad_reading(text: str, expected: str) -> None:
    with DS18B20(FakeBus(text), name="probe", max_age=0) as probe:
        with pytest.raises(DeviceFailed) as info:
            _ = probe.temperature
        assert isinstance(info.value, RuntimeError)
        assert "DS18B20 'probe'" in str(info.value)
        assert expected in str(info.value)
        assert info.value.hint


def test_ds18b20_with_no_sensor_on_the_bus() -> None:
    with pytest.raises(DeviceFailed, match="DS18B20 'probe': no DS18B20 found") as info:
        DS18B20(FakeBus(ids=("10-000802b4ba3d",)), name="probe")  # a DS18S20, family 10
    assert "pull-up" in info.value.hint


def test_ds18b20_picks_the_sensor_it_is_told() -> None:
    bus = FakeBus(GOOD_W1, ids=("28-aaaaaaaaaaaa", "28-bbbbbbbbbbbb"))
    with DS18B20(bus, sensor_id="28-bbbbbbbbbbbb", name="probe") as probe:
        assert probe.temperature == 23.125


def test_sysfs_bus_reads_the_kernel_files(tmp_path: Path) -> None:
    (tmp_path / "28-0000075f2a1c").mkdir()
    (tmp_path / "28-0000075f2a1c" / "w1_slave").write_text(GOOD_W1)
    (tmp_path / "w1_bus_master1").mkdir()
    bus = SysfsOneWire(tmp_path)
    assert bus.sensors("28") == ["28-0000075f2a1c"]
    with DS18B20(bus, name="probe") as probe:
        assert probe.temperature == 23.125
    with pytest.raises(DeviceFailed, match="1-wire sensor 28-ffffffffffff did not answer"):
        bus.read("28-ffffffffffff")
    with pytest.raises(DeviceFailed, match="no 1-wire bus") as info:
        SysfsOneWire(tmp_path / "missing").sensors("28")
    assert "dtoverlay=w1-gpio" in info.value.hint


# -- what every device shares -----------------------------------------------------------------

def test_reprs_are_friendly(starter: Kit, rover: Kit) -> None:
    assert repr(starter.red) == "<LED 'red' on GPIO17: on=False>"
    starter.sim.press("button")
    assert repr(starter.button) == "<Button 'button' on GPIO26: pressed=True>"
    starter.sim.release("button")
    rover.drive.forward(0.5)
    assert repr(rover.drive) == ("<DriveBase 'drive' on GPIO10, GPIO9, GPIO8, GPIO7: "
                                 "left=0.5, right=0.5>")
    starter.red.close()
    assert repr(starter.red) == "<LED 'red' (closed)>"


@pytest.mark.parametrize("kit_name, device_name, use", [
    pytest.param("starter", "red", lambda d: d.on(), id="led-on"),
    pytest.param("starter", "red", lambda d: d.read(), id="led-read"),
    pytest.param("starter", "red", lambda d: d.is_lit, id="led-is_lit"),
    pytest.param("starter", "button", lambda d: d.is_pressed, id="button-is_pressed"),
    pytest.param("bench", "lamp", lambda d: setattr(d, "value", 0.5), id="pwm_led-value"),
    pytest.param("rover", "distance", lambda d: d.distance, id="distance"),
    pytest.param("rover", "line_left", lambda d: d.line_detected, id="line"),
    pytest.param("bench", "ldr", lambda d: d.value, id="light_sensor"),
    pytest.param("bench", "probe", lambda d: d.temperature, id="ds18b20"),
    pytest.param("bench", "fan", lambda d: d.read(), id="motor-read"),
    pytest.param("bench", "fan", lambda d: d.forward(0.5), id="motor-forward"),
    pytest.param("bench", "fan", lambda d: d.stop(), id="motor-stop"),
    pytest.param("rover", "drive", lambda d: d.forward(0.5), id="drive_base-forward"),
    pytest.param("rover", "servo", lambda d: setattr(d, "value", 0.5), id="servo-value"),
    pytest.param("bench", "arm", lambda d: setattr(d, "angle", 10), id="angular_servo-angle"),
    pytest.param("bench", "speaker", lambda d: d.play("A4"), id="tonal_buzzer-play"),
    pytest.param("starter", "rgb", lambda d: setattr(d, "color", (1, 0, 0)), id="rgb_led-color"),
    pytest.param("starter", "light", lambda d: d.value, id="analog_light_sensor"),
    pytest.param("starter", "red", lambda d: d.blink(0.01, 0.01, n=1, background=False),
                 id="led-blink"),
    pytest.param("starter", "buzzer", lambda d: d.beep(0.01, 0.01, n=1, background=False),
                 id="buzzer-beep"),
    pytest.param("starter", "button", lambda d: d.wait_for_press(timeout=0.01),
                 id="button-wait_for_press"),
])
def test_a_closed_device_names_itself(request: pytest.FixtureRequest,
                                      monkeypatch: pytest.MonkeyPatch, kit_name: str,
                                      device_name: str, use: Callable[[object], object]) -> None:
    device = request.getfixturevalue(kit_name)[device_name]
    # A background thread's error is collected here rather than lost (or left to pytest).
    thread_errors: list[object] = []
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)
    device.close()
    assert device.closed
    with pytest.raises(DeviceClosed) as info:
        use(device)
    assert isinstance(info.value, RuntimeError)
    assert str(info.value).startswith(f"{device.describe()} is closed")
    assert "with" in info.value.hint
    assert thread_errors == []


def test_closing_twice_is_fine(starter: Kit, bench: Kit, rover: Kit) -> None:
    for device in [*starter, *bench, *rover]:
        device.close()
        device.close()
        assert device.closed


def test_devices_built_by_hand_work_with_with(factory: SimFactory) -> None:
    pin = factory.pin(17)
    with LED(17, name="red", pin_factory=factory) as led:
        assert led.pin is pin
        led.on()
        assert pin.state == 1
    assert led.closed
    assert (pin.function, pin.state) == ("output", 0)  # safe = "off": left driven off
    with PWMLED(18, pin_factory=factory) as lamp:
        assert lamp.name == "pwmled"
        assert lamp.safe == "off"


def test_a_bad_constructor_value_names_the_device(factory: SimFactory) -> None:
    with pytest.raises(BadValue, match="PWMLED 'lamp': initial_value must be between 0 and 1"):
        PWMLED(12, initial_value=2, name="lamp", pin_factory=factory)
    # The half-built device let go of its pin.
    with PWMLED(12, name="lamp", pin_factory=factory):
        pass


def test_a_device_built_by_hand_without_a_name_is_named_after_its_class(
        factory: SimFactory) -> None:
    with TonalBuzzer(13, pin_factory=factory) as speaker:
        assert speaker.describe() == "TonalBuzzer 'tonalbuzzer'"


def test_a_bad_constructor_value_names_the_device_once(factory: SimFactory) -> None:
    with pytest.raises(BadValue) as info:
        Servo(12, initial_value=3.0, name="arm", pin_factory=factory)
    assert str(info.value).count("Servo 'arm'") == 1


@pytest.mark.parametrize("make", [
    lambda f: AngularServo(16, initial_angle=200.0, name="arm", pin_factory=f),
    lambda f: Servo(16, min_pulse_width=0.003, max_pulse_width=0.001, name="arm",
                    pin_factory=f),
], ids=["angular-servo-angle", "servo-pulses"])
def test_a_half_built_device_is_cleaned_up_quietly(
        factory: SimFactory, monkeypatch: pytest.MonkeyPatch,
        make: Callable[[SimFactory], object]) -> None:
    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook",
                        lambda u: unraisable.append(f"{type(u.exc_value).__name__}: "
                                                    f"{u.exc_value}"))
    with pytest.raises(BadValue, match="'arm'"):
        make(factory)
    gc.collect()  # the half-built servo goes now, inside this test
    # Its pin was let go of, so the servo can be built again.
    with AngularServo(16, name="again", pin_factory=factory):
        pass
    assert unraisable == []
