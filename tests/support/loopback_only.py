"""Tests send packets only to 127.0.0.0/8 (and ::1): a guard that fails a test which
addresses anything else, so a real drone's or board's address can never be flown or
written to from a test run.

The guard wraps the socket calls that address a peer (``connect``, ``connect_ex``,
``sendto``) for the whole run. ``narrow_wildcard_binds`` is for programs that bind every
address, djitellopy among them (``("", 8889)``): on one machine it and the simulated
Tello would both want port 8889, which on a real network sit on two hosts; narrowed to
127.0.0.9 (djitellopy keeps its sockets for the whole process), the program holds
127.0.0.9:8889 and leaves 127.0.0.1:8889 to the kits' own simulated drones.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_real = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex", "sendto",
                                                         "bind")}


#: Where wildcard binds go: an address no simulated drone of the tests answers on.
NARROWED = "127.0.0.9"


class NotLoopback(AssertionError):
    """A test addressed something outside 127.0.0.0/8."""


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return
    host = address[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:  # a name: resolve it as connect would
        ips = {info[4][0] for info in socket.getaddrinfo(host, None, sock.family)}
        if all(ipaddress.ip_address(i).is_loopback for i in ips):
            return
        raise NotLoopback(f"a test addressed {host!r} ({', '.join(sorted(ips))}): tests send "
                          "packets only to 127.0.0.0/8") from None
    if not ip.is_loopback:
        raise NotLoopback(f"a test addressed {host}: tests send packets only to 127.0.0.0/8")


def _connect(self: socket.socket, address: Any) -> Any:
    _check(self, address)
    return _real["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> Any:
    _check(self, address)
    return _real["connect_ex"](self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> Any:
    _check(self, args[-1])
    return _real["sendto"](self, data, *args)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]


def _narrowed_bind(self: socket.socket, address: Any) -> Any:
    if self.family == socket.AF_INET and isinstance(address, tuple) and address[0] in (
            "", "0.0.0.0"):
        address = (NARROWED, *address[1:])
    return _real["bind"](self, address)


@pytest.fixture
def narrow_wildcard_binds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Binds to every address (``""``, ``0.0.0.0``) become binds to ``NARROWED``."""
    monkeypatch.setattr(socket.socket, "bind", _narrowed_bind)
    yield
