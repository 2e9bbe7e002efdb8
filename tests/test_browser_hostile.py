"""A hostile guide uploaded through the Guides tab and used in Chat, Check, Explore and Quiz in
Chromium: its markdown images, links, bare URLs, e-mail addresses, raw HTML and headings show as
the text the guide wrote, the page holds no link or image to another host, and the browser asks
no other host for anything (every such request is blocked and recorded; the fixture's hosts are
TEST-NET and example addresses, and none is ever contacted)."""

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import served_app
from screenshots import BROWSER_MARKS, CHROMIUM, save_screenshot, shown_card

from ingest import load_catalog, read_guide
from tutor.study.quiz import Quiz

HOSTILE = Path(__file__).parent / "fixtures" / "hostile-guide.md"
LOOPBACK = ("127.0.0.1", "localhost")
WAIT = 30_000  # ms: an answer from the real model
FIRST_INDEX = 60_000  # ms: the upload is parsed in a child and indexed with the real model

pytestmark = BROWSER_MARKS

# Each element's href or src, resolved as the browser resolves it, outside Gradio's own footer
# (its "Built with Gradio" link is the app's chrome, not guide text).
_REFERENCES = """(els, name) => els
    .filter(e => !e.closest('footer'))
    .map(e => [e.tagName.toLowerCase(), new URL(e.getAttribute(name), document.baseURI).href])"""


def _on_this_machine(url: str) -> bool:
    """A data: or blob: URL, or one whose host is loopback; a mailto: has no host, so it is not."""
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob") or parsed.hostname in LOOPBACK


@pytest.fixture(scope="module")
def hostile():
    return read_guide(HOSTILE)


@pytest.fixture(scope="module")
def browser_page(tutor):
    """Chromium on the real app, with every request to another host aborted and recorded."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    allowed: list[str] = []

    def only_loopback(route) -> None:
        url = route.request.url
        if _on_this_machine(url):
            allowed.append(url)
            route.continue_()
        else:
            blocked.append(url)
            route.abort("blockedbyclient")

    with served_app(tutor) as (_, url), sync_playwright() as p:
        # No name resolves but loopback's either, so not even a DNS prefetch for a link's host
        # leaves the machine (page.route sees requests, not the resolver).
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", only_loopback)
        page = context.new_page()
        page.set_default_timeout(WAIT)
        page.goto(url)
        yield page, blocked, allowed
        browser.close()


@pytest.fixture(scope="module")
def studying_hostile(browser_page, hostile):
    """The hostile guide uploaded on the Guides tab, and studied in this browser session."""
    from playwright.sync_api import expect

    page, _, _ = browser_page
    _tab(page, "Guides")
    page.locator('input[type="file"][accept*=".md"]').set_input_files(str(HOSTILE))
    page.get_by_role("button", name="Add and study this guide").click()
    expect(page.get_by_text("2 items, 2 misconceptions. Every tab now uses it.")).to_be_visible(
        timeout=FIRST_INDEX
    )
    expect(page.get_by_label("Studying")).to_have_value(re.compile(f"^{re.escape(hostile.title)} "))
    return page


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def _panel(page):
    """The tab on screen: the same words left on other tabs do not count."""
    return page.get_by_role("tabpanel").filter(visible=True)


def _references(page) -> list[tuple[str, str]]:
    """(tag, URL) of every href and src on the page: links, images, scripts, the map's SVG."""
    found = []
    for name in ("href", "src"):
        found += page.eval_on_selector_all(f"[{name}]", _REFERENCES, name)
    return [tuple(ref) for ref in found]


def _assert_inert(page) -> None:
    """No link or image to another host anywhere on the page (every ``a[href]``, ``img[src]`` and
    the rest), and no heading made of guide text; one assertion, so a failure lists them all."""
    off_host = [(tag, url) for tag, url in _references(page) if not _on_this_machine(url)]
    found = {
        "images from another host": [url for tag, url in off_host if tag == "img"],
        "links to another host": [url for tag, url in off_host if tag == "a"],
        "other references to another host": [ref for ref in off_host if ref[0] not in ("img", "a")],
        "headings made of guide text": page.get_by_role(
            "heading", name=re.compile(r"\bbig\b")
        ).all_inner_texts(),
    }
    assert found == dict.fromkeys(found, [])


def _assert_shown_as_written(page, *texts: str) -> None:
    from playwright.sync_api import expect

    for text in texts:  # the map's hidden SVG titles hold some of it too: the visible copy counts
        expect(_panel(page).get_by_text(text).filter(visible=True).first).to_be_visible()


def test_the_guides_tab_shows_the_hostile_title_as_plain_text(studying_hostile, hostile):
    page = studying_hostile
    _assert_inert(page)
    _assert_shown_as_written(page, f"Added {hostile.title}:")


def test_chat_shows_the_guides_links_images_and_addresses_as_plain_text(studying_hostile, hostile):
    from playwright.sync_api import expect

    page = studying_hostile
    portal, _ = hostile.items
    _tab(page, "Chat")
    page.get_by_label("Question", exact=True).fill("What does the answer key portal offer?")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(_panel(page).get_by_text("Trap to avoid.").first).to_be_visible(timeout=WAIT)
    _assert_inert(page)
    pair = hostile.pairs[0]
    _assert_shown_as_written(page, portal.description, pair.wrong, pair.right, portal.example)


def test_check_shows_the_hostile_pair_as_plain_text(studying_hostile, hostile):
    from playwright.sync_api import expect

    page = studying_hostile
    pair = hostile.pairs[0]
    _tab(page, "Check")
    claim = "The answer key portal is official and gives the real exam answers."
    page.get_by_label("Claim", exact=True).fill(claim)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(_panel(page).get_by_text("🔴 Misconception")).to_be_visible(timeout=WAIT)
    _assert_inert(page)
    _assert_shown_as_written(page, f"Wrong: {pair.wrong}", f"Right: {pair.right}")
    _assert_shown_as_written(
        page, f"The trap is to believe: “{pair.wrong}”", hostile.items[0].example
    )
    save_screenshot(page, "check-hostile")


def test_explore_shows_the_hostile_item_as_plain_text(studying_hostile, hostile):
    from playwright.sync_api import expect

    page = studying_hostile
    portal, _ = hostile.items
    pair = hostile.pairs[0]
    _tab(page, "Explore")
    concept = page.get_by_role("combobox", name="Concept")
    concept.click()
    concept.fill(portal.title)
    concept.press("Enter")
    page.get_by_role("button", name="Explore", exact=True).click()
    expect(page.get_by_role("heading", name=portal.title, exact=True)).to_be_visible(timeout=WAIT)
    _assert_inert(page)
    _assert_shown_as_written(
        page, f"{portal.title}: {portal.description}", pair.wrong, pair.right, portal.example
    )
    # The scenario is a list item that starts "# big": without escaping, a heading in the list.
    expect(_panel(page).locator("li").filter(has_text=portal.example)).to_have_count(1)


def test_quiz_shows_a_hostile_card_and_its_feedback_as_plain_text(studying_hostile, hostile):
    from playwright.sync_api import expect

    page = studying_hostile
    _tab(page, "Quiz")
    page.get_by_role("button", name="Next card", exact=True).click()
    expect(_panel(page).get_by_text("Press Next card to start.")).to_be_hidden(timeout=WAIT)
    card = shown_card(page, Quiz(hostile, load_catalog()).cards)
    expect(_panel(page).get_by_text(card.item, exact=True)).to_be_visible()
    _assert_inert(page)
    page.get_by_label("Answer", exact=True).fill(card.answer)
    page.get_by_role("button", name="Answer", exact=True).click()
    expect(_panel(page).get_by_text("✅ Correct")).to_be_visible(timeout=WAIT)
    _assert_inert(page)
    _assert_shown_as_written(
        page, card.prompt, f"Right: “{card.right}”", f"Wrong (the misconception): “{card.wrong}”"
    )


def test_no_request_went_to_another_host(browser_page):
    _, blocked, allowed = browser_page
    assert allowed  # the page did load, through the same route that blocks the rest
    assert blocked == []
