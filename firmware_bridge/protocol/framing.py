"""Splitting a Firmata byte stream into messages, whatever the cable did to it.

The framer knows only the shape of messages: a command byte (high bit set), then a fixed number
of data bytes, or a sysex block up to END_SYSEX. Which commands exist and how long they are
comes from dispatch tables that the caller passes in (they differ by direction: a version
request from the host is one byte, the board's answer three).

Anything that does not fit is reported to `on_error` as a `RemoteProtocolError` and skipped up
to the next command byte, where framing starts afresh: a message that begins right after
garbage is always recovered. Nothing here raises on input.

Bound: incomplete input kept between calls never exceeds ``max_sysex_payload + 2`` bytes (a
sysex start, its feature id and payload); beyond that the message counts as an overflow and is
discarded up to the next command byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from ..exc import RemoteProtocolError
from .constants import END_SYSEX, START_SYSEX

M = TypeVar("M")

#: (number of data bytes, decoder taking the low nibble and the data bytes)
FixedSpec = tuple[int, Callable[[int, bytes], M]]
SysexDecoder = Callable[[bytes], M]

_COMMAND_BYTE = re.compile(rb"[\x80-\xff]")


class Framer(Generic[M]):
    """Incremental, table-driven splitter; `feed` returns the messages completed so far."""

    def __init__(
        self,
        fixed: Mapping[int, FixedSpec[M]],
        sysex: Mapping[int, SysexDecoder[M]],
        max_sysex_payload: int,
        on_error: Callable[[RemoteProtocolError], None],
    ) -> None:
        self._fixed = fixed
        self._sysex = sysex
        self._max_sysex = max_sysex_payload
        self._on_error = on_error
        self._pending = b""
        self._skipping = False  # inside a region already reported; drop data bytes silently

    @property
    def pending(self) -> int:
        """Bytes of an incomplete message held until more input arrives."""
        return len(self._pending)

    def _error(self, kind: str, message: str, data: bytes, *, to_end: bool = False) -> None:
        self._on_error(RemoteProtocolError(kind, message, data))
        self._skipping = to_end

    def feed(self, data: bytes) -> list[M]:
        buf = self._pending + data if self._pending else bytes(data)
        self._pending = b""
        out: list[M] = []
        find = _COMMAND_BYTE.search
        n = len(buf)
        i = 0
        if self._skipping:
            found = find(buf)
            i = found.start() if found else n
            self._skipping = found is None
        while i < n:
            b = buf[i]
            if b < 0x80:
                found = find(buf, i)
                end = found.start() if found else n
                self._error(
                    "stray",
                    f"{end - i} data byte(s) outside any message",
                    buf[i:end],
                    to_end=found is None,
                )
                i = end
            elif b == START_SYSEX:
                i = self._sysex_at(buf, i, out)
            else:
                i = self._fixed_at(buf, i, out)
        return out

    def _fixed_at(self, buf: bytes, i: int, out: list[M]) -> int:
        b = buf[i]
        spec = self._fixed.get(b & 0xF0 if b < START_SYSEX else b)
        n = len(buf)
        if spec is None:
            found = _COMMAND_BYTE.search(buf, i + 1)
            end = found.start() if found else n
            self._error("unknown", f"command byte {b:#04x}", buf[i:end], to_end=found is None)
            return end
        length, decode = spec
        end = i + 1 + length
        cut = _COMMAND_BYTE.search(buf, i + 1, min(end, n))
        if cut is not None:
            self._error("truncated", f"message {b:#04x} cut short", buf[i : cut.start()])
            return cut.start()
        if end > n:
            self._pending = buf[i:]
            return n
        try:
            out.append(decode(b & 0x0F, buf[i + 1 : end]))
        except RemoteProtocolError as exc:
            self._on_error(exc)
        return end

    def _sysex_at(self, buf: bytes, i: int, out: list[M]) -> int:
        n = len(buf)
        found = _COMMAND_BYTE.search(buf, i + 1)
        if found is None:
            if n - i > self._max_sysex + 2:
                self._error(
                    "overflow", f"sysex longer than {self._max_sysex} bytes", buf[i:], to_end=True
                )
            else:
                self._pending = buf[i:]
            return n
        end = found.start()
        body = buf[i + 1 : end]
        if buf[end] != END_SYSEX:
            self._error("truncated", "sysex cut short by a new command", buf[i:end])
            return end
        if len(body) > self._max_sysex + 1:
            self._error("overflow", f"sysex longer than {self._max_sysex} bytes", buf[i:end])
        elif not body:
            self._error("malformed", "empty sysex", buf[i : end + 1])
        elif (decode := self._sysex.get(body[0])) is None:
            self._error("unknown", f"sysex id {body[0]:#04x}", buf[i : end + 1])
        else:
            try:
                out.append(decode(body[1:]))
            except RemoteProtocolError as exc:
                self._on_error(exc)
        return end + 1
