"""The child process of `serve_in_process`: `python -m destwatch.reference._child FD SETTINGS`.

FD is the listening socket the parent handed over, SETTINGS the JSON keyword arguments of `create_app`.
"""

from __future__ import annotations

import json
import sys

from destwatch.reference.app import create_app
from destwatch.reference.server import serve_handed_socket


def main(argv: list[str]) -> None:
    fd, settings = int(argv[1]), json.loads(argv[2])
    serve_handed_socket(fd, create_app(**settings))


if __name__ == "__main__":
    main(sys.argv)
