"""Reading an answer within bounds: the whole answer within a deadline, never more than a size limit.

Both transports use it (destwatch's httpx client and the fuzzer's `requests` session), so a body that
trickles in or never ends costs `timeout`, and a huge one is never held in memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

__all__ = ["TooLarge", "TooLate", "bounded", "declared_too_large"]


class TooLate(Exception):
    """The deadline passed while the answer was still arriving."""

    def __init__(self, received: int) -> None:
        super().__init__(received)
        self.received = received


class TooLarge(Exception):
    """The answer is longer than the limit."""


def declared_too_large(content_length: str | None, limit: int) -> bool:
    """Whether a `Content-Length` header already says the answer is over the limit."""
    return content_length is not None and content_length.isdigit() and int(content_length) > limit


def bounded(chunks: Iterable[bytes], *, deadline: float, limit: int) -> Iterator[bytes]:
    """`chunks` as they arrive, raising `TooLarge` past `limit` bytes and `TooLate` past `deadline`."""
    received = 0
    for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise TooLarge
        if time.monotonic() > deadline:
            raise TooLate(received)
        yield chunk
