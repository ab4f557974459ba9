"""Where a source URL may lead: only public internet addresses, never this machine, its
private network, link-local (cloud metadata), multicast or reserved space (pure).

Every address a host name resolves to is checked, and the connection is then made to a
checked address, so a name that resolves differently the second time (DNS rebinding)
cannot slip through. Redirects open new connections and are checked the same way.
"""
from __future__ import annotations

import ipaddress
import socket
import typing
from urllib.parse import urlsplit

import httpcore

WEB_SCHEMES = ("http", "https")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The URL may not be fetched; the message says why, for the run report and the form."""


def refused_reason(address: IPAddress) -> str | None:
    """Why fetching from `address` is refused, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for test, what in ((address.is_unspecified, "an unspecified address"),
                       (address.is_loopback, "a loopback address"),
                       (address.is_link_local, "a link-local address"),
                       (address.is_multicast, "a multicast address"),
                       (address.is_reserved, "a reserved address"),
                       (address.is_private, "a private address"),
                       (not address.is_global, "not a public address")):
        if test:
            return what
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to; AddressRefused if it resolves to none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(f"the host {host} cannot be resolved ({error})") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses of `host`, all of them public; AddressRefused naming the first that
    is not (one bad address refuses the host: which one a client picks is not ours)."""
    addresses = resolve(host, port)
    for text in addresses:
        reason = refused_reason(ipaddress.ip_address(text.split("%", 1)[0]))
        if reason:
            shown = host if host == text else f"{host} ({text})"
            raise AddressRefused(f"refused: {shown} is {reason}")
    return addresses


def check_url(url: str, *, allow_private: bool) -> None:
    """AddressRefused unless `url` is an http(s) URL with a host that may be fetched."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in WEB_SCHEMES:
        raise AddressRefused(f"refused: only http and https addresses are read, not "
                             f"{parts.scheme or 'a relative address'}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise AddressRefused("refused: the port is not a number") from None
    if not host:
        raise AddressRefused("refused: the address has no host")
    if not allow_private:
        public_addresses(host, port or (443 if parts.scheme.lower() == "https" else 80))


class GuardedBackend(httpcore.SyncBackend):
    """The network backend httpx connects through: each TCP connection goes to an
    address checked by `public_addresses`, tried in turn like socket.create_connection."""

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: typing.Iterable | None = None) -> httpcore.NetworkStream:
        addresses = public_addresses(host, port)
        error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address,
                                           socket_options)
            except httpcore.ConnectError as failed:
                error = failed
        raise error or httpcore.ConnectError(f"no address for {host}")
