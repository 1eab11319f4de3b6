"""`quartier-server`: the collection server's command line (its commands arrive with the server issue)."""

import argparse
import sys
from collections.abc import Sequence

from game import __version__
from game.core.i18n import detect_language, text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quartier-server", description="Quartier collection server.")
    parser.add_argument("--version", action="version", version=f"quartier-server {__version__}")
    parser.parse_args(argv)
    print(text(detect_language(), "server.not_yet"), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
