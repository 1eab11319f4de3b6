"""`quartier-server`: the collection server's command line (its commands arrive with the server issue)."""

import argparse
import sys
from collections.abc import Sequence

from game import __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quartier-server", description="Quartier collection server.")
    parser.add_argument("--version", action="version", version=f"quartier-server {__version__}")
    parser.parse_args(argv)
    print("The collection server is not part of this version yet; see the project's issue list.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
