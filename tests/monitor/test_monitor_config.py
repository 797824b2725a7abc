"""The `[monitor]` table: defaults, durations as people write them, and every mistake a one-line
`ConfigError` naming file, line, key and the fix; alert URLs only as `${ENV}` references, never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from destwatch._durations import format_duration, parse_duration
from destwatch.config import MONITOR_STEPS, MonitorSettings, load_targets
from destwatch.errors import ConfigError
from destwatch.redact import redact
from kit.monitoring import write_targets


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("60s", 60),
        ("10m", 600),
        ("1h30m", 5400),
        ("500ms", 0.5),
        ("7d", 604800),
        ("2.5", 2.5),
        (3, 3),
        (" 1h ", 3600),
    ],
)
def test_durations_read_as_people_write_them(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10 parsecs", "m10", "-5s", "1h-5m", "nan", "inf"])
def test_a_bad_duration_says_what_a_duration_looks_like(text: str) -> None:
    with pytest.raises(ValueError, match=r'is not a duration; write "500ms", "60s"'):
        parse_duration(text)


def test_durations_print_in_their_largest_whole_unit() -> None:
    assert [format_duration(s) for s in (3600, 90, 0.25, 86400 * 2, 600)] == [
        "1h",
        "90s",
        "250ms",
        "2d",
        "10m",
    ]


def test_the_defaults_are_the_documented_ones(tmp_path: Path) -> None:
    settings = load_targets(write_targets(tmp_path, monitor={})).monitor
    assert settings.keep_days == 90
    assert settings.degraded_after == 1.0
    assert settings.availability_objective == 99.9
    assert settings.latency_objective == 0.5
    assert (settings.failure_threshold, settings.success_threshold) == (2, 2)
    assert settings.renotify == 3600.0
    assert settings.tls_warn_days == 14
    assert all(settings.step_on(step) for step in MONITOR_STEPS)
    assert MonitorSettings().history == "reports/monitor.db"


def test_durations_steps_and_objectives_are_read(tmp_path: Path) -> None:
    monitor = {
        "degraded_after": "750ms",
        "latency_objective": 0.25,
        "renotify": "30m",
        "availability_objective": 99.5,
        "steps": {"tls": False, "token-errors": False},
    }
    settings = load_targets(write_targets(tmp_path, monitor=monitor)).monitor
    assert (settings.degraded_after, settings.latency_objective, settings.renotify) == (0.75, 0.25, 1800.0)
    assert not settings.step_on("tls") and not settings.step_on("token-errors") and settings.step_on("get")


@pytest.mark.parametrize(
    ("line", "key", "words"),
    [
        ('renotify = "2 parsecs"', "monitor.renotify", "'2 parsecs' is not a duration"),
        ("availability_objective = 100", "monitor.availability_objective", "less than 100"),
        (
            "keep_dayz = 3",
            "monitor.keep_dayz",
            "unknown key 'keep_dayz'. Fix: remove it (did you mean 'keep_days'?)",
        ),
        (
            "steps = { tsl = false }",
            "monitor.steps.tsl",
            "unknown step 'tsl'. Fix: remove it (did you mean 'tls'?)",
        ),
        ("failure_threshold = 0", "monitor.failure_threshold", "greater than or equal to 1"),
        (
            'webhook = "https://hooks.example/T0/B0/secret"',
            "monitor.webhook",
            "a literal webhook URL is refused",
        ),
        ('notify = ["slack://T0/B0/secret"]', "monitor.notify", "a literal notify URL is refused"),
        ('notify = "slack://T0/B0/secret"', "monitor.notify", "input should be an array (got [redacted])"),
    ],
)
def test_each_mistake_is_one_line_with_file_line_key_and_fix(
    tmp_path: Path, line: str, key: str, words: str
) -> None:
    path = tmp_path / "targets.toml"
    text = write_targets(tmp_path).read_text().split("[monitor]")[0]
    path.write_text(f"{text}[monitor]\n{line}\n", encoding="utf-8")
    line_number = len(text.splitlines()) + 2
    with pytest.raises(ConfigError) as caught:
        load_targets(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line_number}: {key}: "), message
    assert words in message and "Fix: " in message and "\n" not in message
    assert "secret" not in message.replace("client_secret", "")


def test_alert_urls_come_from_the_environment_and_are_masked_from_then_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monitor = {"webhook": "${DW_TEST_HOOK}", "notify": ["${DW_TEST_SLACK}"]}
    config = load_targets(write_targets(tmp_path, monitor=monitor))
    with pytest.raises(ConfigError, match=r"monitor.webhook: environment variable DW_TEST_HOOK is not set"):
        config.monitor_channels()
    monkeypatch.setenv("DW_TEST_HOOK", "https://hooks.example/T01/B02/hook-key-4f9a1c")
    monkeypatch.setenv("DW_TEST_SLACK", "slack://T01/B02/slack-key-77e2d0")
    assert config.monitor_channels() == (
        "https://hooks.example/T01/B02/hook-key-4f9a1c",
        ("slack://T01/B02/slack-key-77e2d0",),
    )
    said = redact(
        "posting to https://hooks.example/T01/B02/hook-key-4f9a1c and slack://T01/B02/slack-key-77e2d0"
    )
    assert "hook-key" not in said and "slack-key" not in said


def _window(tmp_path: Path, body: str) -> Path:
    path = write_targets(tmp_path, monitor={})
    with path.open("a", encoding="utf-8") as file:
        file.write(f'\n[[monitor.maintenance]]\ntargets = ["productCatalog"]\nreason = "upgrade"\n{body}\n')
    return path


def test_a_maintenance_window_reads_from_an_array_of_tables(tmp_path: Path) -> None:
    path = _window(tmp_path, 'start = 2026-12-06T02:00:00Z\nduration = "2h"\nevery = "7d"')
    (window,) = load_targets(path).monitor.maintenance
    assert (window.targets, window.duration, window.every) == (("productCatalog",), 7200.0, 604800.0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'start = 2026-12-06T02:00:00\nduration = "2h"',
            "monitor.maintenance.0.start: start = 2026-12-06T02:00:00 has no UTC offset",
        ),
        (
            "start = 2026-12-06T02:00:00Z",
            "monitor.maintenance.0: a maintenance window needs exactly one of end",
        ),
        (
            "start = 2026-12-06T02:00:00Z\nend = 2026-12-06T01:00:00Z",
            "monitor.maintenance.0.end: end is not after start",
        ),
        (
            'start = 2026-12-06T02:00:00Z\nduration = "2h"\nevery = "1h"',
            "monitor.maintenance.0.every: a recurring window needs a duration no longer than its period",
        ),
        (
            'start = "tomorrow"\nduration = "2h"',
            "monitor.maintenance.0.start: input should be a valid datetime",
        ),
    ],
)
def test_a_wrong_maintenance_window_is_one_line_naming_its_key(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_targets(_window(tmp_path, body))
    rendered = caught.value.render()
    assert message in rendered and "\n" not in rendered and ". Fix: " in rendered
