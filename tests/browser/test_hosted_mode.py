"""Two visitors of a hosted app (SEQLAB_HOSTED=1) at once, in two Chromium contexts.

Each trains on the digits; with one training slot the second waits in a visible queue, then
trains. Each finds its own run on Compare beside the shared reference runs, never the other's,
also after opening Compare by its address (a new Streamlit session: the visitor is known by
a browser cookie); the upload of one is not offered to the other, not even through a link.
A browser that sets that cookie to another visitor's id, bare or with a forged signature,
is a new visitor and sees none of their runs. Screenshots land in .reports/browser/hosted-*.png.
"""

import re
import time
from pathlib import Path

import pytest

from core.runtime.visitor_ids import TOKEN, signed
from tests.browser.test_dashboard_in_chromium import (  # noqa: F401
    SCREENSHOTS,
    browser,
    screenshot,
    serving,
)

pytestmark = pytest.mark.browser
RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
CELLS = '[data-testid="stDataFrame"] [data-testid^="glide-cell-"]'
COOKIE = "seqlab_visitor"


@pytest.fixture(scope="module")
def hosted(tmp_path_factory):
    """The app in hosted mode with one training slot, on its own empty data folder."""
    with serving(
        tmp_path_factory.mktemp("hosted-data"), SEQLAB_HOSTED="1", SEQLAB_MAX_TRAININGS="1"
    ) as served:
        yield served


def maps_tensorflow(pid: int) -> bool:
    """Whether the process has TensorFlow's library loaded."""
    return "libtensorflow" in Path(f"/proc/{pid}/maps").read_text()


def children(pid: int) -> list[int]:
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


def run_ids(page) -> set[str]:
    """The run ids in the page's tables (the data grid keeps an accessible copy of its cells)."""
    cells = page.locator(CELLS)
    cells.first.wait_for(state="attached", timeout=60_000)
    return {cell for cell in cells.all_inner_texts() if RUN_ID.match(cell)}


def leaderboard(page, url: str, wanted: int) -> set[str]:
    """The run ids on Compare once at least `wanted` runs are listed (reference runs train in
    the background when the app starts, so the page is reloaded until they are there)."""
    deadline = time.monotonic() + 120
    while True:
        page.goto(f"{url}/compare")
        page.get_by_text("Is the difference real?").wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        listed = run_ids(page)
        if len(listed) >= wanted or time.monotonic() > deadline:
            return listed
        time.sleep(3)


def dataset_options(page) -> list[str]:
    """The titles the text page's dataset box offers this visitor."""
    page.get_by_role("combobox", name="Dataset").click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=30_000)
    titles = options.all_inner_texts()
    page.keyboard.press("Escape")
    return titles


def test_two_visitors_see_only_their_own_runs_and_uploads(browser, hosted, tmp_path):  # noqa: F811
    hosted_url = hosted.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in "ab"]
    first, second = (context.new_page() for context in contexts)
    try:
        # The first visitor trains a 1-epoch LSTM, which holds the only slot while TensorFlow
        # loads; the second visitor's logistic regression waits for it in the queue.
        first.goto(f"{hosted_url}/sequence-classification?models=lstm&lstm.epochs=1")
        second.goto(f"{hosted_url}/sequence-classification?models=logreg")
        for page in (first, second):
            page.get_by_role("button", name="Train", exact=True).wait_for(timeout=60_000)
        first.get_by_role("button", name="Train", exact=True).click()
        first.get_by_role("button", name="Stop").wait_for(timeout=60_000)
        second.get_by_role("button", name="Train", exact=True).click()
        second.get_by_text("Waiting: 1 training ahead of yours.").wait_for(timeout=30_000)
        screenshot(second, "hosted-second-visitor-waiting.png")
        first.get_by_text("LSTM: finished.").wait_for(timeout=240_000)
        second.get_by_text("Logistic regression: finished.").wait_for(timeout=240_000)
        for page in (first, second):  # the results table comes a rerun after the message
            page.locator(CELLS).filter(has_text=RUN_ID).first.wait_for(
                state="attached", timeout=60_000
            )
        [first_run], [second_run] = run_ids(first), run_ids(second)  # each page's results

        # The second visitor uploads labelled texts; the first is never offered them.
        rows = ["review,verdict"] + [
            f'"{word} film number {number}",{verdict}'
            for number in range(20)
            for word, verdict in (("lovely", "good"), ("dreary", "bad"))
        ]
        upload = tmp_path / "second-visitor.csv"
        upload.write_text("\n".join(rows) + "\n", encoding="utf-8")
        second.goto(f"{hosted_url}/text-classification")
        second.get_by_text("Upload a CSV/TSV").click()
        second.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(upload)
        saved = second.get_by_text("Saved as dataset")
        saved.wait_for(timeout=60_000)
        upload_id = re.search(r"upload-[0-9a-f]{12}", saved.inner_text()).group()
        second.get_by_text("A bundled dataset").click()
        assert any("second-visitor.csv" in title for title in dataset_options(second))

        first.goto(f"{hosted_url}/text-classification")
        offered = dataset_options(first)
        assert offered and not any("second-visitor.csv" in title for title in offered)
        first.goto(f"{hosted_url}/text-classification?dataset={upload_id}")
        first.get_by_text("seen only by who made them").wait_for(timeout=60_000)
        screenshot(first, "hosted-first-visitor-link-to-other-upload.png")

        # Compare: each visitor's own run and the shared reference runs, never the other's.
        first_listed = leaderboard(first, hosted_url, wanted=3)
        second_listed = leaderboard(second, hosted_url, wanted=3)
        screenshot(first, "hosted-first-visitor-compare.png")
        screenshot(second, "hosted-second-visitor-compare.png")
        assert first_run in first_listed and second_run not in first_listed
        assert second_run in second_listed and first_run not in second_listed
        shared = first_listed & second_listed
        assert shared and shared == first_listed - {first_run} == second_listed - {second_run}

        # The LSTM trained in the app's one model worker: TensorFlow is loaded there only.
        assert not maps_tensorflow(hosted.pid)
        assert [maps_tensorflow(child) for child in children(hosted.pid)].count(True) == 1
    finally:
        for context in contexts:
            context.close()


def visitor_cookie(context, replacing: str | None = None) -> str:
    """The visitor token the app put in the context's cookie, in place of `replacing` when
    given (a script sets it once the page has loaded)."""
    deadline = time.monotonic() + 30
    while True:
        values = [cookie["value"] for cookie in context.cookies() if cookie["name"] == COOKIE]
        if values and values[0] != replacing:
            return values[0]
        assert time.monotonic() < deadline, f"the app set no visitor cookie: {values}"
        time.sleep(0.2)


def test_a_forged_visitor_cookie_sees_none_of_another_visitors_runs(browser, hosted):  # noqa: F811
    hosted_url = hosted.url
    owner = browser.new_context(viewport={"width": 1400, "height": 1000})
    contexts = [owner]
    try:
        page = owner.new_page()
        page.goto(f"{hosted_url}/sequence-classification?models=logreg")
        train = page.get_by_role("button", name="Train", exact=True)
        train.wait_for(timeout=60_000)
        train.click()
        page.get_by_text("Logistic regression: finished.").wait_for(timeout=120_000)
        page.locator(CELLS).filter(has_text=RUN_ID).first.wait_for(state="attached", timeout=60_000)
        [run] = run_ids(page)
        token = visitor_cookie(owner)
        visitor = TOKEN.fullmatch(token).group(1)
        forged_signature = token[:-5] + ("a" if token[-5] != "a" else "b") + token[-4:]
        forgeries = {
            "the bare id": visitor,
            "a changed signature": forged_signature,
            "another key's signature": signed(visitor, b"not this server's key" * 2),
        }
        owners_listed = leaderboard(page, hosted_url, wanted=3)
        assert run in owners_listed  # found again in a new session, by the signed cookie
        shared = owners_listed - {run}

        for forgery, value in forgeries.items():
            forger = browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(forger)
            forger.add_cookies([{"name": COOKIE, "value": value, "url": hosted_url}])
            listed = leaderboard(forger.new_page(), hosted_url, wanted=len(shared))
            assert run not in listed and listed == shared, forgery
            issued = visitor_cookie(forger, replacing=value)  # a new visitor's own token
            assert TOKEN.fullmatch(issued).group(1) != visitor, forgery
        screenshot(forger.pages[0], "hosted-forged-visitor-compare.png")
        assert run in leaderboard(page, hosted_url, wanted=len(owners_listed))
    finally:
        for context in contexts:
            context.close()
