"""Instruments of the status pages' tests: a history with a seeded outage, made by the real monitor against
the reference destination on a fake clock; a page opened from a file in its own browser context, every
request it makes recorded (anything but file:// and data: is refused) and every console error kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Request, Route

from destwatch.monitor.clock import ManualClock
from destwatch.monitor.outcomes import State
from destwatch.monitor.service import Monitor, MonitorOptions
from destwatch.reference import create_app, serve_in_thread
from destwatch.reference.targets import embedded_targets

__all__ = ["CHROMIUM", "EPOCH", "SCREENSHOTS", "Browsed", "Outage", "launch", "open_file", "seed_outage"]

# The outage starts a minute after 2026-11-30T08:00:00Z; three days of cycles every 6 hours come first.
EPOCH = 1_796_025_600.0
DAY = 86400.0
LOCAL = ("file://", "data:")

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "reports" / "screenshots"


def launch(playwright: Playwright) -> Browser:
    """Debian's chromium, headless, kept from the network's background chatter."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )


@dataclass
class Browsed:
    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def open_file(browser: Browser, path: Path, *, width: int = 1200) -> Browsed:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    browsed = Browsed(context, page)

    def route(found: Route) -> None:
        url = found.request.url
        if url.startswith(LOCAL):
            found.continue_()
        else:
            browsed.refused.append(url)
            found.abort()

    def request(sent: Request) -> None:
        browsed.requests.append(sent.url)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            browsed.errors.append(message.text)

    # Only the page's own file (and data: images) may load: anything that would leave the machine is refused
    # and kept, so a test names it.
    context.route("**/*", route)
    page.on("request", request)
    page.on("console", console)
    page.on("pageerror", lambda exc: browsed.errors.append(str(exc)))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return browsed


@dataclass
class Outage:
    """What the monitor saw: the targets file, the history and each cycle's (time, state) per version."""

    targets: Path
    history: Path
    now: float
    seen: dict[str, list[tuple[float, State]]]


def _targets(folder: Path, url: str) -> Path:
    path = folder / "targets.toml"
    served = embedded_targets(
        served_at=url,
        versions=["productCatalog/v1", "googleMarketplace/v1"],
        expectations=False,
        defaults={"max_rps": 1000.0, "timeout": 2.0},
    )
    monitor = f'[monitor]\nhistory = "{folder / "monitor.db"}"\ntextfile = "{folder / "monitor.prom"}"\n'
    path.write_text(f"{served}\n{monitor}", encoding="utf-8")
    return path


def seed_outage(folder: Path) -> Outage:
    """Three days of cycles every 6 h, then cycles a minute apart from 08:00 on 2026-11-30: up, the
    destination stopped (three cycles down), restarted on the same port (two cycles up).

    The caller puts the demo secrets in the environment (`demo_secrets()`).
    """
    clock = ManualClock(EPOCH - 3 * DAY)
    server = serve_in_thread(create_app())
    port = int(server.url.rsplit(":", 1)[1])
    options = MonitorOptions(_targets(folder, server.url))
    seen: dict[str, list[tuple[float, State]]] = {}

    def cycle(monitor: Monitor, then: float) -> None:
        for version in monitor.cycle().versions:
            seen.setdefault(version.target, []).append((clock.time(), version.state))
        clock.advance(then)

    with Monitor.start(options, clock=clock) as monitor:
        for _ in range(12):
            cycle(monitor, 6 * 3600)
        cycle(monitor, 60)  # 2026-11-30 08:00: up
        server.stop()
        for _ in range(3):
            cycle(monitor, 60)  # 08:01, 08:02, 08:03: down
        with serve_in_thread(create_app(), port=port):
            cycle(monitor, 60)  # 08:04: up again
            cycle(monitor, 60)  # 08:05
    return Outage(options.targets, folder / "monitor.db", clock.time(), seen)
