"""gpiozero's own LED, Button, PWMLED, Servo and Motor on an Arduino's pins, through the board's
pin factory, each observed where it lands: on the emulated board."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gpiozero
import pytest
from gpiozero.exc import GPIOPinInUse, PinInvalidPin, PinInvalidPull, PinPWMUnsupported

from firmware_bridge import Emulator, PinMode
from firmware_bridge.protocol import SetDigitalPinValue
from kitsdk import Kit
from kitsdk.devices import FirmataFactory

WAIT = 5.0
#: One step of an Uno's 8-bit PWM.
STEP = 1 / 255
#: The Arduino Servo library's pulse widths (µs) at 0 and 180 degrees.
SERVO_LOW, SERVO_HIGH = 544, 2400


def servo_angle(pulse_us: float) -> float:
    """The angle the Servo library gives a pulse width: StandardFirmata writes microseconds."""
    return (pulse_us - SERVO_LOW) * 180 / (SERVO_HIGH - SERVO_LOW)


@pytest.fixture
def kit(make_kit: Callable[..., Kit], tmp_path: Path) -> Kit:
    profile = tmp_path / "bench.toml"
    profile.write_text('[devices.arduino]\ndriver = "firmata"\n')
    return make_kit(profile)


@pytest.fixture
def factory(kit: Kit) -> FirmataFactory:
    return kit.arduino.pin_factory


@pytest.fixture
def emulator(kit: Kit) -> Emulator:
    assert kit.arduino.emulated is not None
    return kit.arduino.emulated.emulator


@pytest.fixture
def make(factory: FirmataFactory) -> Iterator[Callable[..., Any]]:
    """Build gpiozero devices on the board (``make(gpiozero.LED, "D13")``), closed after."""
    made: list[Any] = []

    def build(cls: type, *args: Any, **kwargs: Any) -> Any:
        device = cls(*args, pin_factory=factory, **kwargs)
        made.append(device)
        return device

    yield build
    for device in reversed(made):
        device.close()


def test_an_led_lights_the_boards_pin(make: Callable[..., Any], emulator: Emulator) -> None:
    led = make(gpiozero.LED, "D13")
    led.on()
    assert emulator.digital_output("D13") and led.is_lit
    led.off()
    assert not emulator.digital_output("D13") and not led.is_lit
    led.blink(on_time=0.01, off_time=0.01, n=3, background=False)
    lit = [c for c in emulator.commands() if c == SetDigitalPinValue(13, True)]
    assert len(lit) == 4  # on(), then three blinks
    assert repr(led.pin) == "arduino:D13"


def test_a_buttons_callbacks_follow_the_boards_input(make: Callable[..., Any],
                                                     emulator: Emulator) -> None:
    button = make(gpiozero.Button, "D2")
    assert emulator.pin_mode("D2") == PinMode.PULLUP
    assert not button.is_pressed
    pressed, released = threading.Event(), threading.Event()
    button.when_pressed = pressed.set
    button.when_released = released.set
    emulator.drive_digital("D2", False)  # the button connects D2 to GND
    assert pressed.wait(WAIT)
    assert button.is_pressed
    emulator.drive_digital("D2", True)
    assert released.wait(WAIT)
    assert not button.is_pressed


def test_a_slow_callback_does_not_hold_up_the_board(make: Callable[..., Any], kit: Kit,
                                                    emulator: Emulator) -> None:
    gate, running = threading.Event(), threading.Event()

    def slow() -> None:
        running.set()
        gate.wait(WAIT)

    button = make(gpiozero.Button, "D2")
    button.when_pressed = slow
    assert kit.arduino.analog("A0").raw == 0  # A0 reports from now on
    emulator.drive_digital("D2", False)
    assert running.wait(WAIT)
    emulator.set_analog("A0", 700)  # readings still flow while the callback runs
    assert kit.arduino.firmata.pin("A0").wait_for(lambda raw: raw == 700, WAIT) == 700
    gate.set()
    emulator.drive_digital("D2", True)


def test_a_bounce_time_drops_edges_inside_it_but_not_the_last(
        make: Callable[..., Any], emulator: Emulator) -> None:
    bouncy = make(gpiozero.Button, "D3", bounce_time=0.5)
    presses: list[int] = []
    released = threading.Event()
    bouncy.when_pressed = lambda: presses.append(1)
    bouncy.when_released = released.set
    sentinel = make(gpiozero.Button, "D4")
    done = threading.Event()
    sentinel.when_pressed = done.set
    for level in (False, True, False, True):  # press, bounce, bounce, release: within 0.5 s
        emulator.drive_digital("D3", level)
    emulator.drive_digital("D4", False)  # callbacks run in order: D3's are done by then
    assert done.wait(WAIT)
    assert presses == [1] and not released.is_set()
    assert released.wait(WAIT)  # the release comes when the bounce window ends
    assert presses == [1] and not bouncy.is_pressed
    emulator.drive_digital("D4", True)


def test_boards_have_no_pull_down(make: Callable[..., Any], emulator: Emulator) -> None:
    with pytest.raises(PinInvalidPull, match="no pull-down resistors"):
        make(gpiozero.Button, "D5", pull_up=False)
    floating = make(gpiozero.Button, "D5", pull_up=None, active_state=True)
    assert emulator.pin_mode("D5") == PinMode.INPUT
    emulator.drive_digital("D5", True)
    floating.wait_for_press(WAIT)
    assert floating.is_pressed
    emulator.drive_digital("D5", None)  # let go: it floats low
    floating.wait_for_release(WAIT)


def test_a_pwm_led_sets_the_duty_cycle(make: Callable[..., Any], emulator: Emulator) -> None:
    lamp = make(gpiozero.PWMLED, "D9")
    assert emulator.pin_mode("D9") == PinMode.PWM
    for brightness in (0.5, 1.0, 0.1, 0.0):
        lamp.value = brightness
        assert emulator.pwm_duty("D9") == pytest.approx(brightness, abs=STEP)
        assert lamp.value == brightness


def test_pwm_on_a_pin_without_it_names_the_modes_it_has(make: Callable[..., Any]) -> None:
    with pytest.raises(PinPWMUnsupported, match="pin D4 cannot be PWM; it supports INPUT, "
                                                "PULLUP, OUTPUT, SERVO"):
        make(gpiozero.PWMLED, "D4")


def test_a_servo_gets_its_pulse_widths(make: Callable[..., Any], emulator: Emulator) -> None:
    servo = make(gpiozero.Servo, "D10")  # 1 to 2 ms pulses, 50 Hz
    assert emulator.pin_mode("D10") == PinMode.SERVO
    for move, pulse_us in ((servo.min, 1000), (servo.mid, 1500), (servo.max, 2000)):
        move()
        assert emulator.wait_until(
            lambda e, p=pulse_us: e.servo_angle("D10") == pytest.approx(servo_angle(p)), WAIT)
    assert servo.value == 1
    servo.detach()  # no pulses: the pin is a plain output, held low
    assert emulator.pin_mode("D10") == PinMode.OUTPUT and servo.value is None


def test_an_angular_servo_on_the_board(make: Callable[..., Any], emulator: Emulator) -> None:
    arm = make(gpiozero.AngularServo, "D11", min_angle=-90, max_angle=90)
    arm.angle = 45  # 1.75 ms
    assert emulator.wait_until(
        lambda e: e.servo_angle("D11") == pytest.approx(servo_angle(1750)), WAIT)
    assert arm.angle == pytest.approx(45)


def test_a_motor_drives_its_two_pins(make: Callable[..., Any], emulator: Emulator) -> None:
    motor = make(gpiozero.Motor, "D5", "D6")
    motor.forward(0.7)
    assert emulator.pwm_duty("D5") == pytest.approx(0.7, abs=STEP)
    assert emulator.pwm_duty("D6") == 0
    motor.backward(0.3)
    assert emulator.pwm_duty("D5") == 0
    assert emulator.pwm_duty("D6") == pytest.approx(0.3, abs=STEP)
    motor.stop()
    assert (emulator.pwm_duty("D5"), emulator.pwm_duty("D6")) == (0, 0)


def test_the_board_stopping_its_outputs_shows_in_gpiozero(make: Callable[..., Any], kit: Kit,
                                                          emulator: Emulator) -> None:
    motor = make(gpiozero.Motor, "D5", "D6")
    servo = make(gpiozero.Servo, "D10")
    led = make(gpiozero.LED, "D13")
    motor.forward(1)
    led.on()
    kit.arduino.stop()
    assert (emulator.pwm_duty("D5"), emulator.digital_output("D13")) == (0, False)
    assert emulator.pin_mode("D10") == PinMode.OUTPUT
    assert (motor.value, led.value, servo.value) == (0, 0, None)


def test_pins_go_by_every_name_on_the_board(make: Callable[..., Any],
                                            factory: FirmataFactory) -> None:
    make(gpiozero.LED, "D13")
    for same in (13, "13", "d13", "arduino:D13"):
        with pytest.raises(GPIOPinInUse):
            make(gpiozero.LED, same)
    assert factory.pin("A0") is factory.pin(14) is factory.pin("D14")
    with pytest.raises(PinInvalidPin, match="board 'arduino' has no pin 'D44'; its pins are "
                                            "D2-D13, A0-A5"):
        make(gpiozero.LED, "D44")


def test_a_closed_device_lets_its_pin_float(make: Callable[..., Any],
                                            emulator: Emulator) -> None:
    led = make(gpiozero.LED, "D12")
    led.on()
    led.close()
    assert emulator.pin_mode("D12") == PinMode.INPUT


def test_ticks_are_seconds(factory: FirmataFactory) -> None:
    start = factory.ticks()
    assert 0 <= factory.ticks_diff(factory.ticks(), start) < 1
