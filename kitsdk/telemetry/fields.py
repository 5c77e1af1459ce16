"""Field checks shared by every v1 message: each returns the value or raises ``BadMessage``.

The ``field`` argument is the dotted path of the value in the JSON payload
(``telemetry.values.distance.cm``), so an error names exactly what was wrong. The checks test
``type(value)`` rather than ``isinstance``: JSON gives exact types, ``bool`` must not pass for
an ``int``, and exact type tests are the cheapest check there is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from math import isfinite
from typing import Any, NoReturn, TypeGuard

from kitsdk.exc import BadMessage, BadText

NAME_MAX = 64
"""Longest device, channel, profile, script, lesson or issuer name, and longest unit."""
TEXT_MAX = 2000
"""Longest free text: an error, a hint, a lock message, an ack message."""
LINES_MAX = 50
"""Most lines of a script's output tail in an event."""
SEQ_MAX = 2**63 - 1
"""Sequence numbers fit a signed 64-bit column in any store."""

_SURROGATE = re.compile("[\ud800-\udfff]")
"""A surrogate, which in a ``str`` can only be a lone one (JSON's ``\\udc80``): not UTF-8."""
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""That, or NUL, which PostgreSQL refuses in a text column (``check_plain``)."""

Check = Callable[[object, str], object]
"""A check: ``(value, field) -> value``, raising ``BadMessage`` naming ``field``."""


def fail(field: str, expected: str, value: object) -> NoReturn:
    """Raise the one error every check raises: what was expected, and what came."""
    raise BadMessage(f"expected {expected}, got {value!r:.60}", field=field)


def require(obj: dict[str, Any], key: str, path: str) -> Any:
    """``obj[key]``, or a ``BadMessage`` saying the field is missing."""
    try:
        return obj[key]
    except KeyError:
        raise BadMessage("missing", field=f"{path}.{key}") from None


def check_object(value: object, field: str) -> dict[str, Any]:
    if type(value) is not dict:
        fail(field, "a JSON object", value)
    return value


def is_name(value: object) -> TypeGuard[str]:
    return type(value) is str and 0 < len(value) <= NAME_MAX


def is_reading(value: object) -> bool:
    """A channel's reading: a finite number, true or false, or null for 'no reading'."""
    if type(value) is float:
        return isfinite(value)
    return type(value) is int or type(value) is bool or value is None


def check_name(value: object, field: str) -> str:
    if not is_name(value):
        fail(field, f"a name of 1 to {NAME_MAX} characters", value)
    return value


def check_text(value: object, field: str, max_len: int = TEXT_MAX, min_len: int = 0) -> str:
    if type(value) is not str or not min_len <= len(value) <= max_len:
        fail(field, f"a string of {min_len} to {max_len} characters", value)
    return value


def check_plain(value: str, field: str) -> str:
    """Text the lab keeps in a column of its own, not inside JSON (a profile, a lesson's
    name, an ack's message): no NUL, which PostgreSQL refuses in text, and no lone surrogate.
    Elsewhere NUL is fine: in JSON it is the escape ``\\u0000``."""
    _check_chars(value, field, _UNSTORABLE)
    return value


def check_bool(value: object, field: str) -> bool:
    if type(value) is not bool:
        fail(field, "true or false", value)
    return value


def check_int(value: object, field: str, low: int = 0, high: int = SEQ_MAX) -> int:
    if type(value) is not int or not low <= value <= high:
        fail(field, f"an integer from {low} to {high}", value)
    return value


def check_number(value: object, field: str, low: float, high: float) -> float:
    if (type(value) is not float and type(value) is not int) or not low <= value <= high:
        fail(field, f"a number from {low} to {high}", value)
    return value


def check_time(value: object, field: str) -> float:
    """Seconds since the epoch: a non-negative number (a Pi without a clock is 1970), at most
    ``SEQ_MAX``, so that any store's column holds it (SQLite refuses a bigger integer)."""
    if (type(value) is not float and type(value) is not int) or not 0 <= value <= SEQ_MAX:
        fail(field, "a time in seconds since the epoch", value)
    return value


def check_choice(value: object, field: str, choices: Collection[str]) -> str:
    if type(value) is not str or value not in choices:
        fail(field, "one of " + ", ".join(sorted(choices)), value)
    return value


def check_lines(value: object, field: str) -> list[str]:
    """The last lines a script printed: a list of strings, at most ``LINES_MAX``."""
    if type(value) is not list or len(value) > LINES_MAX:
        fail(field, f"a list of at most {LINES_MAX} lines", value)
    for i, line in enumerate(value):
        check_text(line, f"{field}[{i}]")
    return value


def check_tree(
    value: object, field: str, leaf_ok: Callable[[object], bool], expected: str
) -> dict[str, dict[str, Any]]:
    """A two-level map of names (device -> channel -> leaf), every leaf passing ``leaf_ok``.

    Paths are formatted only on failure: telemetry runs through here 2,000 times a second.
    """
    tree = check_object(value, field)
    for device, channels in tree.items():
        if not is_name(device):
            fail(f"{field} key", f"a name of 1 to {NAME_MAX} characters", device)
        if type(channels) is not dict:
            fail(f"{field}.{device}", "a JSON object", channels)
        for channel, leaf in channels.items():
            if not is_name(channel):
                fail(f"{field}.{device} key", f"a name of 1 to {NAME_MAX} characters", channel)
            if not leaf_ok(leaf):
                fail(f"{field}.{device}.{channel}", expected, leaf)
    return tree


def check_fields(value: object, field: str, spec: Mapping[str, Check]) -> dict[str, Any]:
    """An object with exactly the fields of ``spec``, each passing its check."""
    obj = check_object(value, field)
    for key, check in spec.items():
        check(require(obj, key, field), f"{field}.{key}")
    unknown = obj.keys() - spec.keys()
    if unknown:
        expected = ", ".join(spec) or "no fields"
        raise BadMessage(
            f"unknown field; expected {expected}", field=f"{field}.{min(unknown, key=str)}"
        )
    return obj


def check_unicode(value: object, field: str) -> None:
    """Refuse a lone surrogate anywhere in a parsed payload, keys included.

    It is valid JSON (``"\\udc80"``) but not UTF-8, so neither SQLite nor PostgreSQL can
    take it (nor can a browser's page): found here, the message is a ``BadText`` naming the
    field, instead of a write that fails with it and with everything batched with it.
    (``check_plain`` also refuses NUL, in the fields that become columns of their own.)
    Iterative, since a payload may nest as deep as JSON allows.
    """
    stack: list[tuple[object, str]] = [(value, field)]
    while stack:
        item, path = stack.pop()
        if type(item) is str:
            _check_chars(item, path, _SURROGATE)
        elif type(item) is dict:
            for key, child in item.items():
                _check_chars(key, f"{path} key", _SURROGATE)
                stack.append((child, f"{path}.{key[:NAME_MAX]}"))
        elif type(item) is list:
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))


def _check_chars(text: str, field: str, pattern: re.Pattern[str]) -> None:
    found = pattern.search(text)
    if found is not None:
        char = found.group()
        what = "NUL" if char == "\x00" else "a lone surrogate"
        raise BadText(f"{ascii(text)[:60]} holds {what} (U+{ord(char):04X}), which is not "
                      "text a store can keep", field=field)
