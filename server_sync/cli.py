"""`quartier-server`: run the collection server (exit 0, 1 for bad input with one line, 2 for usage)."""

import argparse
import contextlib
import logging
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import platformdirs

from game import __version__
from game.core.errors import QuartierError
from game.core.i18n import LANGUAGES, Language, detect_language, text
from game.io.logs import configure_logging, crash_message
from server_sync.network import classroom_sockets, lan_addresses, public_url

log = logging.getLogger(__name__)


def default_data_dir() -> Path:
    home = os.environ.get("QUARTIER_HOME")
    return (
        Path(home) / "server"
        if home
        else platformdirs.user_data_path("quartier-server", appauthor=False)
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server_sync.app import create_app, ready_to_serve
    from server_sync.connections import ServerConfig, connection_limits
    from server_sync.services.room_hub import MAX_MESSAGE as ROOM_MESSAGE_LIMIT
    from server_sync.settings import Settings

    sockets, addresses = _classroom(args) if args.classroom else (None, [])
    pupils = args.public_url or (f"http://{addresses[0]}:{args.port}" if addresses else None)
    # The moderator token is read from QUARTIER_MODERATOR_TOKEN (see server_sync/settings.py).
    uploads = {
        "cpu_workers": args.cpu_workers,
        "cpu_queue": args.cpu_queue,
        "cpu_pool": args.cpu_pool,
        "revisions_per_minute": args.revisions_per_minute,
        "participant_bytes": args.participant_mb and int(args.participant_mb * 1_000_000),
    }
    settings = Settings(
        data_dir=args.data_dir,
        db_url=args.db,
        rate_limit=args.rate_limit,
        public_url=pupils,
        **{
            name: getattr(args, name)
            for name in ("header_timeout", "body_timeout", "keep_alive", "max_connections")
            if getattr(args, name) is not None
        },
        # Only what was given: the defaults live in server_sync/settings.py.
        **{name: value for name, value in uploads.items() if value is not None},
    )
    limits = connection_limits(settings)  # before the workers start: they inherit the file limit
    app, token = create_app(settings)
    lang = detect_language()
    host = "0.0.0.0" if args.classroom else args.host
    print(
        text(lang, "server.serving", url=f"http://{host}:{args.port}", data=args.data_dir),
        flush=True,
    )
    if args.classroom or pupils:
        _tell_pupils(lang, pupils, [f"http://{a}:{args.port}" for a in addresses[1:]])
    if token:
        print(text(lang, "server.new_token", token=token), flush=True)
    # The plain asyncio loop, not uvloop: under full load uvloop served some connections seconds
    # late (p99 1.4 s against 0.13 s for votes with 50 clients, benchmarks/server.py). httptools
    # (its subclass with deadlines, server_sync/connections.py): with uvicorn's pure-Python h11
    # parser votes fell from ~1,000/s to ~250/s (wrk).
    options = {
        "host": args.host,
        "port": args.port,
        "log_level": "warning",
        "access_log": False,
        "loop": "asyncio",
        # Team rooms (docs/rooms.md): no message larger than the rooms take, refused by the
        # protocol layer before it is held in memory.
        "ws_max_size": ROOM_MESSAGE_LIMIT,
        # Room messages are a few hundred bytes, each sent to every member: compressing each
        # one for each member cost the server more CPU than passing it on (benchmarks/rooms.py).
        "ws_per_message_deflate": False,
    }
    if args.workers > 1:
        # Each worker process builds its own app; rate limits then count per process.
        from server_sync.asgi import serve_workers

        serve_workers(settings, limits, args.workers, sockets=sockets, **options)
        return 0
    ready_to_serve(app)
    server = uvicorn.Server(ServerConfig(app, limits, **options))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn raises Ctrl+C again once it has stopped
        if sockets:
            server.run(sockets)
        else:
            server.run()
    return 0 if server.started else 1


def _classroom(args: argparse.Namespace) -> tuple[list[socket.socket], list[str]]:
    """`--classroom`: listen on every address of this computer (before the slow start, so a
    taken port is said at once) and find the addresses the pupils' devices can reach."""
    try:
        sockets = classroom_sockets(args.port)
    except OSError as exc:
        raise QuartierError("server.cannot_listen", port=args.port, reason=exc.strerror) from exc
    return sockets, lan_addresses()


def _tell_pupils(lang: Language, url: str | None, others: list[str]) -> None:
    """The address for the projector, or the warning that no other device can reach this one."""
    if url is None:
        print(text(lang, "server.only_this_computer"), flush=True)
        return
    print(text(lang, "server.pupils_open", url=url), flush=True)
    if others:
        print(text(lang, "server.also_reachable", urls=", ".join(others)), flush=True)


def cmd_export(args: argparse.Namespace) -> int:
    """The council bundle of one workshop, read straight from the server's database (the server may be running)."""
    from server_sync.db import make_engine, session_factory, sqlite_path, sqlite_url
    from server_sync.export.bundle import export_workshop
    from server_sync.export.contents import find_workshop

    lang = args.lang or detect_language()
    if not args.db and not sqlite_path(args.data_dir).is_file():
        raise QuartierError("export.no_server_data", path=str(args.data_dir))
    engine = make_engine(args.db or sqlite_url(args.data_dir))
    try:
        with session_factory(engine)() as session:
            bundle = export_workshop(
                session,
                find_workshop(session, args.workshop),
                args.out,
                args.data_dir,
                lang,
                include_hidden=args.include == "hidden",
            )
    finally:
        engine.dispose()
    print(text(lang, "export.written", designs=len(bundle.entries), path=args.out))
    return 0


def _at_least_one(value: str) -> int:
    """A whole number from 1 up, else a usage error (exit 2) rather than a crash at start."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 1 up")
    return int(value)


def _at_least_zero(value: str) -> int:
    """A whole number from 0 up (0: no job waits), else a usage error (exit 2)."""
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 0 up")
    return int(value)


def _megabytes(value: str) -> float:
    """A size in megabytes above 0, else a usage error (exit 2)."""
    try:
        size = float(value)
    except ValueError:
        size = 0.0
    if not 0 < size < float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a size in MB above 0")
    return size


def _public_url(value: str) -> str:
    """`--public-url`, checked at once: a usage error (exit 2) rather than a crash at start."""
    try:
        return public_url(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="quartier-server", description="Quartier collection server."
    )
    parser.add_argument("--version", action="version", version=f"quartier-server {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--classroom",
        action="store_true",
        help="listen on all of this computer's network addresses (instead of --host), so that "
        "the pupils' devices can join; prints the address they open",
    )
    serve.add_argument(
        "--public-url",
        type=_public_url,
        metavar="URL",
        help="the address pupils open, for join links and QR codes (behind a proxy, a DNS name)",
    )
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--data-dir", type=Path, default=default_data_dir())
    serve.add_argument(
        "--db",
        metavar="URL",
        help="e.g. postgresql+psycopg://user@host/db (default: SQLite in the data folder)",
    )
    serve.add_argument(
        "--rate-limit",
        type=int,
        default=600,
        metavar="N",
        help="requests per minute per token (per client address: ten times as many)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="server processes (SQLite WAL or PostgreSQL)",
    )
    # Defaults in server_sync/settings.py (importing it here would slow down every command).
    for flag, metavar, explained in (
        ("--header-timeout", "S", "seconds for a request's headers; a slower client is cut off"),
        ("--body-timeout", "S", "seconds for a request's body (an upload) after its headers"),
        ("--keep-alive", "S", "seconds an idle connection stays open for the next request"),
        ("--max-connections", "N", "open connections per process (below the open-file limit)"),
    ):
        serve.add_argument(flag, type=_at_least_one, metavar=metavar, help=explained)
    serve.add_argument(
        "--cpu-workers",
        type=_at_least_one,
        metavar="N",
        help="processes that check uploads and render pictures (default 2)",
    )
    serve.add_argument(
        "--cpu-pool",
        choices=("processes", "threads"),
        help="run that work in worker processes (default) or in threads of the server",
    )
    serve.add_argument(
        "--cpu-queue",
        type=_at_least_zero,
        metavar="N",
        help="jobs that may wait for those workers (default 8; more: 503, try again)",
    )
    serve.add_argument(
        "--revisions-per-minute",
        type=_at_least_one,
        metavar="N",
        help="new revisions per participant and minute (default 10; more: 429)",
    )
    serve.add_argument(
        "--participant-mb",
        type=_megabytes,
        metavar="MB",
        help="stored revisions per participant (default 20; more: 413)",
    )
    serve.set_defaults(handler=cmd_serve)
    export = sub.add_parser(
        "export", help="write a workshop's report, table and design files for the council"
    )
    export.add_argument("--workshop", required=True, metavar="CODE_OR_ID")
    export.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR_OR_ZIP",
        help="a new folder, or a file ending in .zip",
    )
    export.add_argument(
        "--include", choices=["hidden"], help="hidden, rejected and waiting designs too"
    )
    export.add_argument("--data-dir", type=Path, default=default_data_dir())
    export.add_argument(
        "--db", metavar="URL", help="as for serve (default: SQLite in the data folder)"
    )
    export.add_argument("--lang", choices=LANGUAGES)
    export.set_defaults(handler=cmd_export)
    args = parser.parse_args(argv)
    if getattr(args, "classroom", False) and args.host != serve.get_default("host"):
        parser.error("--classroom listens on every address of this computer: leave out --host")
    configure_logging("server")
    try:
        return args.handler(args)
    except QuartierError as exc:
        print(exc.message(getattr(args, "lang", None) or detect_language()), file=sys.stderr)
        return 1
    except Exception as exc:  # a clear line and the log file to send, instead of a traceback
        if os.environ.get("QUARTIER_DEBUG"):
            raise
        from server_sync.errors import store_failure

        refused = store_failure(exc)
        if refused is not None:  # a full disk or a read-only data folder: said so, cause logged
            cause = getattr(exc, "orig", None) or exc  # the database's own words, not its SQL
            log.error("quartier-server %s: the data store refused: %s", args.command, cause)
            lang = getattr(args, "lang", None) or detect_language()
            print(text(lang, f"server.{refused.code}"), cause, sep="\n", file=sys.stderr)
            return 1
        log.exception("unexpected error in quartier-server %s", args.command)
        print(crash_message(detect_language(), exc), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
