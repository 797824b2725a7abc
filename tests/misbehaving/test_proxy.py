"""The misbehaving proxy does what each mangling says, checked with plain httpx and raw sockets.

The corpus fails destwatch on what it does against these manglings; these tests make sure such a failure is
destwatch's and not the proxy's.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from typing import Literal

import httpx
import pytest

from kit.proxy import HUGE_BODY_BYTES, Mangle, MisbehavingProxy, Rule, family_of

DATA = "/northwind/productCatalog/v2/products"
DOCUMENT = "/northwind/productCatalog/v2/openapi"
TOKEN = "/destinations/3f6c1a52-8d0e-4b7a-9c31-0a1e5d2b7c02/token"
CREDENTIALS = {"clientId": "demo-client-v2", "clientSecret": "demo-secret-v2"}


@dataclass(frozen=True)
class Raw:
    """What a raw socket received, and how the connection ended."""

    data: bytes
    ended: Literal["eof", "reset", "timeout"]

    @property
    def head(self) -> bytes:
        return self.data.partition(b"\r\n\r\n")[0]

    @property
    def body(self) -> bytes:
        return self.data.partition(b"\r\n\r\n")[2]

    @property
    def content_length(self) -> int:
        for line in self.head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return int(value)
        raise AssertionError(f"no Content-Length in {self.head!r}")


def raw_get(proxy: MisbehavingProxy, path: str, token: str, *, read_for: float = 5.0) -> Raw:
    """GET `path` over a bare socket; read until EOF, a reset, or `read_for` seconds in all."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{proxy.port}\r\nAuthorization: Bearer {token}\r\n\r\n"
    deadline = time.monotonic() + read_for
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=read_for) as sock:
        sock.sendall(request.encode())
        data = b""
        try:
            while (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                chunk = sock.recv(65536)
                if not chunk:
                    return Raw(data, "eof")
                data += chunk
        except ConnectionResetError:
            return Raw(data, "reset")
        except TimeoutError:
            pass
        return Raw(data, "timeout")


@pytest.fixture
def token(proxy: MisbehavingProxy) -> str:
    """A real token, fetched through the proxy before any rule is set."""
    answer = httpx.post(f"{proxy.url}{TOKEN}", json=CREDENTIALS, timeout=5)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["accessToken"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_paths_fall_into_the_three_families_of_a_version_and_other() -> None:
    assert family_of(TOKEN) == "token"
    assert family_of(DOCUMENT) == "document"
    assert family_of(DATA) == "data"
    assert family_of("/northwind/googleMarketplace/v1/feed") == "data"
    assert family_of(f"/moved{DATA}") == "other"
    assert family_of("/steal") == "other"


def test_unmatched_requests_are_forwarded_unchanged_and_counted_per_family(
    proxy: MisbehavingProxy, upstream: str, token: str
) -> None:
    document = httpx.get(f"{proxy.url}{DOCUMENT}", timeout=5).json()
    through = httpx.post(f"{proxy.url}{DATA}", json={"top": 3}, headers=bearer(token), timeout=5)
    direct = httpx.post(f"{upstream}{DATA}", json={"top": 3}, headers=bearer(token), timeout=5)
    got = httpx.get(f"{proxy.url}{DATA}?top=2&language=sv", headers=bearer(token), timeout=5)
    assert through.status_code == direct.status_code == 200 and through.json() == direct.json()
    assert got.status_code == 200 and got.json()["language"] == "sv" and len(got.json()["results"]) == 2
    # The Host header travels, so the document names the proxy, as a real destination names itself.
    assert document["servers"][0]["url"] == f"{proxy.url}/northwind/productCatalog/v2"
    assert proxy.counts() == {"token": 1, "document": 1, "data": 2}
    assert proxy.errors == []


def test_hang_never_answers_while_other_families_are_forwarded(proxy: MisbehavingProxy, token: str) -> None:
    proxy.rule = Rule("data", Mangle.HANG)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{proxy.url}{DATA}", headers=bearer(token), timeout=0.5)
    assert httpx.get(f"{proxy.url}{DOCUMENT}", timeout=5).status_code == 200
    assert proxy.count("data") == 1 and proxy.errors == []


def test_a_version_rule_hangs_token_document_and_data(proxy: MisbehavingProxy, token: str) -> None:
    proxy.rule = Rule("version", Mangle.HANG)
    for method, path in (("POST", TOKEN), ("GET", DOCUMENT), ("GET", DATA)):
        with pytest.raises(httpx.ReadTimeout):
            httpx.request(method, f"{proxy.url}{path}", headers=bearer(token), json={}, timeout=0.3)
    assert proxy.counts() == {"token": 2, "document": 1, "data": 1}


def test_slow_forwards_after_the_delay(proxy: MisbehavingProxy, token: str) -> None:
    proxy.rule = Rule("data", Mangle.SLOW, delay=0.5)
    started = time.monotonic()
    answer = httpx.get(f"{proxy.url}{DATA}", headers=bearer(token), timeout=5)
    assert answer.status_code == 200 and time.monotonic() - started >= 0.5


def test_drip_sends_the_head_at_once_then_one_body_byte_at_a_time(
    proxy: MisbehavingProxy, token: str
) -> None:
    proxy.rule = Rule("data", Mangle.DRIP, delay=0.2)
    raw = raw_get(proxy, DATA, token, read_for=1.0)
    assert raw.ended == "timeout" and raw.head.startswith(b"HTTP/1.1 200 ")
    # About 1 s at 5 bytes a second, of a body of thousands of bytes.
    assert 1 <= len(raw.body) <= 10 < 1000 < raw.content_length
    assert proxy.errors == []


def test_reset_answers_nothing_and_resets(proxy: MisbehavingProxy, token: str) -> None:
    proxy.rule = Rule("data", Mangle.RESET)
    raw = raw_get(proxy, DATA, token)
    assert raw == Raw(b"", "reset")
    with pytest.raises(httpx.ReadError):
        httpx.get(f"{proxy.url}{DATA}", headers=bearer(token), timeout=5)


def test_reset_mid_body_sends_the_head_and_half_the_body_then_resets(
    proxy: MisbehavingProxy, token: str
) -> None:
    proxy.rule = Rule("data", Mangle.RESET_MID_BODY)
    raw = raw_get(proxy, DATA, token)
    assert raw.ended == "reset" and raw.head.startswith(b"HTTP/1.1 200 ")
    assert len(raw.body) == raw.content_length // 2 > 0


def test_close_mid_body_promises_more_than_it_sends_then_closes(proxy: MisbehavingProxy, token: str) -> None:
    proxy.rule = Rule("data", Mangle.CLOSE_MID_BODY)
    raw = raw_get(proxy, DATA, token)
    assert raw.ended == "eof" and raw.head.startswith(b"HTTP/1.1 200 ")
    assert 0 < len(raw.body) < raw.content_length
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{proxy.url}{DATA}", headers=bearer(token), timeout=5)


def test_close_ends_the_connection_without_a_byte(proxy: MisbehavingProxy) -> None:
    proxy.rule = Rule("token", Mangle.CLOSE)
    with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
        httpx.post(f"{proxy.url}{TOKEN}", json=CREDENTIALS, timeout=5)
    assert proxy.count("token") == 1


def test_answer_replaces_the_destination_s_answer(proxy: MisbehavingProxy, token: str) -> None:
    proxy.rule = Rule("data", Mangle.ANSWER, status=200, content_type="text/html", body=b"<html>oops</html>")
    answer = httpx.get(f"{proxy.url}{DATA}", headers=bearer(token), timeout=5)
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/html"
    assert answer.text == "<html>oops</html>"
    proxy.rule = Rule("token", Mangle.ANSWER, status=429, headers=(("Retry-After", "3600"),), body=b"{}")
    limited = httpx.post(f"{proxy.url}{TOKEN}", json=CREDENTIALS, timeout=5)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "3600"


def test_huge_body_is_a_valid_50_mb_envelope_of_real_results(proxy: MisbehavingProxy, token: str) -> None:
    proxy.rule = Rule("data", Mangle.HUGE_BODY)
    answer = httpx.get(f"{proxy.url}{DATA}", headers=bearer(token), timeout=30)
    body = answer.content
    prefix = b'{"language": "en", "results": ['
    assert answer.status_code == 200 and int(answer.headers["content-length"]) == len(body)
    assert len(body) >= HUGE_BODY_BYTES
    assert body.startswith(prefix) and body.endswith(b"]}")
    # Every item is the same real result, so the whole is valid JSON without parsing 50 MB here.
    item = body[len(prefix) : body.index(b"}") + 1]
    repeats = (len(body) - len(prefix) - 2 + 1) // (len(item) + 1)
    assert body == prefix + (item + b",") * (repeats - 1) + item + b"]}"
    envelope = json.loads(prefix + item + b"]}")
    assert envelope["results"][0]["id"].startswith("NW-") and "price" in envelope["results"][0]
    assert proxy.errors == []


def test_rate_limit_once_answers_429_then_forwards_the_retry(proxy: MisbehavingProxy, token: str) -> None:
    proxy.rule = Rule("data", Mangle.RATE_LIMIT_ONCE, retry_after=1)
    first = httpx.get(f"{proxy.url}{DATA}?top=1", headers=bearer(token), timeout=5)
    retry = httpx.get(f"{proxy.url}{DATA}?top=1", headers=bearer(token), timeout=5)
    other = httpx.get(f"{proxy.url}{DATA}?top=2", headers=bearer(token), timeout=5)
    assert (first.status_code, first.headers["retry-after"]) == (429, "1")
    assert retry.status_code == 200 and other.status_code == 429
    done, pending = proxy.retries()
    assert done.key[1] == f"{DATA}?top=1" and done.waited is not None and done.waited < 1.0
    assert pending.key[1] == f"{DATA}?top=2" and pending.waited is None


def test_redirect_points_at_the_trap_which_counts_its_visitors(proxy: MisbehavingProxy, token: str) -> None:
    proxy.rule = Rule("data", Mangle.REDIRECT, status=302, location="{trap}/steal{path}")
    answer = httpx.get(f"{proxy.url}{DATA}", headers=bearer(token), timeout=5)
    assert answer.status_code == 302 and answer.headers["location"] == f"{proxy.trap_url}/steal{DATA}"
    assert proxy.trap_hits == 0
    assert httpx.get(answer.headers["location"], timeout=5).status_code == 200
    assert proxy.trap_hits == 1


def test_redirect_on_the_same_host_points_at_a_path_of_family_other(
    proxy: MisbehavingProxy, token: str
) -> None:
    proxy.rule = Rule("data", Mangle.REDIRECT, status=307, location="{proxy}/moved{path}")
    answer = httpx.get(f"{proxy.url}{DATA}", headers=bearer(token), timeout=5)
    assert answer.status_code == 307 and answer.headers["location"] == f"{proxy.url}/moved{DATA}"
    followed = httpx.get(f"{proxy.url}{DATA}", headers=bearer(token), timeout=5, follow_redirects=True)
    assert followed.status_code == 404 and proxy.count("other") == 1


def test_a_tls_client_hello_gets_garbage_and_a_closed_connection(proxy: MisbehavingProxy) -> None:
    with pytest.raises(httpx.ConnectError, match="SSL"):
        httpx.get(f"https://127.0.0.1:{proxy.port}{DOCUMENT}", timeout=5, verify=False)
    assert proxy.tls_hellos == 1 and proxy.counts() == {} and proxy.errors == []


def test_wait_until_returns_once_the_condition_holds(proxy: MisbehavingProxy) -> None:
    assert not proxy.wait_until(lambda p: p.count("document") >= 1, timeout=0.1)
    httpx.get(f"{proxy.url}{DOCUMENT}", timeout=5)
    assert proxy.wait_until(lambda p: p.count("document") >= 1, timeout=5)
