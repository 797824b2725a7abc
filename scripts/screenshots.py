"""Regenerate the README's screenshots (`docs/images/*.png`) from the pages the screenshot test renders
(`tests/kit/screens.py`: fixed data, so an unchanged page gives the same picture), in Debian's headless
chromium. Usage:

    .venv/bin/python scripts/screenshots.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from kit.browser import launch, open_file  # noqa: E402
from kit.screens import build_pages  # noqa: E402  (the tests' own kit)

# Page -> image name; the README's names of before are kept for the two pages it showed.
IMAGES = {
    "gate-failed": "gate-report.png",
    "gate-passed": "gate-passed.png",
    "status-index": "status-page.png",
    "status-version": "status-version.png",
    "validate-no-go": "validate-no-go.png",
    "validate-go": "validate-go.png",
    "validate-suites": "validate-suites.png",
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        pages = build_pages(Path(folder))
        browser = launch(playwright)
        try:
            for name, image in IMAGES.items():
                browsed = open_file(browser, pages[name].path)
                if browsed.errors or browsed.refused:
                    print(f"{name}: {browsed.errors or browsed.refused}", file=sys.stderr)
                    return 1
                browsed.page.screenshot(path=str(out / image), full_page=True)
                browsed.context.close()
                print(out / image)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
