"""`quartier-server serve --classroom`: it listens on every address of the machine, finds the
address the pupils' devices can reach (tested with made-up routes: a test may only talk to
127.0.0.0/8), tells the teacher, warns when only this computer can reach it, and hands the
address to the join links; `--public-url` overrides what it found.

The QR codes themselves are read from the real pages in tests/e2e/test_classroom.py.
"""

import os
import socket

import pytest
import uvicorn
from live_server import MODERATOR, free_port

import server_sync.asgi
import server_sync.cli
from server_sync.cli import main
from server_sync.network import (
    classroom_sockets,
    lan_addresses,
    only_here,
    public_url,
    route_source,
)
from server_sync.settings import Settings


def routes(table: dict[str, str | None]):
    """A made-up machine: the source address for each probed address (None: no route)."""
    return lambda target: table.get(target)


def test_the_default_routes_address_comes_first_and_each_address_once():
    found = lan_addresses(
        routes(
            {
                "10.255.255.254": "192.168.1.20",
                "192.168.1.1": "192.168.1.20",
                "10.0.0.1": "10.8.0.5",
            }
        )
    )
    assert found == ["192.168.1.20", "10.8.0.5"]


def test_the_address_most_routes_leave_from_comes_before_a_vpn_for_10_8():
    vpn, lan = "10.8.0.5", "192.168.1.20"
    table = {"10.255.255.254": vpn, "10.0.0.1": vpn, "192.168.0.1": lan, "192.168.1.1": lan}
    assert lan_addresses(routes({**table, "192.168.178.1": lan, "172.16.0.1": lan})) == [lan, vpn]


def test_a_network_without_a_gateway_is_found_through_its_router():
    # a classroom Wi-Fi with no internet: no default route, but a route into 192.168.178.0/24
    assert lan_addresses(routes({"192.168.178.1": "192.168.178.31"})) == ["192.168.178.31"]


@pytest.mark.parametrize(
    "table",
    [
        {},  # no network at all: every probe finds no route
        {"10.255.255.254": "127.0.0.1"},
        {"10.255.255.254": "169.254.3.7"},  # link-local: no phone shares it
        {"10.255.255.254": "0.0.0.0"},
    ],
)
def test_only_loopback_or_link_local_is_no_address_for_pupils(table):
    assert lan_addresses(routes(table)) == []


def test_the_real_route_probe_sends_nothing_and_answers_for_loopback():
    # connect() on UDP chooses a route only; 127.0.0.1 is the one address a test may use
    assert route_source("127.0.0.1") == "127.0.0.1"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("http://192.168.1.20:8765/", "http://192.168.1.20:8765"),
        ("https://quartier.schule-am-see.de", "https://quartier.schule-am-see.de"),
        (" https://example.org/werkstatt/ ", "https://example.org/werkstatt"),
    ],
)
def test_a_public_url_is_kept_without_its_trailing_slash(given, kept):
    assert public_url(given) == kept
    assert Settings(data_dir="d", public_url=given).public_url == kept


@pytest.mark.parametrize(
    "bad", ["192.168.1.20:8765", "ftp://host", "http://", "http://h/?code=X", "http://h:99999"]
)
def test_a_public_url_that_is_no_web_address_is_a_usage_error(bad, capsys):
    with pytest.raises(ValueError):
        public_url(bad)
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--public-url", bad])
    assert stopped.value.code == 2
    assert "--public-url" in capsys.readouterr().err


def test_classroom_sockets_listen_on_every_ipv4_address_and_ipv6_apart():
    sockets = classroom_sockets(0)
    try:
        v4 = sockets[0]
        assert v4.getsockname()[0] == "0.0.0.0"
        assert v4.proto == socket.IPPROTO_TCP  # asyncio sets TCP_NODELAY only then
        for v6 in sockets[1:]:
            assert v6.family == socket.AF_INET6
            assert v6.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 1
        v4.listen()
        with socket.create_connection(("127.0.0.1", v4.getsockname()[1]), timeout=5):
            pass  # 0.0.0.0 takes the loopback address too
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture
def served(tmp_path, monkeypatch):
    """`serve(*options, lan=[...])`: runs `quartier-server serve` with a made-up list of LAN
    addresses and, instead of uvicorn's server, notes what it would serve; returns
    (port, exit code, settings, the addresses of the sockets it was handed or None)."""
    for name in Settings(data_dir=tmp_path).environment():  # what --workers writes, undone after
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("QUARTIER_MODERATOR_TOKEN", MODERATOR)
    monkeypatch.setenv("QUARTIER_LANG", "en")
    seen = {}

    class Server:
        def __init__(self, config) -> None:
            self.config, self.started = config, True

        def run(self, sockets=None) -> None:
            seen["settings"] = self.config.app.state.server.settings
            seen["sockets"] = [sock.getsockname()[:2] for sock in sockets] if sockets else None
            for sock in sockets or []:
                sock.close()

    monkeypatch.setattr(uvicorn, "Server", Server)

    def serve(*options: str, lan: list[str]):
        monkeypatch.setattr(server_sync.cli, "lan_addresses", lambda: lan)
        port = free_port()
        argv = ["serve", "--port", str(port), "--data-dir", str(tmp_path / "data"), *options]
        return port, main(argv), seen.get("settings"), seen.get("sockets")

    return serve


def test_classroom_tells_the_address_pupils_open_and_the_join_links_use_it(served, capsys):
    port, code, settings, sockets = served("--classroom", lan=["192.168.1.20", "10.8.0.5"])
    assert code == 0
    assert settings.public_url == f"http://192.168.1.20:{port}"
    assert sockets[0] == ("0.0.0.0", port)
    out = capsys.readouterr().out
    assert f"Pupils open: http://192.168.1.20:{port}\n" in out
    assert f"they can try: http://10.8.0.5:{port}" in out
    assert "only this computer" not in out


def test_classroom_warns_when_only_this_computer_can_reach_it(served, capsys):
    _, code, settings, sockets = served("--classroom", lan=[])
    assert code == 0 and sockets  # it still serves: the teacher may fix the network and restart
    assert settings.public_url is None  # the join links keep the browser's address
    out = capsys.readouterr().out
    assert "Warning: only this computer can reach the server" in out
    assert "Pupils open" not in out


def test_a_public_url_overrides_the_address_found(served, capsys):
    _, code, settings, _ = served(
        "--classroom", "--public-url", "https://quartier.example.org/", lan=["192.168.1.20"]
    )
    assert code == 0 and settings.public_url == "https://quartier.example.org"
    assert "Pupils open: https://quartier.example.org\n" in capsys.readouterr().out


def test_without_classroom_the_server_stays_on_this_computer(served, capsys):
    _, code, settings, sockets = served(lan=["192.168.1.20"])
    assert code == 0 and sockets is None and settings.public_url is None
    assert "Pupils open" not in capsys.readouterr().out


def test_a_taken_port_is_said_at_once_with_what_to_do(served, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--classroom", "--port", str(port), "--data-dir", "unused"])
    assert code == 1
    err = capsys.readouterr().err
    assert f"cannot use port {port}" in err and "--port" in err


def test_classroom_and_host_together_are_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--classroom", "--host", "10.0.0.5"])
    assert stopped.value.code == 2
    assert "leave out --host" in capsys.readouterr().err


def test_the_worker_processes_serve_on_the_classroom_sockets(served, monkeypatch):
    handed = []

    class Started:
        """Instead of uvicorn's supervisor: notes the sockets its workers would share."""

        def __init__(self, config, sockets) -> None:
            handed.extend(sock.getsockname()[:2] for sock in sockets)
            for sock in sockets:
                sock.close()

        def run(self) -> None:
            pass

    monkeypatch.setattr(server_sync.asgi, "Multiprocess", Started)
    port, code, _, _ = served("--classroom", "--workers", "2", lan=["192.168.1.20"])
    assert code == 0 and handed[0] == ("0.0.0.0", port)
    assert os.environ["QUARTIER_SERVER_PUBLIC_URL"] == f"http://192.168.1.20:{port}"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8765/?code=ABC", True),
        ("http://localhost:8765/?code=ABC", True),
        ("http://[::1]:8765/?code=ABC", True),
        ("http://192.168.1.20:8765/?code=ABC", False),
        ("https://quartier.example.org/?code=ABC", False),
    ],
)
def test_a_join_link_only_this_computer_can_open_is_noticed(url, local):
    assert only_here(url) is local
