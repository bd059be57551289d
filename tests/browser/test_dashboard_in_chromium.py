"""A user's path through the real dashboard in headless Chromium (Debian's, driven by Playwright).

Trains the baseline and a 2-epoch LSTM on the sequence page, draws a digit, then finds both
runs on the Compare page; uploads a CSV to the text page, trains two models and types a text;
trains two language models and types into the predictive keyboard, accepting a suggestion.
Screenshots land in .reports/browser/ for a person to look at.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import pytest

from core.models.registry import models_for
from core.paths import REPO_ROOT
from core.task_names import REPLY

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / ".reports" / "browser"
pytestmark = pytest.mark.browser


def _unavailable(reason: str):
    if os.environ.get("SEQLAB_REQUIRE_BROWSER"):
        pytest.fail(f"browser tests are required here but cannot run: {reason}")
    pytest.skip(reason)


def scroll_to(locator, attempts: int = 5) -> None:
    """Scroll the element into view; again when a rerun replaced it meanwhile (CI saw
    "Element is not attached to the DOM" right after training ended and the page reran)."""
    from playwright.sync_api import Error

    for attempt in range(attempts):
        try:
            locator.scroll_into_view_if_needed(timeout=30_000)
            return
        except Error as error:
            if "not attached" not in str(error) or attempt == attempts - 1:
                raise


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable("Debian's chromium is not installed (make browser-deps)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class Served(NamedTuple):
    url: str
    pid: int


@contextmanager
def serving(data_folder, **settings: str) -> Iterator["Served"]:
    """The dashboard served from this checkout on a free port with `data_folder` and any
    further environment `settings` (e.g. SEQLAB_HOSTED="1"): its URL and process id."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "SEQLAB_DATA_DIR": str(data_folder), **settings}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard/app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the Streamlit server did not come up")
            time.sleep(0.5)
    yield Served(url, server.pid)
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("browser-data")) as served:
        yield served.url


def screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its own container, so grow the viewport first."""
    height = page.evaluate(
        "Math.max(...[...document.querySelectorAll('section, div')].map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": 1400, "height": min(max(height, 1000), 8000)})
    page.wait_for_timeout(1500)
    page.screenshot(path=SCREENSHOTS / name)
    page.set_viewport_size({"width": 1400, "height": 1000})


@pytest.fixture
def page(browser):
    """A fresh tab; on failure, a screenshot of what the user would have seen."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    failed_before = getattr(sys, "last_value", None)
    yield tab
    if getattr(sys, "last_value", None) is not failed_before:
        screenshot(tab, "failure.png")
    tab.close()


def set_epochs(page, model_title: str, epochs: int) -> None:
    """Open a model's settings expander and set its epochs, then let the rerun finish."""
    settings = page.locator('[data-testid="stExpander"]').filter(has_text=f"{model_title} settings")
    settings.get_by_text(f"{model_title} settings").click()
    field = settings.get_by_role("spinbutton", name="Epochs")
    field.fill(str(epochs))
    field.press("Enter")
    page.wait_for_timeout(1500)


def test_train_two_models_draw_and_compare(page, app_url):
    page.goto(f"{app_url}/sequence-classification")
    page.get_by_text("Models to train").wait_for(timeout=60_000)

    set_epochs(page, "LSTM", 2)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("button", name="Stop").first.wait_for(timeout=60_000)
    page.get_by_text("LSTM: epoch").first.wait_for(timeout=120_000)
    screenshot(page, "sequence-training.png")
    page.get_by_text("LSTM: finished.").wait_for(timeout=240_000)
    page.get_by_text("Logistic regression: finished.").wait_for(timeout=10_000)
    screenshot(page, "sequence-results.png")

    scroll_to(page.get_by_text("Try it: draw a digit"))
    # The canvas component renders into an open shadow root, which CSS locators pierce.
    canvas = page.locator('[data-testid="stBidiComponentIsolated"] canvas').last
    canvas.wait_for(timeout=30_000)
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.8, steps=15)
    page.mouse.up()
    page.get_by_text("what the models see").wait_for(timeout=60_000)
    screenshot(page, "sequence-drawing.png")

    page.goto(f"{app_url}/compare")
    page.get_by_text("Is the difference real?").wait_for(timeout=60_000)
    # The data grid draws on a canvas but keeps an accessible copy of every cell.
    cells = page.locator('[data-testid="stDataFrame"] [data-testid^="glide-cell-"]')
    cells.first.wait_for(state="attached", timeout=30_000)
    leaderboard = cells.all_inner_texts()
    assert "Logistic regression" in leaderboard and "LSTM" in leaderboard
    # The paired test's sentence (the verdict's caption names McNemar's test too).
    paired = page.get_by_text("McNemar's exact test p =")
    paired.wait_for(timeout=30_000)
    verdict = paired.inner_text()
    assert "lstm" in verdict and "logreg" in verdict
    screenshot(page, "compare.png")


def test_upload_a_csv_train_two_text_models_and_type_into_try_it(page, app_url, tmp_path):
    rows = ["review,verdict"]
    for number in range(20):
        rows += [
            f'"loved it, a great fun film {number}",good',
            f'"dull and far too long {number}",bad',
        ]
    csv = tmp_path / "reviews.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")

    page.goto(f"{app_url}/text-classification")
    page.get_by_text("Upload a CSV/TSV").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
    page.get_by_text("40 texts in 2 classes").first.wait_for(timeout=60_000)

    set_epochs(page, "LSTM", 1)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("LSTM: finished.").wait_for(timeout=240_000)
    page.get_by_text("TF-IDF + logistic regression: finished.").wait_for(timeout=10_000)

    text_box = page.get_by_label("Type or paste a text")
    text_box.fill("a great fun *film*")
    text_box.press("Control+Enter")
    page.get_by_text("Green words push towards this answer").wait_for(timeout=60_000)
    shown = " ".join(page.locator('[data-testid="stMarkdown"]').all_inner_texts())
    assert "TF-IDF + logistic regression" in shown and "LSTM" in shown
    assert "*film*" in shown  # the user's asterisks shown as typed, not as emphasis
    screenshot(page, "text-try-it.png")


def _labels(column) -> list[str]:
    """The suggestion buttons' labels (the caption's help icon is a button without one)."""
    return [label for label in column.get_by_role("button").all_inner_texts() if label]


def _settled(read, done, seconds: float = 30):
    """`read()` once `done` holds for it, polled; None if it never does within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = read()
        if done(value):
            return value
        time.sleep(0.3)
    return None


def test_type_into_the_predictive_keyboard_and_see_two_models_suggest(page, app_url):
    page.goto(f"{app_url}/predictive-text")
    page.get_by_text("Models to train").wait_for(timeout=60_000)
    page.locator('[data-testid="stSelectbox"]').first.click()  # the corpus: 200 short reviews
    page.keyboard.type("polarity")
    page.keyboard.press("Enter")
    page.get_by_text("200 documents").wait_for(timeout=30_000)
    set_epochs(page, "Word LSTM", 1)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Word LSTM: finished.").wait_for(timeout=300_000)
    page.get_by_text("Kneser-Ney n-gram: finished.").wait_for(timeout=10_000)

    # streamlit-keyup renders its input inside the component's shadow root.
    box = page.locator('[data-testid="stBidiComponentIsolated"] input').first
    scroll_to(box)
    box.click()
    page.keyboard.type("the film is s", delay=60)
    page.get_by_text("completing 's'").first.wait_for(timeout=30_000)
    page.get_by_text("completing 's'").nth(1).wait_for(timeout=30_000)  # both models answered
    columns = page.locator('[data-testid="stColumn"]').filter(has_text="completing 's'")
    assert columns.count() == 2
    for column in (columns.nth(0), columns.nth(1)):
        # Streamlit swaps elements in as the rerun reaches them: wait for this keystroke's.
        offered = _settled(
            lambda column=column: _labels(column),
            lambda words: len(words) == 3 and all(w.startswith("s") for w in words),
        )
        assert offered, _labels(column)
    screenshot(page, "predictive-keyboard.png")

    # A click on a suggestion completes the word in the box.
    first = columns.first.get_by_role("button").filter(has_text="%").first
    word = first.inner_text().split()[0]
    first.click()
    page.get_by_text("next word").first.wait_for(timeout=30_000)
    wanted = f"the film is {word} "
    assert _settled(box.input_value, lambda value: value == wanted), box.input_value()
    screenshot(page, "predictive-accepted.png")


def test_train_the_retrieval_replier_and_ask_it_a_question(page, app_url):
    page.goto(f"{app_url}/replier")
    page.get_by_text("1,176 distinct message").first.wait_for(timeout=60_000)
    # Train the baseline alone: empty the model choice with Backspace, then pick it by name.
    page.locator('[data-testid="stMultiSelect"] input').first.click()
    for _ in range(len(models_for(REPLY))):
        page.keyboard.press("Backspace")
    page.keyboard.type("TF-IDF")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_timeout(1500)
    chosen = page.locator('[data-testid="stMultiSelect"]').first.inner_text()
    assert "TF-IDF retrieval (baseline)" in chosen and "(neural)" not in chosen, chosen
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("TF-IDF retrieval: finished.").wait_for(timeout=120_000)
    page.get_by_text("Held-out examples").wait_for(timeout=30_000)

    question = page.get_by_role("textbox", name="Your message")
    question.fill("What is your favorite movie?")
    question.press("Control+Enter")
    # The evidence table (drawn on a canvas, with an accessible copy of its cells) names the
    # training messages it matched: questions about favourites.
    cells = page.locator('[data-testid="stDataFrame"] [data-testid^="glide-cell-"]')
    matched = _settled(
        cells.all_inner_texts,
        lambda shown: any(cell.startswith("What is your favorite") for cell in shown),
    )
    assert matched, cells.all_inner_texts()
    answer = page.locator('[data-testid="stText"]').last.inner_text()
    assert answer and answer in matched
    screenshot(page, "replier-try-it.png")


def test_a_copied_link_opens_the_same_configuration_in_a_new_browser(browser, page, app_url):
    page.goto(f"{app_url}/sequence-classification")
    page.get_by_text("Models to train").wait_for(timeout=60_000)
    page.locator('[data-testid="stSelectbox"]').first.click()  # the dataset
    page.keyboard.type("MNIST 5k")
    page.keyboard.press("Enter")
    page.get_by_text("5,000 images").wait_for(timeout=60_000)
    page.locator('[data-testid="stMultiSelect"]').first.click()
    page.keyboard.type("GRU")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_timeout(1500)
    set_epochs(page, "GRU", 3)
    seed = page.get_by_role("spinbutton", name="Seed (split, initial weights, bootstrap)")
    seed.fill("5")
    seed.press("Enter")
    wanted = ("dataset=mnist-5k", "models=logreg%2Clstm%2Cgru", "gru.epochs=3", "seed=5")
    # The address bar as the user copies it: Playwright's page.url can miss Streamlit's
    # history.replaceState until the next navigation.
    address = lambda: page.evaluate("window.location.href")  # noqa: E731
    link = _settled(address, lambda url: all(part in url for part in wanted))
    assert link, address()
    screenshot(page, "link-configured.png")

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        opened = context.new_page()
        opened.goto(link)
        opened.get_by_text("5,000 images").wait_for(timeout=60_000)
        assert opened.get_by_role("combobox", name="Dataset").input_value() == "MNIST 5k"
        models = opened.locator('[data-testid="stMultiSelect"]').first.inner_text()
        assert all(title in models for title in ("Logistic regression", "LSTM", "GRU"))
        settings = opened.locator('[data-testid="stExpander"]').filter(has_text="GRU settings")
        settings.get_by_text("GRU settings").click()
        assert settings.get_by_role("spinbutton", name="Epochs").input_value() == "3"
        seed = opened.get_by_role("spinbutton", name="Seed (split, initial weights, bootstrap)")
        assert seed.input_value() == "5"
        assert opened.evaluate("window.location.href") == link
        screenshot(opened, "link-opened.png")
    finally:
        context.close()
