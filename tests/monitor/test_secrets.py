"""No secret or token anywhere the monitor writes: history, metrics, alert payloads, terminal and logs.

The demo client secrets, the webhook's and the apprise URL's keys, and anything shaped like a JWT (every
token the reference grants is one) are searched for in every byte the monitor leaves behind."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from destwatch.cli import app
from kit.monitoring import CaptureServer, write_targets

# v3's consumers use OAuth2: the monitor asks the reference's authorization server with its OAuth2 secret.
SECRETS = (
    "demo-secret-v1",
    "demo-secret-v2",
    "demo-oauth-secret-v3",
    "hook-key-0a1b2c3d",
    "notify-key-9f8e7d",
)
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.")


def _database_text(path: Path) -> str:
    db = sqlite3.connect(path)
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return "\n".join(repr(row) for table in tables for row in db.execute(f"SELECT * FROM {table}"))


@pytest.mark.slow
def test_no_secret_or_token_in_history_metrics_alerts_or_logs(
    tmp_path: Path, capture: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DW_SECRET_HOOK", f"{capture.url}/hook/hook-key-0a1b2c3d")
    monkeypatch.setenv("DW_SECRET_NOTIFY", capture.url.replace("http://", "json://") + "/notify-key-9f8e7d")
    monitor = {"webhook": "${DW_SECRET_HOOK}", "notify": ["${DW_SECRET_NOTIFY}"]}
    targets = write_targets(tmp_path, monitor=monitor, reference={"token_ttl": 3600})
    said: list[str] = []
    runs = [
        ("--once", "--fault", "post-skips-auth"),
        ("--once", "--fault", "post-skips-auth", "--json"),
        ("--every", "50ms", "--for", "150ms", "--fault", "token-500-on-bad-body", "--json"),
        ("--once", "--fault", "openapi-requires-token"),
        ("--report",),
        ("--report", "--json"),
    ]
    for args in runs:
        result = CliRunner().invoke(app, ["monitor", *args, "--targets", str(targets)])
        assert result.exit_code in (0, 1), result.stderr
        said += [result.stdout, result.stderr]
    alerts = capture.wait_for(4)
    assert {body.get("event") or body.get("title") for body in alerts} >= {"fired"}
    assert "alert fired" in "".join(said)  # the logs did speak of the alerts
    written = {
        "terminal and logs": "\n".join(said),
        "alert payloads": json.dumps(alerts),
        "history": _database_text(tmp_path / "monitor.db"),
        "metrics textfile": (tmp_path / "monitor.prom").read_text(),
        **{
            f"file {path.name}": path.read_bytes().decode("latin-1")
            for path in tmp_path.iterdir()
            if path.is_file()
        },
    }
    for where, text in written.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} in {where}"
        assert not JWT.search(text), f"a JWT in {where}: {JWT.search(text)}"
