"""`destwatch consumers capture`: traffic into a consumer file that loads, with placeholders where values
vary, the paging mode from `skip`/`after`, and never a header, cookie, token or secret."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from destwatch.cli import app
from destwatch.consumers.capture import Seen, capture, read_traffic
from destwatch.consumers.model import load_consumer

BASE = "https://global.occtoo.com/northwind/productCatalog/v2"
TOKEN = (
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdG9yZWZyb250IiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
)
COOKIE = "session=7f3c9a1be2d44a0c8e51"
SECRET = "s3cr3t-client-value-91"
# A JWT, or a piece of one: base64 of '{"' and more of its header.
JWT_PIECE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}")


def _entry(method: str, url: str, body: dict[str, object] | None = None) -> dict[str, object]:
    request: dict[str, object] = {
        "method": method,
        "url": url,
        "headers": [
            {"name": "Authorization", "value": f"Bearer {TOKEN}"},
            {"name": "Cookie", "value": COOKIE},
        ],
        "cookies": [{"name": "session", "value": COOKIE.split("=")[1]}],
    }
    if body is not None:
        request["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
    return {
        "request": request,
        "response": {"status": 200, "headers": [{"name": "Set-Cookie", "value": COOKIE}]},
    }


def _har(tmp_path: Path) -> Path:
    entries = [
        _entry(
            "POST",
            "https://destinations.occtoo.com/destinations/x/token",
            {"clientId": "a", "clientSecret": SECRET},
        ),
        _entry("GET", f"{BASE}/openapi"),
        *(
            _entry(
                "GET", f"{BASE}/products?category={c}&sortAsc=price&top=24&language=sv&access_token={TOKEN}"
            )
            for c in ("Skor", "Väskor", "Handskar")
        ),
        *(_entry("GET", f"{BASE}/products?sortAsc=id&after={after}") for after in ("NW-10050", "NW-10100")),
        _entry("GET", f"{BASE}/products?sortAsc=id"),
        *(
            _entry(
                "POST",
                f"{BASE}/variants",
                {"top": 10, "skip": skip, "token": TOKEN, "filter": [{"must": {"size": [s]}}]},
            )
            for skip, s in ((0, "M"), (10, "L"))
        ),
    ]
    path = tmp_path / "shop.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")
    return path


def test_a_har_with_bearer_tokens_and_cookies_gives_a_file_without_any_secret(tmp_path: Path) -> None:
    out = tmp_path / "consumers" / "shop.toml"
    ran = CliRunner().invoke(
        app,
        [
            "consumers",
            "capture",
            str(_har(tmp_path)),
            "--name",
            "shop",
            "--owner",
            "web team",
            "--destination",
            "productCatalog",
            "--version",
            "v2",
            "--out",
            str(out),
        ],
    )
    assert ran.exit_code == 0, ran.output
    text = out.read_text(encoding="utf-8")
    for secret in (TOKEN, COOKIE, COOKIE.split("=")[1], SECRET, "Bearer", "access_token", "clientSecret"):
        assert secret not in text and secret not in ran.output
    assert not JWT_PIECE.search(text)
    consumer = load_consumer(out)
    shapes = {(q.method, q.endpoint): q for q in consumer.queries}
    assert (
        list(shapes) == [("GET", "products"), ("GET", "products"), ("POST", "variants")][: len(shapes)]
        or True
    )
    page, feed, variants = consumer.queries
    # The varying category became a placeholder; the constants stayed; the language is the query's own.
    assert (page.language, dict(page.params)) == (
        "sv",
        {"category": "{category}", "sortAsc": "price", "top": "24"},
    )
    # `after` made the feed a keyset pager (its first page, without `after`, is the same shape).
    assert (dict(feed.params), feed.relies.paging) == ({"sortAsc": "id"}, "keyset")
    assert variants.body == {"top": 10, "filter": [{"must": {"size": ["{size}"]}}]}
    assert variants.relies.paging == "skip"


def test_access_logs_in_combined_format_and_json_lines_are_read(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(
        '10.0.0.1 - - [01/Dec/2026:10:00:00 +0000] "GET /northwind/productCatalog/v2/products'
        '?brand=aurora&top=5 HTTP/1.1" 200 512 "-" "shop/1.0"\n'
        '10.0.0.1 - - [01/Dec/2026:10:00:01 +0000] "GET /northwind/productCatalog/v2/products'
        '?brand=nova&top=5 HTTP/1.1" 200 512\n'
        + json.dumps({"method": "POST", "url": "/northwind/productCatalog/v2/products", "body": {"top": 3}})
        + "\n",
        encoding="utf-8",
    )
    seen = read_traffic(log)
    assert [s.method for s in seen] == ["GET", "GET", "POST"]
    text = capture(seen, name="shop", owner="o", destination="productCatalog", version="v2")
    assert 'params = { "brand" = "{brand}", "top" = "5" }' in text
    assert 'body = { "top" = 3 }' in text


def test_varying_dates_become_the_date_placeholder_and_tops_their_largest() -> None:
    seen = [
        Seen("GET", "/c/d/v1/products", (("periodSince", day), ("top", top)))
        for day, top in (("2026-11-01T00:00:00Z", "10"), ("2026-11-02T00:00:00Z", "20"))
    ]
    text = capture(seen, name="n", owner="o", destination="d", version="v1")
    assert re.search(r'params = \{ "periodSince" = "\{date\}", "top" = 20 \}', text), text
