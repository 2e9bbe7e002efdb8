"""The app in a real browser (Debian's Chromium driven by Playwright): each tab used as a learner
would, a screenshot of each saved to docs/screenshots/, and not one request leaving 127.0.0.1."""

import re
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import fsrs
import pytest
from conftest import served_app
from screenshots import BROWSER_MARKS, CHROMIUM, save_screenshot, shown_card

import app
from ingest import load_catalog
from tutor.study.progress import ProgressStore, progress_url
from tutor.study.quiz import Quiz

pytestmark = BROWSER_MARKS


def _seed(store: ProgressStore, learner: str, *, days: int = 10) -> None:
    """Ten days of reviews, so the Progress tab has something to plot: four cards a day, the
    due ones first, one in four forgotten."""
    # Counted back from now, not from a time of day, so what is due, and how much further Easy
    # puts a card off than Good, do not depend on the hour the tests run at; the last day's
    # reviews are a little over a day old (FSRS counts whole days since the last review).
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=days, hours=2)
    for day in range(days):
        morning = start + timedelta(days=day)
        for n, card in enumerate(store.due_cards(learner, morning, limit=4)):
            rating = fsrs.Rating.Again if (day + n) % 4 == 0 else fsrs.Rating.Good
            store.review(learner, card.id, rating, morning + timedelta(minutes=n))


@pytest.fixture(scope="module")
def served(tutor, tmp_path_factory):
    quiz = Quiz(tutor.guide, load_catalog(), check=tutor.check)
    store = ProgressStore(progress_url(tmp_path_factory.mktemp("progress")), quiz=quiz)
    _seed(store, app.DEFAULT_LEARNER)
    with served_app(tutor, store) as (_, url):
        yield url, store
    store.close()


@pytest.fixture(scope="module")
def browser_page(served):
    from playwright.sync_api import sync_playwright

    url, _ = served
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        page.on("request", lambda request: requests.append(request.url))
        page.goto(url)
        yield page, requests
        browser.close()


def _tab(page, name: str) -> None:
    """The tab ``name`` chosen; clicked again if a click landed on another tab while the tab
    bar was being laid out (after a change of width)."""
    tab = page.get_by_role("tab", name=name, exact=True)
    for _ in range(3):
        tab.click()
        page.wait_for_timeout(200)
        if tab.get_attribute("aria-selected") == "true":
            return
    raise AssertionError(f"the {name} tab would not open")


def _questions(page, count: int) -> None:
    """The practice exam's question count set to ``count``. Gradio draws a tab's content when
    it is first shown, and a box filled just before that is drawn again with its default: fill
    it until it keeps the number."""
    box = page.get_by_label("Questions", exact=True)
    for _ in range(5):
        box.fill(str(count))
        box.press("Tab")  # the change is sent when the box loses focus
        page.wait_for_timeout(300)
        if box.input_value() == str(count):
            return
    raise AssertionError(f"the Questions box would not keep {count}")


def _widen(page) -> None:
    """Back to 1280 px from a phone's width. Gradio lays its tab bar out again a moment later (on
    a phone some tabs sit in an overflow menu): a tab clicked before then can be missed for the
    one that was in its place, so wait until the tab bar has settled."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_timeout(500)


def test_chat_answers_with_sources(browser_page):
    from playwright.sync_api import expect

    page, _ = browser_page
    page.get_by_label("Question", exact=True).fill("What does Fargate take off my hands?")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.get_by_text("Sources", exact=True)).to_be_visible()
    expect(page.get_by_text("Fargate").first).to_be_visible()
    save_screenshot(page, "chat")


def test_a_refused_question_leaves_the_conversation_and_the_box_usable(browser_page):
    """Told in a toast: no "Error" badge covers the conversation or the question box (a
    browser probe found both hidden until the badge was closed)."""
    from playwright.sync_api import expect

    page, _ = browser_page
    box = page.get_by_label("Question", exact=True)
    box.fill("what is it")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.get_by_test_id("toast-text").first).to_contain_text("say what it is about")
    conversation = page.get_by_label("Conversation")
    expect(conversation.get_by_text("Sources", exact=True).first).to_be_visible()  # still there
    assert not conversation.locator(".error").count()
    box.click()
    page.keyboard.type(" now")
    assert box.input_value() == "what is it now"  # kept, and typed into
    for close in page.locator(".toast-close").all():
        close.click()
    box.fill("")


def test_an_example_question_fills_the_question_box(browser_page):
    from playwright.sync_api import expect

    page, _ = browser_page
    _tab(page, "Chat")
    expect(page.get_by_text("Study Amazon ECS from the guide, offline.")).to_be_visible()
    page.get_by_role("button", name="How do tasks get their own IAM permissions?").click()
    box = page.get_by_label("Question", exact=True)
    expect(box).to_have_value("How do tasks get their own IAM permissions?")
    box.fill("")


def test_check_shows_the_verdict(browser_page):
    from playwright.sync_api import expect

    page, _ = browser_page
    _tab(page, "Check")
    confidence = page.get_by_label("Confidence", exact=True)
    expect(confidence).to_have_count(0)  # no box reading "0" before anything is checked
    page.get_by_label("Claim", exact=True).fill("Only EC2 instances can have IAM roles.")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_text("🔴 Misconception")).to_be_visible()
    expect(confidence).to_be_visible()
    assert 0.5 < float(confidence.input_value()) <= 1
    expect(page.get_by_text("ECS tasks can be assigned IAM roles").first).to_be_visible()
    save_screenshot(page, "check")


def test_a_claim_too_long_is_refused_whole_not_cut(browser_page):
    """The box takes a long paste as it is and the tutor refuses it with its limit; the browser
    once cut it at the limit without a word, and the first part was judged."""
    from playwright.sync_api import expect

    from tutor.core import MAX_INPUT_CHARS

    page, _ = browser_page
    _tab(page, "Check")
    claim = page.get_by_label("Claim", exact=True)
    pasted = "Fargate runs containers without servers. " * 100
    claim.fill(pasted)
    assert len(claim.input_value()) == len(pasted) > MAX_INPUT_CHARS
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_text(f"the limit is {MAX_INPUT_CHARS}").first).to_be_visible()
    claim.fill("")


def test_a_claim_the_tutor_is_unsure_of_gets_no_verdict_but_both_statements(browser_page, tutor):
    from playwright.sync_api import expect

    from tutor.web import render

    page, _ = browser_page
    candidates = [
        "ECS cannot run on Fargate",
        "you dont need a task definition for fargate",
        "With Fargate you do not manage any servers",
        "A task definition is not required for Fargate",
        "Secrets Manager is where a task's database password belongs",
    ]
    unsure = [
        c
        for c in candidates
        if (found := tutor.check(c)).certainty == "unsure" and found.verdict != "not_covered"
    ]
    assert unsure, "no candidate claim reads as unsure any more: pick another"
    found = tutor.check(unsure[0])
    _tab(page, "Check")
    page.get_by_label("Claim", exact=True).fill(unsure[0])
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("heading", name=render.CANT_TELL)).to_be_visible()
    expect(page.get_by_text("I can't tell whether this agrees with the guide")).to_be_visible()
    expect(page.get_by_text(f"Right: “{found.right}”", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Wrong (the misconception): “{found.wrong}”")).to_be_visible()
    save_screenshot(page, "check-cant-tell")


def test_a_verdicts_item_opens_in_explore(browser_page, tutor):
    from playwright.sync_api import expect

    page, _ = browser_page
    claim = "Rolling updates always take the app offline."
    item = tutor.check(claim)
    _tab(page, "Check")
    page.get_by_label("Claim", exact=True).fill(claim)
    page.get_by_role("button", name="Check", exact=True).click()
    # This claim's own verdict, not the one an earlier test left on the tab.
    expect(page.get_by_text(f"The trap is to believe: “{item.wrong}”")).to_be_visible()
    page.get_by_role("button", name="Open in Explore").click()
    expect(page.get_by_role("tab", name="Explore", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    node = tutor.explore(item.title).node
    expect(_map(page).locator(f'.cm-node.cm-selected[data-id="{node}"]')).to_have_count(1)
    expect(page.get_by_role("heading", name=item.title, exact=True)).to_be_visible()
    # A claim the guide does not cover has no item to open.
    _tab(page, "Check")
    page.get_by_label("Claim", exact=True).fill("The Danube flows into the Black Sea.")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_text("does not cover")).to_be_visible()
    expect(page.get_by_role("button", name="Open in Explore")).to_be_hidden()
    # Nor has a claim that cannot be checked, even right after one that had an item.
    page.get_by_label("Claim", exact=True).fill(claim)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("button", name="Open in Explore")).to_be_visible()
    page.get_by_label("Claim", exact=True).fill("?! ...")  # the box takes at most 2,000 characters
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_text("the claim is empty").first).to_be_visible()
    expect(page.get_by_role("button", name="Open in Explore")).to_be_hidden()
    expect(page.get_by_text(f"The trap is to believe: “{item.wrong}”")).to_have_count(0)


def _map(page):
    return page.locator("#concept-map")


# The map's read-only handle (concept_map.js sets `element.cm` on the gr.HTML's own element).
_CM = "document.querySelector('#concept-map .cm').parentElement.cm"


def _cm(page, expression: str, arg=None):
    """``expression`` evaluated with ``cm``, the map's handle, and ``arg``."""
    return page.evaluate(f"arg => {{ const cm = {_CM}; return {expression}; }}", arg)


def _shown(page) -> set[str]:
    return set(_cm(page, "cm.shown()"))


def _classed(page, name: str, *, group: str = "nodes") -> set[str]:
    """The ids of the shown nodes (or edges) with class ``name``."""
    return set(_cm(page, f"cm.cy.{group}('.{name}').map((e) => e.id())"))


def _sections(graph) -> set[str]:
    return {n for n, kind in graph.nodes(data="type") if kind == "section"}


def _clear(page) -> None:
    _map(page).get_by_role("button", name="Clear", exact=True).click()


def _tap(page, node: str, *, touch: bool = False) -> None:
    """Click (or tap, on a touch screen) the node where Cytoscape drew it."""
    box = _map(page).locator(".cm-cy").bounding_box()
    at = _cm(page, "cm.cy.getElementById(arg).renderedPosition()", node)
    x, y = box["x"] + at["x"], box["y"] + at["y"]
    if touch:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def _no_labels_overlap(page, view: str) -> None:
    from playwright.sync_api import expect

    expect(_map(page).locator(".cm-cy canvas").first).to_be_visible()
    boxes = _cm(page, "cm.labelBoxes()")
    assert boxes and all(b["x2"] > b["x1"] and b["y2"] > b["y1"] for b in boxes), view
    assert _cm(page, "cm.overlaps()") == [], view


def test_the_map_opens_on_the_guides_sections_as_boxes(browser_page, tutor):
    page, _ = browser_page
    _tab(page, "Explore")
    _clear(page)
    sections = _sections(tutor.graph)
    assert _shown(page) == sections
    nested = {n for n in sections if tutor.graph.nodes[n]["section"].count(" > ") >= 2}
    assert nested  # "AWS ECS > Key Concepts > ECS Components" sits inside "Key Concepts"
    parents = _cm(page, "cm.cy.nodes(':child').map((n) => [n.id(), n.parent().id()])")
    for child, parent in parents:
        assert tutor.graph.edges[child, parent]["relation"] == "part_of"
    assert len(parents) == len(sections) - len(tutor.guide.parts)  # only the guides at the top
    expect_list = _map(page).locator(".cm-list .cm-node")
    assert expect_list.count() == len(sections)


def test_explore_focuses_the_map_on_the_picked_concept(browser_page, tutor):
    from playwright.sync_api import expect

    page, _ = browser_page
    _tab(page, "Explore")
    _clear(page)
    whole = _cm(page, "cm.cy.zoom()")
    page.get_by_role("combobox", name="Concept").click()
    page.get_by_role("option", name="Fargate", exact=True).click()
    fargate = tutor.explore("Fargate").node
    expect(_map(page).locator(f'.cm-node.cm-selected[data-id="{fargate}"]')).to_have_count(1)
    expect(page.get_by_role("heading", name="Fargate", exact=True)).to_be_visible()
    assert _classed(page, "cm-selected") == {fargate}
    # Its neighbourhood: the misconceptions and example folded into it, the services it names.
    shown = _shown(page)
    assert set(tutor.graph.successors(fargate)) <= shown
    assert set(tutor.graph.predecessors(fargate)) <= shown
    assert any(n.startswith("service:") for n in shown)
    faded = _classed(page, "cm-faded")
    assert faded and fargate not in faded and not faded & set(tutor.graph[fargate])
    assert _cm(page, "cm.cy.zoom()") > whole  # zoomed in on the neighbourhood


def test_clicking_a_node_shows_its_details(browser_page, tutor):
    from playwright.sync_api import expect

    page, _ = browser_page
    _tab(page, "Explore")
    _clear(page)
    section = "section:AWS ECS > Key Concepts > ECS Modes"
    _tap(page, section)
    expect(_map(page).locator(f'.cm-node.cm-selected[data-id="{section}"]')).to_have_count(1)
    expect(page.get_by_role("heading", name="ECS Modes", exact=True)).to_be_visible()
    expect(page.get_by_text("has part:").first).to_be_visible()
    # Opened: its items inside it, each folded (their misconceptions and examples not shown).
    items = {n for n in tutor.graph.predecessors(section) if n.startswith("item:")}
    children = _cm(page, "cm.cy.getElementById(arg).children().map((n) => n.id())", section)
    assert items and items <= set(children)
    assert not any(n.startswith("misconception:") for n in _shown(page))
    save_screenshot(page, "explore")


def test_a_tap_on_a_phone_opens_a_section_and_shows_its_details(browser_page, served):
    from playwright.sync_api import expect

    page, _ = browser_page
    url, _ = served
    requests: list[str] = []
    # A touch screen; the tab is chosen at a desktop's width (a phone's tab bar hides some tabs
    # in a menu), then the page narrows to a phone's.
    context = page.context.browser.new_context(
        viewport={"width": 1280, "height": 900}, has_touch=True
    )
    try:
        phone = context.new_page()
        phone.on("request", lambda request: requests.append(request.url))
        phone.goto(url)
        _tab(phone, "Explore")
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.wait_for_function(f"{_CM} && {_CM}.shown().length > 0")
        _map(phone).locator(".cm-cy").scroll_into_view_if_needed()
        section = "section:Amazon ECS in Depth > Storage for Tasks"
        _tap(phone, section, touch=True)
        expect(phone.get_by_role("heading", name="Storage for Tasks", exact=True)).to_be_visible()
        assert _classed(phone, "cm-selected") == {section}
        children = _cm(phone, "cm.cy.getElementById(arg).children().length", section)
        assert children >= 3  # opened: its items inside it
    finally:
        context.close()
    assert requests
    for request in requests:
        parsed = urlparse(request)
        assert parsed.scheme in ("data", "blob") or parsed.hostname == "127.0.0.1", request


@pytest.mark.parametrize("width, height, item", [(1280, 900, "Fargate"), (390, 844, "EC2")])
def test_no_two_labels_overlap_in_the_default_views(browser_page, tutor, width, height, item):
    from playwright.sync_api import expect

    page, _ = browser_page
    _tab(page, "Explore")
    page.set_viewport_size({"width": width, "height": height})
    try:
        _clear(page)
        _no_labels_overlap(page, "opening view")
        save_screenshot(page, "map" if width > 500 else "map-phone")
        busiest = max(
            _sections(tutor.graph),
            key=lambda s: sum(not p.startswith("section:") for p in tutor.graph.predecessors(s)),
        )
        _cm(page, "cm.show({focus: arg, path: []})", busiest)
        assert len(_shown(page)) > len(_sections(tutor.graph)) + 10  # its 13 items inside it
        _no_labels_overlap(page, "opened section")
        page.get_by_role("combobox", name="Concept").click()  # as a learner picks an item
        page.get_by_role("option", name=item, exact=True).click()
        node = tutor.explore(item).node
        expect(_map(page).locator(f'.cm-node.cm-selected[data-id="{node}"]')).to_have_count(1)
        expect(page.get_by_role("heading", name=item, exact=True)).to_be_visible()
        _no_labels_overlap(page, "focused item")
        if width > 500:
            save_screenshot(page, "map-item")
    finally:
        _widen(page)


def test_the_map_pans_zooms_filters_and_searches(browser_page, tutor):
    from playwright.sync_api import expect

    page, _ = browser_page
    _tab(page, "Explore")
    _clear(page)
    _map(page).get_by_role("button", name="Fit", exact=True).click()
    fitted = _cm(page, "cm.cy.zoom()")
    picture = _map(page).locator(".cm-cy")
    box = picture.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)  # scroll up: zoom in around the pointer
    page.wait_for_function(f"{_CM}.cy.zoom() > {fitted}")
    before = _cm(page, "cm.cy.pan()")
    page.mouse.move(box["x"] + 6, box["y"] + 6)  # the empty corner: a drag pans
    page.mouse.down()
    page.mouse.move(box["x"] + 106, box["y"] + 56, steps=5)
    page.mouse.up()
    after = _cm(page, "cm.cy.pan()")
    assert after["x"] > before["x"] and after["y"] > before["y"]
    _map(page).get_by_role("button", name="Zoom out").click()
    assert _cm(page, "cm.cy.zoom()") < _cm(page, "cm.cy.maxZoom()")

    # A type filter hides that type's nodes, except the one the learner chose.
    fargate = tutor.explore("Fargate").node
    _cm(page, "cm.show({focus: arg, path: []})", fargate)
    services = lambda: {n for n in _shown(page) if n.startswith("service:")}  # noqa: E731
    assert services()
    tick = _map(page).get_by_label(re.compile(r"^ ?service \(\d+\)$"))
    tick.uncheck()
    assert services() == set() and fargate in _shown(page)
    tick.check()
    assert services()

    search = _map(page).get_by_label("Search a concept")
    search.fill("efs")
    expect(_map(page).locator(".cm-status")).to_have_text(re.compile(r"^\d+ found$"))
    found = int(_map(page).locator(".cm-status").inner_text().split()[0])
    named = [n for n, label in tutor.graph.nodes(data="label") if "efs" in label.lower()]
    assert found == len(named) >= 3
    assert _classed(page, "cm-match")  # the matches shown, and the sections they are in
    search.press("Enter")  # the best match is chosen: a label that starts with the words
    expect(page.get_by_role("heading", name="EFS Integration", exact=True)).to_be_visible()
    _clear(page)
    assert _classed(page, "cm-match") == set()
    assert _shown(page) == _sections(tutor.graph)


def test_the_view_downloads_as_png_and_svg(browser_page, tutor, tmp_path):
    import xml.etree.ElementTree as ET

    page, _ = browser_page
    _tab(page, "Explore")
    _clear(page)
    with page.expect_download() as png:
        _map(page).get_by_role("button", name="PNG", exact=True).click()
    picture = tmp_path / png.value.suggested_filename
    png.value.save_as(picture)
    assert picture.suffix == ".png" and picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 10_000
    with page.expect_download() as svg:
        _map(page).get_by_role("button", name="SVG", exact=True).click()
    drawing = tmp_path / svg.value.suggested_filename
    svg.value.save_as(drawing)
    root = ET.parse(drawing).getroot()
    assert drawing.suffix == ".svg" and root.tag == "{http://www.w3.org/2000/svg}svg"
    words = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}tspan"))
    assert "Key Concepts" in words and "Amazon ECS in Depth" in words


def test_how_two_concepts_relate_is_drawn_as_a_path(browser_page, tutor):
    from playwright.sync_api import expect

    page, _ = browser_page
    _tab(page, "Explore")
    for label, concept in (("How is", "Fargate"), ("related to", "IAM Roles for Tasks")):
        box = page.get_by_role("combobox", name=label)
        box.click()
        box.fill(concept)
        box.press("Enter")
    page.get_by_role("button", name="Show the path").click()
    path = tutor.relate("Fargate", "IAM Roles for Tasks")
    expect(
        page.get_by_role("heading", name="How Fargate and IAM Roles for Tasks relate")
    ).to_be_visible()
    expect(_map(page).locator(".cm-node.cm-on-path")).to_have_count(len(path.nodes))
    assert _classed(page, "cm-on-path") == set(path.nodes)  # unfolded wherever they are
    assert len(_classed(page, "cm-on-path", group="edges")) == len(path.links)
    # Each hop is explained under it, in the guide's own words.
    for link in path.links:
        expect(page.get_by_text(link.explanation, exact=False).first).to_be_visible()
    save_screenshot(page, "explore-path")


def test_a_misspelt_name_is_found_and_picking_it_explores_it(browser_page, tutor):
    from playwright.sync_api import expect

    page, _ = browser_page
    _tab(page, "Explore")
    search = page.get_by_label("Find a concept")
    search.fill("fargte")
    search.press("Enter")
    match = page.get_by_label("Fargate (item) — by a close spelling", exact=True)
    expect(match).to_be_visible()
    match.check()
    expect(page.get_by_role("heading", name="Fargate", exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Concept")).to_have_value("Fargate")
    fargate = tutor.explore("Fargate").node
    assert _classed(page, "cm-selected") == {fargate}
    save_screenshot(page, "explore-search")


def test_the_map_spans_both_guides_and_filters_by_guide(browser_page, tutor):
    from playwright.sync_api import expect

    page, _ = browser_page
    _tab(page, "Explore")
    _clear(page)
    guides = tutor.guide.parts
    assert len(guides) == 2
    guide_of = dict(tutor.graph.nodes(data="guide"))
    assert {guide_of[n] for n in _shown(page)} == set(guides)
    tick = _map(page).get_by_label(guides[1], exact=True)
    tick.uncheck()
    assert {guide_of[n] for n in _shown(page)} == {guides[0]}
    tick.check()
    assert {guide_of[n] for n in _shown(page)} == set(guides)
    # A path from the seed's Fargate item to the in-depth guide's Fargate Spot item.
    for label, concept in (("How is", "Fargate"), ("related to", "Fargate Spot Interruptions")):
        box = page.get_by_role("combobox", name=label)
        box.click()
        box.fill(concept)
        box.press("Enter")
    page.get_by_role("button", name="Show the path").click()
    path = tutor.relate("Fargate", "Fargate Spot Interruptions")
    expect(_map(page).locator(".cm-node.cm-on-path")).to_have_count(len(path.nodes))
    assert {tutor.graph.nodes[n]["guide"] for n in path.nodes} >= set(guides)
    save_screenshot(page, "explore-guides")


def test_quiz_answer_reschedules_the_card(browser_page, served):
    from playwright.sync_api import expect

    page, _ = browser_page
    _, store = served
    _tab(page, "Quiz")
    page.get_by_role("button", name="Next card", exact=True).click()
    expect(page.get_by_text("Press Next card to start.")).to_be_hidden()
    card = shown_card(page, store.quiz.cards)
    expect(page.get_by_label("Card", exact=True)).to_have_count(0)  # its id would give it away
    assert card.id not in page.content()
    page.get_by_label("Answer", exact=True).fill(card.answer)
    page.get_by_role("button", name="Answer", exact=True).click()
    expect(page.get_by_text("✅ Correct")).to_be_visible()
    expect(page.get_by_label("Next due", exact=True)).to_have_value(
        re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC \(in \d+ (minute|hour|day)s?\)$")
    )
    # As in Anki, the learner says how well they knew it: Easy puts the card off further (days
    # for a new card; a day for one the seeded history saw forgotten).
    expect(page.get_by_text("How well did you know it?", exact=True)).to_be_visible()
    expect(page.get_by_label("Good", exact=True)).to_be_checked()
    due = page.get_by_label("Next due", exact=True)
    good = due.input_value()
    page.get_by_label("Easy", exact=True).check()
    expect(due).not_to_have_value(good)
    expect(due).to_have_value(re.compile(r"UTC \(in \d+ (days?|hours?)\)$"))
    assert due.input_value()[:16] > good[:16]  # "YYYY-MM-DD HH:MM" sorts as time does
    expect(page.get_by_text(re.compile(r"^\d+ due · \d+ new · 1 done today$"))).to_be_visible()
    save_screenshot(page, "quiz")


def _answer_exam_question(page, rights: set[str], *, number: int, total: int) -> None:
    """Check nothing gives the answer away, then choose the options the graph says are right."""
    from playwright.sync_api import expect

    expect(page.get_by_text(f"Question {number} of {total}", exact=True)).to_be_visible()
    # Nothing in the exam's tab (its HTML, hidden parts too) explains an option yet.
    html = page.locator("[role=tabpanel]:visible").inner_html()
    assert "Question" in html  # the exam's panel
    assert "Right: " not in html and "Wrong: " not in html and "your choice" not in html
    choices = "label:has(input[type=radio]):visible, label:has(input[type=checkbox]):visible"
    options = page.locator("[role=tabpanel]:visible").locator(choices)
    expect(options.first).to_be_visible()  # the choices come with the question
    labels = options.all()
    names = [label.inner_text().strip() for label in labels]
    keyed = [label for label, name in zip(labels, names, strict=True) if name[3:] in rights]
    assert keyed and all(re.match(r"^[A-E]\) ", name) for name in names), names
    for label in keyed:
        label.locator("input").check()
    page.get_by_role("button", name="Answer", exact=True).click()


def test_a_practice_exam_hides_its_answers_until_it_is_scored(browser_page, served, tutor):
    from playwright.sync_api import expect

    page, _ = browser_page
    _, store = served
    rights = {d["right"] for _, d in tutor.graph.nodes(data=True) if d["type"] == "misconception"}
    before = sum(m.reviews for m in store.mastery(app.DEFAULT_LEARNER).items)
    _tab(page, "Practice exam")
    _questions(page, 3)
    page.get_by_role("button", name="Start exam", exact=True).click()
    for number in (1, 2, 3):
        _answer_exam_question(page, rights, number=number, total=3)
    expect(page.get_by_role("heading", name="Score: 3 of 3")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Time taken: \d+ min \d+ s\.$"))).to_be_visible()
    assert page.get_by_text("(your choice)").count() >= 3
    after = sum(m.reviews for m in store.mastery(app.DEFAULT_LEARNER).items)
    assert after == before + 3  # the answers went to the learner's progress
    save_screenshot(page, "exam-results")
    # On a phone the question and every option fit the screen, and still nothing is given away.
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        _questions(page, 1)
        page.get_by_role("button", name="Start exam", exact=True).click()
        expect(page.get_by_text("Question 1 of 1", exact=True)).to_be_visible()
        for label in page.locator(
            "label:has(input[type=radio]), label:has(input[type=checkbox])"
        ).all():
            if label.is_visible():
                box = label.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        save_screenshot(page, "exam-phone")
        _answer_exam_question(page, rights, number=1, total=1)
        expect(page.get_by_role("heading", name="Score: 1 of 1")).to_be_visible()
    finally:
        _widen(page)


def test_progress_shows_mastery_and_plots(browser_page, served):
    from playwright.sync_api import expect

    page, _ = browser_page
    _, store = served
    _tab(page, "Progress")
    expect(page.get_by_text("Study next")).to_be_visible()
    weakest = store.mastery(app.DEFAULT_LEARNER).items[0]
    items = page.get_by_label("Items, weakest first")
    expect(items.get_by_text(weakest.name, exact=True).first).to_be_visible()
    expect(page.get_by_text("Reviews per day").first).to_be_visible()
    expect(page.locator(".vega-embed").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Recall in 7 days is FSRS's estimate"))).to_be_visible()
    for title in (
        "Reviews (cards answered)",
        "Recalled (% of repeat reviews)",
        "Mastery per section",
    ):
        expect(page.get_by_text(title).first).to_be_attached()  # axis titles, drawn by vega
    page.wait_for_timeout(500)  # let vega finish drawing before the screenshot
    save_screenshot(page, "progress")
    # Every column of both tables in view, at 1280 px and on a 390 px phone.
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        try:
            for table in ("Sections, weakest first", "Items, weakest first"):
                headers = page.get_by_label(table).locator("th")
                expect(headers.first).to_be_visible()
                for n in range(headers.count()):
                    box = headers.nth(n).bounding_box()
                    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (
                        table,
                        width,
                        headers.nth(n).inner_text(),
                    )
            if width == 390:
                save_screenshot(page, "progress-phone")
        finally:
            _widen(page)


def test_progress_draws_a_learners_plots_after_one_with_no_reviews(browser_page, served):
    """A plot keeps what it reads from the first data it gets: an empty table for a learner
    with no reviews once left the next learner's plot with numbers for days and no bars."""
    from playwright.sync_api import expect

    shared, _ = browser_page
    url, _ = served
    context = shared.context.browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()  # its plots not drawn yet
    try:
        page.goto(url)
        _tab(page, "Quiz")
        page.get_by_label("Learner", exact=True).first.fill("nobody-yet")
        _tab(page, "Progress")  # its plots' first data: none
        expect(page.get_by_text("No reviews yet").first).to_be_visible()
        page.get_by_label("Learner", exact=True).last.fill(app.DEFAULT_LEARNER)
        page.get_by_role("button", name="Refresh", exact=True).click()
        reviews = page.locator(".block").filter(has_text="Reviews per day").last
        expect(reviews.get_by_text("first time").first).to_be_attached()  # legend: bars drawn
        assert not reviews.get_by_text(re.compile(r"^\d{12,}$")).count()  # no day in ms
    finally:
        context.close()


def test_progress_exports_the_learners_anki_deck(browser_page, served, tmp_path):
    from playwright.sync_api import expect

    page, _ = browser_page
    _, store = served
    _tab(page, "Progress")
    page.get_by_role("button", name="Export to Anki").click()
    # Gradio lists the file as a row: its name, then its size as the download link.
    row = page.get_by_role("row", name=re.compile(rf"^ecs-tutor-{app.DEFAULT_LEARNER}\.apkg "))
    link = row.get_by_role("link")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    deck = tmp_path / "deck.apkg"
    download.value.save_as(deck)
    with zipfile.ZipFile(deck) as archive:
        archive.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        ((reviews,),) = db.execute("SELECT COUNT(*) FROM revlog")
    assert reviews == len(store.review_log(app.DEFAULT_LEARNER)) > 0


EKS = Path(__file__).parent / "fixtures" / "eks-mini.md"


def _study_eks(page) -> None:
    """Upload the EKS guide and study it (the same bytes again: the same stored guide), so each
    test below stands alone."""
    from playwright.sync_api import expect

    _tab(page, "Guides")
    studying = page.get_by_label("Studying")
    if studying.input_value().startswith("AWS EKS"):
        return  # chosen already (by the test before)
    page.locator('input[type="file"][accept*=".md"]').set_input_files(str(EKS))
    page.get_by_role("button", name="Add and study this guide").click()
    expect(page.get_by_text("Every tab now uses it.")).to_be_visible()
    expect(studying).to_have_value(re.compile(r"^AWS EKS"))


def test_an_uploaded_guide_is_studied_and_mapped(browser_page):
    from playwright.sync_api import expect

    from ingest import read_guide
    from kg import build_graph

    page, _ = browser_page
    eks = EKS
    _study_eks(page)
    save_screenshot(page, "guides")
    _tab(page, "Explore")
    graph = build_graph(read_guide(eks))
    sections = _sections(graph)
    expect(_map(page).locator(".cm-list .cm-node")).to_have_count(len(sections))
    assert _shown(page) == sections  # the new guide's map, opening on its sections
    label = read_guide(eks).items[0].title
    _map(page).get_by_label("Search a concept").fill(label)
    _map(page).get_by_label("Search a concept").press("Enter")
    expect(page.get_by_role("heading", name=label, exact=True)).to_be_visible()


def test_the_quiz_follows_the_uploaded_guide(browser_page, tmp_path):
    from playwright.sync_api import expect

    from ingest import read_guide
    from tutor.study.progress import ProgressStore, progress_url

    page, _ = browser_page
    _study_eks(page)
    eks = ProgressStore(progress_url(tmp_path), quiz=Quiz(read_guide(EKS), load_catalog()))
    first = eks.due_cards("a new learner")[0]
    _tab(page, "Quiz")
    expect(page.get_by_text("Press Next card to start.")).to_be_visible()
    page.get_by_role("button", name="Next card").click()
    expect(page.get_by_text(first.prompt)).to_be_visible()


def test_the_heading_and_examples_follow_the_uploaded_guide(browser_page):
    from playwright.sync_api import expect

    page, _ = browser_page
    _study_eks(page)
    expect(page.get_by_text("Study AWS EKS from your uploaded guide, offline.")).to_be_visible()
    _tab(page, "Chat")
    expect(page.get_by_role("button", name="What does Fargate take off my hands?")).to_have_count(0)
    page.get_by_role("button", name="What should I know about Worker Nodes?").click()
    expect(page.get_by_label("Question", exact=True)).to_have_value(
        "What should I know about Worker Nodes?"
    )
    page.get_by_label("Question", exact=True).fill("")
    _tab(page, "Check")
    wrong = "You have to patch the Kubernetes API servers yourself."
    page.get_by_role("button", name=wrong).click()
    expect(page.get_by_label("Claim", exact=True)).to_have_value(wrong)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_text("🔴 Misconception")).to_be_visible()
    expect(page.get_by_text("AWS runs and patches the control plane").first).to_be_visible()


def test_removing_the_uploaded_guide_brings_the_builtin_back(browser_page, tutor):
    from playwright.sync_api import expect

    page, _ = browser_page
    _study_eks(page)
    page.get_by_role("button", name="Remove the chosen guide").click()
    expect(page.get_by_text("its quiz progress is kept for then")).to_be_visible()
    expect(page.get_by_text("Removed AWS EKS")).to_be_visible()
    _tab(page, "Explore")
    expect(_map(page).locator(".cm-list .cm-node")).to_have_count(len(_sections(tutor.graph)))
    assert _shown(page) == _sections(tutor.graph)


def test_no_request_left_loopback(browser_page):
    _, requests = browser_page
    assert requests
    for url in requests:
        parsed = urlparse(url)
        assert parsed.scheme in ("data", "blob") or parsed.hostname == "127.0.0.1", url
