"""A class server in a real browser (Debian's Chromium via Playwright): learners and a teacher
sign in, a learner reviews and sees only their own name and no Class tab, the teacher sees the
class, and signing out ends the session. A learner's upload is theirs alone.

Where the Studying list's options are read, they are read from the list Gradio opens."""

import re
from pathlib import Path

import pytest
from conftest import served_app
from screenshots import BROWSER_MARKS, CHROMIUM, save_screenshot, shown_card

from ingest import load_catalog
from tutor.study.accounts import TEACHER, Accounts
from tutor.study.progress import ProgressStore, progress_url
from tutor.study.quiz import Quiz

pytestmark = BROWSER_MARKS
PASSWORDS = {"ana": "ana's long password", "bo": "bo's long password", "tess": "tess teaches ecs"}
EKS = Path(__file__).parent / "fixtures" / "eks-mini.md"


@pytest.fixture(scope="module")
def server(tutor, tmp_path_factory):
    url = progress_url(tmp_path_factory.mktemp("class"))
    store = ProgressStore(url, quiz=Quiz(tutor.guide, load_catalog(), check=tutor.check))
    accounts = Accounts(url)
    accounts.add("ana", PASSWORDS["ana"])
    accounts.add("bo", PASSWORDS["bo"])
    accounts.add("tess", PASSWORDS["tess"], role=TEACHER)
    with served_app(tutor, store, accounts=accounts, progress_db=url) as (_, address):
        yield address, store
    accounts.close()
    store.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def _signed_in(browser, url: str, name: str, password: str | None = None):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(url)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password or PASSWORDS[name])
    page.get_by_role("button", name="Sign in").click()
    if password is None:
        expect(page.get_by_role("heading", name="ECS Tutor")).to_be_visible()
    return page


def test_a_wrong_password_keeps_the_app_closed(browser, server):
    from playwright.sync_api import expect

    url, _ = server
    page = _signed_in(browser, url, "ana", "not ana's password")
    expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    expect(page.get_by_role("tab", name="Quiz")).to_have_count(0)
    page.close()


def test_a_learner_reviews_as_themself_and_sees_no_class_tab(browser, server):
    from playwright.sync_api import expect

    url, store = server
    page = _signed_in(browser, url, "ana")
    expect(page.get_by_role("tab", name="Class")).to_have_count(0)
    page.get_by_role("tab", name="Quiz", exact=True).click()
    learner = page.get_by_label("Learner").first
    expect(learner).to_have_value("ana")
    expect(learner).to_be_disabled()
    page.get_by_role("button", name="Next card").click()
    expect(page.get_by_text("Press Next card to start.")).to_be_hidden()
    card = shown_card(page, store.quiz.cards)
    page.get_by_label("Answer", exact=True).fill("True" if card.answer == "False" else "False")
    page.get_by_role("button", name="Answer", exact=True).click()
    expect(page.get_by_label("Next due")).not_to_have_value("")  # the review is saved
    assert [d.reviews for d in store.history("ana")] == [1]
    page.get_by_role("link", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto(url)  # signed out: the app sends the browser to the sign-in page again
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.close()


def test_the_teacher_sees_the_class(browser, server):
    from playwright.sync_api import expect

    url, store = server
    page = _signed_in(browser, url, "tess")
    page.get_by_role("tab", name="Class").click()
    held = page.get_by_label("Misconceptions the class still holds, most held first")
    expect(held.get_by_text("ana", exact=True).filter(visible=True).first).to_be_visible()
    expect(page.get_by_label("Recall in 7 days (%), per section and learner")).to_be_visible()
    save_screenshot(page, "class")
    page.close()


def _studying_options(page) -> list[str]:
    """The options the Studying list offers, as its drop-down shows them."""
    page.get_by_label("Studying").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options


def test_a_learners_upload_is_not_in_another_learners_list(browser, server):
    from playwright.sync_api import expect

    url, _ = server
    ana = _signed_in(browser, url, "ana")
    ana.get_by_role("tab", name="Guides").click()
    ana.locator('input[type="file"][accept*=".md"]').set_input_files(str(EKS))
    ana.get_by_role("button", name="Add and study this guide").click()
    expect(ana.get_by_text("Every tab now uses it.")).to_be_visible()
    expect(ana.get_by_label("Studying")).to_have_value(re.compile(r"^AWS EKS"))
    ana.reload()  # the list is filled for the signed-in learner when the page loads
    expect(ana.get_by_role("heading", name="ECS Tutor")).to_be_visible()
    assert any(option.startswith("AWS EKS") for option in _studying_options(ana))

    bo = _signed_in(browser, url, "bo")
    options = _studying_options(bo)
    assert options and not any(option.startswith("AWS EKS") for option in options)
    bo.close()
    ana.close()
