"""What the browser tests share: Debian's Chromium and their marks, pictures of the app for the
README, and the quiz card on screen."""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# A browser test's marks: skipped without Chromium; Gradio's queue and plot code trip pandas
# deprecation warnings, which are not ours to fix.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)"),
    pytest.mark.filterwarnings("ignore:::gradio.queueing"),
    pytest.mark.filterwarnings("ignore:::gradio.components.native_plot"),
]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def save_screenshot(page, name: str) -> None:
    """The whole page as docs/screenshots/<name>.png, without earlier tests' error notices."""
    for close in page.locator(".toast-close").all():
        if close.is_visible():
            close.click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def shown_card(page, cards):
    """The quiz card whose prompt is on the page (the page never shows a card's id)."""
    text = page.get_by_role("tabpanel").filter(visible=True).inner_text()
    (card,) = [card for card in cards if card.prompt in text]
    return card
