"""Where the pupils of a classroom reach the server (`quartier-server serve --classroom`).

A teacher's own browser often opens the desk as http://127.0.0.1:PORT; a join link built from
that address makes every phone that scans it open itself. So the server finds the machine's
addresses in the school network once at start, and the join links use one of those (or the
public URL the teacher gave, for a server behind a proxy or with a DNS name).

The address is the one the operating system itself would send from into each private network:
`connect` on a UDP socket only chooses the route and sends no packet, so nothing leaves the
machine (the probe addresses below are never contacted). That needs only the standard library
on every system, and it follows the machine's routes: a library that lists the interfaces
(ifaddr, netifaces) also lists Docker and VM bridges and VPNs that no phone in the room can
reach, and would have to guess which of them is the classroom's.
"""

import ipaddress
import logging
import socket
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

#: One address in each private range: first the far end of 10/8 (the default route on most
#: machines), then the usual routers of home and school networks (a FRITZ!Box is 192.168.178.1),
#: so that a network without a gateway to the internet is found too.
PROBES = (
    "10.255.255.254",
    "192.168.0.1",
    "192.168.1.1",
    "192.168.178.1",
    "10.0.0.1",
    "172.16.0.1",
)

#: The source address for a route to an address, or None when there is no such route.
RouteSource = Callable[[str], str | None]


def route_source(target: str) -> str | None:
    """The machine's own address the system would send from to `target` (sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((target, 9))  # the discard port; UDP connect sends no packet
        except OSError:  # no route: no network, or none into this range
            return None
        address: str = probe.getsockname()[0]
        return address


def lan_addresses(source: RouteSource = route_source, probes: Iterable[str] = PROBES) -> list[str]:
    """The machine's IPv4 addresses that other devices in the room can reach, the one most
    routes leave from first (the default route's, not a VPN's that covers only 10/8); empty
    when there is only loopback (or link-local, 169.254.x.y, which a phone on the school's
    Wi-Fi does not share)."""
    found: Counter[str] = Counter()
    for target in probes:
        address = source(target)
        if address is None:
            continue
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified):
            found[address] += 1
    return [address for address, _ in found.most_common()]  # equal counts: first found first


def public_url(value: str) -> str:
    """A server's public base URL as the teacher gave it, checked and without a trailing slash:
    http(s), a host, maybe a port and a path (behind a proxy), no query or fragment.

    Raises ValueError with the reason.
    """
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an address like http://192.168.1.20:8765")
    if parts.query or parts.fragment:
        raise ValueError(f"{value!r} has a query or fragment; give only the address")
    parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    return value.rstrip("/")


def shown_address(url: str) -> str:
    """The address as pupils type it: a browser adds http:// by itself, https must be typed."""
    return url.removeprefix("http://")


def only_here(url: str) -> bool:
    """A link no other device can open (127.0.0.1, localhost): the desk says what to do."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name
        return False


def classroom_sockets(port: int) -> list[socket.socket]:
    """Listening sockets on every address of the machine: 0.0.0.0 and, where the machine has
    IPv6, [::] (IPv6 only, so that the two do not collide on systems that share them).

    Raises OSError when the port is taken.
    """
    sockets = [_listen(socket.AF_INET, "0.0.0.0", port)]
    if socket.has_ipv6:
        try:
            sockets.append(_listen(socket.AF_INET6, "::", port))
        except OSError as exc:  # IPv6 switched off: IPv4 is what school networks hand out
            log.info("not listening on [::]:%d: %s", port, exc)
    return sockets


def _listen(family: socket.AddressFamily, host: str, port: int) -> socket.socket:
    # TCP named, so that asyncio sets TCP_NODELAY on its connections (see server_sync/asgi.py)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if sys.platform != "win32":  # a restart right after a stop (on Windows: a second server)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)  # for the worker processes of --workers N
    except OSError:
        sock.close()
        raise
    return sock
