"""What every kitsdk device adds to the gpiozero device underneath it.

A kitsdk device *is* a gpiozero device (``class LED(KitDevice, gpiozero.LED)``), so every
gpiozero method, property and pin factory works unchanged and costs nothing extra. The mixin
adds the classroom layer: a name from the profile, ``read()`` with units, ``stop()`` to a
safe state, a friendly ``repr``, errors that name the device, and callbacks whose mistakes are
reported once in plain words instead of as a thread traceback.

One lifecycle for every device: ``close()`` *seals* it. A sealed device is an instance of its
class's closed twin, whose every public attribute and method (bar the few in
:data:`STILL_ANSWERED`) raises :class:`~kitsdk.exc.DeviceClosed` naming the device and the
attribute, getters and setters alike. Sealing swaps the class once, at close, so an open
device pays nothing for it: no check runs on any call while it is open.
"""

from __future__ import annotations

import numbers
import sys
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from gpiozero import RGBLED, CompositeDevice, GPIODevice
from gpiozero.mixins import event

from ..exc import BadValue, DeviceClosed
from ..options import SAFE_OPTION, Option
from ..readings import Channel, Reading

if TYPE_CHECKING:
    from ..build import BuildEnv
    from ..profile import DeviceSpec
    from ..telemetry.parts import Part


class _FriendlyEvent(event):
    """gpiozero's event descriptor, with callbacks guarded by :func:`_guard`."""

    def _wrap_callback(self, instance: Any, fn: Callable[..., Any]) -> Callable[[], Any]:
        return _guard(instance, super()._wrap_callback(instance, fn), fn)


def _guard(device: Any, call: Callable[[], Any], original: Callable[..., Any]) -> Callable[[], Any]:
    """Run a student's callback; report its first failure in plain words, count the rest."""
    reported = threading.Event()

    def guarded() -> Any:
        try:
            return call()
        except Exception as exc:  # a student's bug must not kill the pin's event thread
            device.callback_errors += 1
            if not reported.is_set():
                reported.set()
                print(_explain_callback_error(device, original, exc), file=sys.stderr)
            return None

    return guarded


def _explain_callback_error(device: Any, fn: Callable[..., Any], exc: BaseException) -> str:
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_next is None:
            where = f" ({tb.tb_frame.f_code.co_filename}, line {tb.tb_lineno})"
        tb = tb.tb_next
    name = getattr(fn, "__name__", repr(fn))
    return (
        f"kitsdk: your function '{name}' for {device.describe()} failed{where}: "
        f"{type(exc).__name__}: {exc}. It will not be reported again; "
        f"the device keeps working."
    )


#: What a closed device still answers: who it is, that it is closed, what it measured, and
#: ``close()`` again. Everything else public raises ``DeviceClosed``.
STILL_ANSWERED = frozenset({"name", "describe", "closed", "close", "safe", "is_output",
                            "is_motor", "flies", "options", "channels", "held", "callback_errors",
                            "looks"})


class KitDevice:
    """Mixin for every kitsdk device. Put it first: ``class LED(KitDevice, gpiozero.LED)``.

    Drivers declare their profile keys in ``options`` and their telemetry in ``channels``;
    ``from_profile`` builds one from a checked profile table.
    """

    options: ClassVar[Mapping[str, Option]] = {}
    channels: ClassVar[tuple[Channel, ...]] = ()
    #: How a view of the kit draws it: one of ``kitsdk.telemetry.parts.KINDS``, or a kind of
    #: the driver's own, drawn as a plain labelled part showing its channels.
    looks: ClassVar[str] = "part"
    #: True on the closed twin of a class (see :func:`_seal`).
    _sealed: ClassVar[bool] = False
    #: Outputs stop on ``stop()`` and at exit; motors stop before anything else.
    is_output: ClassVar[bool] = False
    is_motor: ClassVar[bool] = False
    #: A part that flies (a drone, also a motor): it lands before any other motor stops.
    flies: ClassVar[bool] = False
    if TYPE_CHECKING:

        @property
        def closed(self) -> bool:
            """Provided by the gpiozero device underneath, or by StandaloneDevice."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Swap every gpiozero event (when_pressed, when_held ...) for a guarded twin,
        # keeping aliases aliased: when_pressed and when_activated stay one descriptor.
        super().__init_subclass__(**kwargs)
        twins: dict[int, _FriendlyEvent] = {}
        for attr in dir(cls):
            original = getattr(cls, attr, None)
            if isinstance(original, event) and not isinstance(original, _FriendlyEvent):
                twin = twins.setdefault(id(original), _FriendlyEvent(original.__doc__))
                setattr(cls, attr, twin)

    def __init__(self, *args: Any, name: str | None = None, safe: str = "off", **kwargs: Any):
        self.name = name or type(self).__name__.lower()
        self.safe = safe
        self.callback_errors = 0
        self.held = False
        try:
            super().__init__(*args, **kwargs)
        except BadValue:  # our own check, already naming the device
            raise
        except ValueError as exc:
            raise BadValue(f"{self.describe()}: {exc}") from exc

    @classmethod
    def from_profile(cls, spec: DeviceSpec, env: BuildEnv) -> KitDevice:
        """Build the device a profile table describes. Drivers with sub-parts override it."""
        options = dict(spec.options)
        if cls.is_output:
            options.setdefault("safe", SAFE_OPTION.default)
        return cls(name=spec.name, pin_factory=env.pin_factory, **options)

    @classmethod
    def bus_pins(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """Bus pins (SPI ...) that other devices on the same bus may share, by role."""
        return {}

    @classmethod
    def simulate(cls, spec: DeviceSpec, env: BuildEnv) -> None:
        """Give the simulated pins this part's behaviour before it is built (sensors)."""

    def describe(self) -> str:
        """``LED 'red'``: how errors and messages name this device."""
        return f"{type(self).__name__} '{self.name}'"

    def look(self) -> dict[str, Any]:
        """Hints for drawing this part (an LED's colour); a driver adds its own."""
        return {}

    def part(self) -> Part:
        """This device as the kit's drawings see it: kind, label, channels and look."""
        from ..telemetry.parts import Part

        return Part(self.name, self.looks, self.describe(), tuple(self.channels), self.look())

    def read(self) -> dict[str, Reading]:
        """Every channel's current value with its unit."""
        self._check_open()
        return {c.name: Reading(_plain(getattr(self, c.attr or c.name)), c.unit)
                for c in self.channels}

    def stop(self) -> None:
        """Put the part in its safe state (off, stopped). Inputs have nothing to stop."""
        if self.is_output:
            self.off()  # type: ignore[attr-defined]

    def emergency(self, why: str = "") -> None:
        """Stop at once, whatever stopping costs (the teacher's emergency): a motor stops
        as ``stop()`` does, a drone cuts its motors in the air. A part that does something
        a student will notice says ``why``."""
        self.stop()

    def hold(self) -> None:
        """Stop the part and keep it stopped, whatever the script asks, until ``release()``.

        The kit agent holds a kit's motors when the lab link is lost: the script goes on,
        its motors do not.
        """
        self.held = True
        self.stop()

    def release(self) -> None:
        """Let a held part move again."""
        self.held = False

    def check(self) -> dict[str, Reading]:
        """Exercise the part harmlessly for ``kit doctor``: outputs go to their safe state."""
        self.stop()
        return self.read()

    def close(self) -> None:
        """Release the part. Outputs with ``safe = "off"`` stay driven off, not floating."""
        if self._sealed:
            return
        if self.is_output and getattr(self, "safe", "") == "off" and not _half_built(self):
            self.stop()
            _park(self)
        super().close()  # type: ignore[misc]
        _seal(self)

    def __del__(self) -> None:
        # gpiozero closes a device when it is collected. A blink that outlives its script
        # (a beep(n=3) as `kit run` drops the script's globals) holds the last reference, so
        # the collection runs on the blink thread itself as it ends, and closing would join
        # that very thread ("cannot join current thread"). It is ending: forget it, then close.
        if getattr(self, "_blink_thread", None) is threading.current_thread():
            self._blink_thread = None
        collected = getattr(super(), "__del__", None)  # gpiozero's: close()
        if collected is not None:
            collected()

    def _check_open(self) -> None:
        if self.closed:
            raise self._closed_error()

    def _closed_error(self, used: str | None = None) -> DeviceClosed:
        what = f"its '{used}' was used" if used else "it was used"
        return DeviceClosed(
            f"{self.describe()} is closed: {what} after kit.close() or the end of a "
            f"'with' block",
            hint="build the kit again, or keep using it inside the 'with' block",
        )

    def __repr__(self) -> str:
        if self.closed:
            return f"<{self.describe()} (closed)>"
        pins = ", ".join(str(p) for p in _pins(self))
        state = ", ".join(f"{k}={v!r}" for k, v in self.read().items())
        return f"<{self.describe()}{' on ' + pins if pins else ''}: {state}>"


def _plain(value: Any) -> Any:
    """A reading as a plain bool, int or float: gpiozero hands out colorzero's ``Red(0.5)``
    and friends, which telemetry (JSON, the schema) must not see."""
    if value is None or type(value) in (bool, int, float):
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def _half_built(device: Any) -> bool:
    """Closed, or so half-built that gpiozero's ``closed`` cannot even be asked."""
    try:
        return bool(device.closed)
    except AttributeError:  # a constructor failed before gpiozero set up its parts
        return True


def _children(device: Any) -> tuple[Any, ...]:
    """The gpiozero devices a device is made of (an RGBLED keeps its LEDs in ``_leds``)."""
    if isinstance(device, CompositeDevice):
        return tuple(device.all)
    if isinstance(device, RGBLED):
        return tuple(device._leds)
    return ()


def _pins(device: Any) -> list[Any]:
    if isinstance(device, GPIODevice):
        return [device.pin] if device.pin is not None else []
    return [pin for child in _children(device) for pin in _pins(child)]


def _park(device: Any) -> None:
    """Let go of a device's pins without resetting them, so they stay driven where they are.

    gpiozero's close() turns output pins back into floating inputs; a motor driver whose
    inputs float can twitch. Releasing the reservation and dropping the pin object leaves the
    line driven at the level ``stop()`` just set.

    gpiozero has no public way to close a device, or its factory, and leave a line driven:
    every close resets it. So this is the one place kitsdk reaches into gpiozero's state
    (the factory's ``pins``, a device's ``_pin``, an RGB LED's ``_leds``, a blink thread),
    and ``tests/test_planted_bugs.py`` checks that the tests see it when parking stops
    working. The device is sealed after (``_seal``), so nothing public reaches the
    dropped pin.
    """
    for child in _children(device):
        _park(child)
    if isinstance(device, GPIODevice) and getattr(device, "_pin", None) is not None:
        stop_blink = getattr(device, "_stop_blink", None)
        if stop_blink is not None:
            stop_blink()
        info = device._pin.info
        device.pin_factory.release_pins(device, info.name)
        # Keep the factory's close() from resetting the line to a floating input.
        device.pin_factory.pins.pop(info, None)
        device._pin = None


#: Each class's closed twin, made the first time a device of the class closes.
_twins: dict[type[KitDevice], type[KitDevice]] = {}


def _closed_twin(cls: type[KitDevice]) -> type[KitDevice]:
    """The class a closed ``cls`` device turns into: same name, same everything, but every
    public attribute outside :data:`STILL_ANSWERED` raises ``DeviceClosed``."""

    def __getattribute__(self: Any, name: str) -> Any:
        if name[:1] == "_" or name in STILL_ANSWERED:
            return cls.__getattribute__(self, name)
        raise self._closed_error(name)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if name[:1] == "_" or name in STILL_ANSWERED:
            cls.__setattr__(self, name, value)
        else:
            raise self._closed_error(name)

    namespace = {"__getattribute__": __getattribute__, "__setattr__": __setattr__,
                 "_sealed": True, "closed": property(lambda self: True, doc="Always true."),
                 "__doc__": cls.__doc__, "__module__": cls.__module__,
                 "__qualname__": cls.__qualname__}
    metaclass: Any = type(cls)  # gpiozero's GPIOMeta for gpiozero parts, else type
    twin: type[KitDevice] = metaclass(cls.__name__, (cls,), namespace)
    return twin


def _seal(device: KitDevice) -> None:
    """Turn a closed device into its closed twin (the one lifecycle, see the module doc)."""
    cls = type(device)
    twin = _twins.get(cls)
    if twin is None:
        twin = _twins.setdefault(cls, _closed_twin(cls))
    object.__setattr__(device, "__class__", twin)


class StandaloneDevice(KitDevice):
    """Base of devices with no gpiozero device underneath (a 1-wire sensor, a camera).

    It gives them the same lifecycle as gpiozero's: ``close()`` is idempotent and safe on a
    half-built object, ``closed`` is a property, ``with`` works, and use after close raises
    :class:`~kitsdk.exc.DeviceClosed` naming the device. Subclasses free what they hold in
    ``_release()``.
    """

    def __init__(self, *, name: str | None = None, safe: str = "off") -> None:
        self._closed = False
        super().__init__(name=name, safe=safe)

    @property
    def closed(self) -> bool:
        return getattr(self, "_closed", True)

    def close(self) -> None:
        if not self.closed:
            self._closed = True
            self._release()
            _seal(self)

    def _release(self) -> None:
        """Free whatever the device holds (files, threads, a camera)."""

    def __enter__(self) -> StandaloneDevice:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()
