"""Pages in a browser: Debian's headless chromium, and a page opened from a file in its own browser context,
every request it makes recorded (anything but file:// and data: is refused) and every console error kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Playwright loads with the first browser test, not with every test process
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Request, Route


__all__ = ["CHROMIUM", "SCREENSHOTS", "Browsed", "launch", "open_file"]

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
