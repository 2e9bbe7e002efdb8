"""Pictures of the app for the README, taken by the browser tests."""

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def save_screenshot(page, name: str) -> None:
    """The whole page as docs/screenshots/<name>.png, without earlier tests' error notices."""
    for close in page.locator(".toast-close").all():
        if close.is_visible():
            close.click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
