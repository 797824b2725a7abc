"""The certificate of an https destination: when it expires, read from the server's own handshake.

One TLS handshake per host, no HTTP request: it does not count against a cycle's request budget.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from destwatch.redact import redact

__all__ = ["Certificate", "CertificateProblem", "https_host", "read_certificate"]


class CertificateProblem(Exception):
    """The handshake failed or the certificate is not valid; the message says why in words."""


@dataclass(frozen=True)
class Certificate:
    host: str
    not_after: float
    """When the certificate expires (Unix time)."""

    def days_left(self, now: float) -> float:
        return (self.not_after - now) / 86400


def https_host(url: str) -> tuple[str, int] | None:
    """`(host, port)` of an https URL, None for any other scheme (the step is not applicable)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return None
    return parts.hostname, parts.port or 443


def read_certificate(
    host: str, port: int, *, timeout: float, context: ssl.SSLContext | None = None
) -> Certificate:
    """The verified certificate `host:port` presents; `CertificateProblem` saying what is wrong."""
    context = context or ssl.create_default_context()
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            peer = tls.getpeercert()
    except ssl.SSLCertVerificationError as exc:
        words = exc.verify_message or exc.reason or "verification failed"
        raise CertificateProblem(f"{host}:{port}: the certificate is not valid ({words})") from None
    except ssl.SSLError as exc:
        raise CertificateProblem(f"{host}:{port}: TLS handshake failed ({exc.reason or exc})") from None
    except TimeoutError:
        raise CertificateProblem(f"{host}:{port}: no TLS handshake within {timeout:g} s") from None
    except OSError as exc:
        raise CertificateProblem(f"{host}:{port}: {redact(exc.strerror or str(exc))}") from None
    not_after = (peer or {}).get("notAfter")
    if not isinstance(not_after, str):
        raise CertificateProblem(f"{host}:{port}: the certificate states no expiry")
    return Certificate(host, float(ssl.cert_time_to_seconds(not_after)))
