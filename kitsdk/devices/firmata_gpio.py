"""gpiozero pins on a Firmata board: gpiozero's LED, Button, PWMLED, Servo and Motor on an
Arduino's or a Pico's pins.

A kit's ``firmata`` device offers its pins as a gpiozero pin factory; parts with
``board = "arduino"`` in the profile are built on it, and a plain gpiozero script can use it::

    from gpiozero import LED
    led = LED("D13", pin_factory=kit.arduino.pin_factory)
    led.blink()

Pins are named as printed on the board (``"D9"``, ``"A0"``, ``"GP15"`` on a Pico, or the
Firmata pin number). What each gpiozero call becomes on the board:

============================  ==============================================================
gpiozero                      Firmata
============================  ==============================================================
function ``"input"``          INPUT, or PULLUP with ``pull = "up"``; readings are the board's
                              digital reports, ``when_changed`` runs on each edge
function ``"output"``         OUTPUT; ``state`` drives it high or low
``frequency`` above 60 Hz     PWM, ``state`` is the duty cycle (the board's PWM frequency is
                              fixed, about 490 or 980 Hz on an Arduino: the number is kept
                              but does not change it)
``frequency`` up to 60 Hz     SERVO: gpiozero's Servo sends 50 Hz pulses, so the pulse width
                              ``state / frequency`` is written as microseconds (544 µs at least)
function ``"analog"``         ANALOG (a kitsdk extension): ``state`` is the reading, 0 to 1
============================  ==============================================================

Boards have no pull-down resistors: ``pull = "down"`` is refused. Edge callbacks run on one
thread per board, so a slow callback never holds up the board's readings.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from types import MethodType
from typing import Any
from weakref import WeakMethod, ref

from gpiozero import Factory, Pin
from gpiozero.exc import (
    PinFixedPull,
    PinInvalidEdges,
    PinInvalidFunction,
    PinInvalidPin,
    PinInvalidPull,
    PinInvalidState,
    PinPWMUnsupported,
    PinSetInput,
)
from gpiozero.pins import BoardInfo, HeaderInfo, PinInfo

from firmware_bridge import Board, LocalProtocolError, PinMode
from firmware_bridge import Pin as BoardPinIO

from ..boards import pin_name, pin_names
from .firmata_errors import translated, writing
from .firmata_pins import fraction

logger = logging.getLogger("kitsdk.firmata")

#: A PWM frequency up to this many Hz means a servo (gpiozero's Servo uses 50 Hz).
SERVO_MAX_FREQUENCY = 60
#: Firmata's servo write takes values below this as an angle, not a pulse width (µs).
MIN_SERVO_PULSE_US = 544
_INPUTS = (PinMode.INPUT, PinMode.PULLUP)
#: Modes in which a pin drives nothing, or drives low: off, whatever was written before.
_RESTING = (PinMode.INPUT, PinMode.PULLUP, PinMode.OUTPUT)
_PULSED = (PinMode.PWM, PinMode.SERVO)
_EDGES = ("none", "falling", "rising", "both")


class FirmataFactory(Factory):
    """A gpiozero pin factory whose pins are those of a connected `firmware_bridge.Board`.

    ``label`` names the board in pin names and messages (``arduino:D9``); ``model``
    (``"uno"``, ``"pico"``...) decides how pins are printed. Closing the factory stops its
    callback thread; the board itself is closed by its owner (a system reset: outputs off).
    """

    def __init__(self, board: Board, *, label: str = "board", model: str = "uno") -> None:
        super().__init__()
        layout = board.layout
        if layout is None:
            raise PinInvalidPin(f"board '{label}' is not connected, so it has no pins yet")
        self.board = board
        self.label = label
        self.model = model
        #: gpiozero's convention (kitsdk parks outputs by removing them from here).
        self.pins: dict[PinInfo, FirmataPin] = {}
        self._lock = threading.Lock()
        self._events: _Dispatcher | None = None
        self._closed = False
        self._pin_names = pin_names(model, layout)
        header = {}
        for number, capability in enumerate(layout.pins):
            if capability.modes:
                header[number] = self._pin_info(number, pin_name(model, layout, number),
                                                layout.channel_of(number), capability.mode_list)
        self._info = BoardInfo(
            revision="firmata", model=model, pcb_revision="", released="", soc="",
            manufacturer="", memory=0, storage="", usb=0, usb3=0, ethernet=0, eth_speed=0,
            wifi=False, bluetooth=False, csi=0, dsi=0,
            headers={label: HeaderInfo(name=label, rows=1, columns=len(header), pins=header)},
            board="",
        )

    def _pin_info(self, number: int, name: str, channel: int | None,
                  modes: tuple[int, ...]) -> PinInfo:
        """A pin and every way to call it: 9, "9", "D9", "GP9", "A0", "arduino:D9"."""
        names: set[object] = {number, str(number), f"{self.label}:{name}"}
        spellings = [f"D{number}", f"GP{number}", name]
        interfaces = {"gpio"}
        if channel is not None:
            spellings.append(f"A{channel}")
            interfaces.add("analog")
        if PinMode.PWM in modes:
            interfaces.add("pwm")
        names.update(s for spelling in spellings for s in (spelling, spelling.lower()))
        return PinInfo(number=number, name=f"{self.label}:{name}", names=frozenset(names),
                       pull="", row=1, col=number + 1, interfaces=frozenset(interfaces))

    def _get_board_info(self) -> BoardInfo:
        return self._info

    def pin(self, name: Any) -> FirmataPin:
        """The pin called ``name``; the same object every time."""
        for _header, info in self.board_info.find_pin(name):
            with self._lock:
                pin = self.pins.get(info)
                if pin is None:
                    pin = self.pins[info] = FirmataPin(self, info)
            return pin
        raise PinInvalidPin(f"board '{self.label}' has no pin {name!r}; its pins are "
                            f"{self._pin_names}")

    def owner(self, name: Any) -> Any:
        """The gpiozero device that reserved pin ``name``, or None."""
        for _header, info in self.board_info.find_pin(name):
            with self._res_lock:
                for reservation in self._reservations.get(info, ()):
                    device = reservation()
                    if device is not None:
                        return device
        return None

    def ticks(self) -> float:
        return time.monotonic()

    def ticks_diff(self, later: float, earlier: float) -> float:
        return later - earlier

    def close(self) -> None:
        """Stop the callback thread and forget the pins (the board resets them on close)."""
        with self._lock:
            events, self._events, self._closed = self._events, None, True
            self.pins.clear()
        if events is not None:
            events.stop()

    def _dispatch(self, call: Callable[[], None], at: float = 0.0) -> None:
        """Run ``call`` on the board's callback thread, in order (at time ``at`` if given)."""
        with self._lock:
            if self._closed:
                return  # a report that came in while the board was being closed
            if self._events is None:
                self._events = _Dispatcher(f"kitsdk-{self.label}-events")
            events = self._events
        events.put(call, at)


class _Dispatcher:
    """One thread that runs a board's edge callbacks in order, off its reader thread, and
    the checks due when a bounce window ends."""

    def __init__(self, name: str) -> None:
        self._due: list[tuple[float, int, Callable[[], None] | None]] = []  # a heap
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, call: Callable[[], None] | None, at: float = 0.0) -> None:
        with self._cond:
            heapq.heappush(self._due, (at, next(self._order), call))
            self._cond.notify()

    def stop(self) -> None:
        self.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def _next(self) -> Callable[[], None] | None:
        with self._cond:
            while True:
                now = time.monotonic()
                if self._due and self._due[0][0] <= now:
                    return heapq.heappop(self._due)[2]
                self._cond.wait(self._due[0][0] - now if self._due else None)

    def _run(self) -> None:
        while (call := self._next()) is not None:
            try:
                call()
            except Exception:  # a device's callback must not stop every other one
                logger.exception("a pin callback failed")


class FirmataPin(Pin):
    """One pin of a `FirmataFactory` (see the module's table for what gpiozero gets)."""

    def __init__(self, factory: FirmataFactory, info: PinInfo) -> None:
        self._factory = factory
        self._info = info
        self._io: BoardPinIO = factory.board.pin(info.number)
        self._pull = "floating"
        #: function "input" was asked for, and waits for its pull (see `_set_function`).
        self._input_pending = False
        self._frequency: float | None = None
        self._duty = 0.0
        self._edges = "both"
        self._bounce: float | None = None
        self._when_changed: ref[Any] | None = None
        self._edge_lock = threading.Lock()
        self._level: bool | None = None  # the last digital level reported
        self._passed: bool | None = None  # the level of the last edge passed on
        self._last_edge: float | None = None
        self._recheck = False  # a look when the bounce window ends is due
        self._io.add_callback(self._reported)

    def __repr__(self) -> str:
        return str(self._info.name)

    @property
    def info(self) -> PinInfo:
        return self._info

    @property
    def factory(self) -> FirmataFactory:
        return self._factory

    def close(self) -> None:
        """Stop the callbacks and let the pin float, as gpiozero does with its own pins."""
        self.when_changed = None
        if not self._factory.board.closed:
            self.input_with_pull("floating")

    # -- modes -----------------------------------------------------------------------------

    def _set_mode(self, mode: PinMode, unsupported: type[Exception] = PinInvalidFunction
                  ) -> None:
        if self._io.mode == mode:
            return
        layout = self._factory.board.layout
        assert layout is not None
        try:
            layout.check_mode(self._info.number, mode)
        except LocalProtocolError as exc:
            raise unsupported(f"{self!r}: {exc}") from exc
        with writing(repr(self), off=mode in _RESTING):
            self._io.set_mode(mode)

    def _get_function(self) -> str:
        mode = self._io.mode
        if self._input_pending or mode is None or mode in _INPUTS:
            return "input"
        return "analog" if mode == PinMode.ANALOG else "output"

    def _set_function(self, value: str) -> None:
        if value == "input":
            # gpiozero sets the pull next (or reads the pin): one mode change, not INPUT and
            # then PULLUP, whose reports could still be on the wire after the second.
            self._input_pending = self._io.mode not in _INPUTS
            self._frequency = None
            return
        self._input_pending = False
        if value == "output":
            if self._get_function() != "output":
                self._frequency = None
                self._set_mode(PinMode.OUTPUT)
        elif value == "analog":
            self._set_mode(PinMode.ANALOG)
        else:
            raise PinInvalidFunction(f"{self!r}: function must be input, output or analog, "
                                     f"not {value!r}")

    def input_with_pull(self, pull: str) -> None:
        if pull == "down":
            raise PinInvalidPull(f"{self!r}: boards have no pull-down resistors; wire a 10 kΩ "
                                 "resistor from the pin to GND and use pull_up=None, "
                                 "active_state=True")
        if pull not in ("up", "floating"):
            raise PinInvalidPull(f"{self!r}: pull must be 'up' or 'floating', not {pull!r}")
        wanted = PinMode.PULLUP if pull == "up" else PinMode.INPUT
        if self._io.mode != wanted:
            self._level = None
        self._pull, self._frequency, self._input_pending = pull, None, False
        self._set_mode(wanted)

    def _get_pull(self) -> str:
        return self._pull

    def _set_pull(self, value: str) -> None:
        if self._get_function() != "input":
            raise PinFixedPull(f"{self!r}: only an input has a pull")
        self.input_with_pull(value)

    # -- state -----------------------------------------------------------------------------

    def _get_state(self) -> float | bool:
        if self._input_pending:
            self.input_with_pull(self._pull)
        mode = self._io.mode
        if mode in _INPUTS:
            with translated(repr(self)):
                return bool(self._io.read())
        if mode == PinMode.ANALOG:
            return fraction(self._io, self.raw)
        # What was asked, unless the board has turned it off since: stopped, or reset by a
        # reconnect (then nothing was written). A mode change also clears what was written.
        duty = self._duty if self._io.written else 0.0
        return duty if mode in _PULSED else bool(duty)

    @property
    def raw(self) -> int:
        """An analog pin's latest reading in ADC counts (0 to 1023 on an Uno)."""
        with translated(repr(self)):
            return int(self._io.read())

    def _set_state(self, value: float) -> None:
        mode = self._io.mode
        if mode not in (PinMode.OUTPUT, *_PULSED):
            raise PinSetInput(f"cannot set the state of {self!r}: it is not an output")
        if not 0 <= value <= 1:
            raise PinInvalidState(f"{self!r}: state must be from 0 to 1, not {value!r}")
        with writing(repr(self), off=not value):
            if mode == PinMode.PWM:
                self._io.write(float(value))
            elif mode == PinMode.SERVO:
                assert self._frequency is not None
                pulse = round(value / self._frequency * 1_000_000)
                self._io.write_raw(max(MIN_SERVO_PULSE_US, pulse))
            else:
                self._io.write(bool(value))
        self._duty = float(value)

    def _get_frequency(self) -> float | None:
        return self._frequency if self._io.mode in _PULSED else None

    def _set_frequency(self, value: float | None) -> None:
        if value is None:
            if self._io.mode in _PULSED:
                self._set_mode(PinMode.OUTPUT)  # low: no pulses
            self._frequency = None
            return
        mode = PinMode.SERVO if value <= SERVO_MAX_FREQUENCY else PinMode.PWM
        self._set_mode(mode, PinPWMUnsupported)
        self._frequency = value

    # -- edges -----------------------------------------------------------------------------

    def _get_edges(self) -> str:
        return self._edges

    def _set_edges(self, value: str) -> None:
        if value not in _EDGES:
            raise PinInvalidEdges(f"{self!r}: edges must be one of {', '.join(_EDGES)}")
        self._edges = value

    def _get_bounce(self) -> float | None:
        return self._bounce

    def _set_bounce(self, value: float | None) -> None:
        self._bounce = None if value is None else float(value)

    def _get_when_changed(self) -> Any:
        return None if self._when_changed is None else self._when_changed()

    def _set_when_changed(self, value: Any) -> None:
        # A weak reference, as gpiozero's own pins keep: the pin must not keep its device alive.
        if value is None:
            self._when_changed = None
        else:
            self._when_changed = WeakMethod(value) if isinstance(value, MethodType) else ref(value)

    def _reported(self, io: BoardPinIO, value: int | bool) -> None:
        """On the board's reader thread: a digital input changed (or an analog report came)."""
        if io.mode not in _INPUTS:
            return
        level = bool(value)
        with self._edge_lock:
            previous, self._level = self._level, level
            if previous is None:
                self._passed = level  # the first report after a mode change: no edge
            elif previous != level:
                self._edge(io.timestamp if io.timestamp is not None else time.monotonic())

    def _edge(self, ticks: float) -> None:
        """Pass the level on as an edge, unless it is inside the bounce window after the last
        edge: then look again when the window ends, so the last level always gets through
        (a release inside the window is late, never lost). Called with ``_edge_lock`` held."""
        level = self._level
        if level is None or level == self._passed:
            return
        if (self._bounce is not None and self._last_edge is not None
                and ticks - self._last_edge < self._bounce):
            if not self._recheck:
                self._recheck = True
                self._factory._dispatch(self._bounce_ended, self._last_edge + self._bounce)
            return
        self._passed, self._last_edge = level, ticks
        if self._edges != "none" and self._edges != ("falling" if level else "rising"):
            self._factory._dispatch(functools.partial(self._fire, ticks, level))

    def _bounce_ended(self) -> None:
        with self._edge_lock:
            self._recheck = False
            self._edge(time.monotonic())

    def _fire(self, ticks: float, level: bool) -> None:
        callback = self._get_when_changed()
        if callback is not None:
            callback(ticks, level)
