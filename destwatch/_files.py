"""Small file and payload helpers every part shares: atomic writes and lenient JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

import httpx
import msgspec

__all__ = ["json_or_none", "write_atomic"]


class _HasJson(Protocol):
    def json(self) -> Any: ...


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` so that no reader ever sees half a file (a temporary file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        if isinstance(data, bytes):
            temporary.write_bytes(data)
        else:
            temporary.write_text(data, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def json_or_none(source: _HasJson | str | bytes) -> Any:
    """The parsed JSON of a response (or text), or None when it is not JSON.

    Text and httpx's responses are parsed by msgspec, several times faster than `json` on the large pages
    the suites read; it keeps integers of any size exact (orjson turns big ones into floats). What it
    refuses and `json` allows (NaN, a byte-order mark, UTF-16, lone surrogates) goes to `json`, so the
    result is always the one `json.loads` gives. Other responses (Schemathesis's) parse once themselves.
    """
    try:
        if isinstance(source, str | bytes):
            return _loads(source)
        if isinstance(source, httpx.Response):
            return _loads(source.content)
        return source.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _loads(text: str | bytes) -> Any:
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return json.loads(text)
