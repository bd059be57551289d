"""Load: several visitors on one real server at once (browser contexts in headless Chromium),
each uploading their own labelled texts, training the TF-IDF baseline and asking it for a
prediction.

The sessions are held open together and each stage is started in all of them before any is
waited for, so their script runs and training processes overlap on the server. Every session
must finish and see only its own data and labels (session state is per session; anything kept
at module level would leak between them), and the server log must hold no error or traceback.
AppTest cannot do this: its instances share one Streamlit runtime, which each run tears down.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from core.models.registry import models_for
from core.paths import REPO_ROOT
from core.task_names import TEXT_CLASSIFICATION
from tests.browser.test_dashboard_in_chromium import SCREENSHOTS, browser, screenshot
from tests.robustness.report import record

SESSIONS = 4
pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, shared with the browser tests


@pytest.fixture
def server(tmp_path):
    """A Streamlit server on a free port with its own data folder; yields (url, log file)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "server.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard/app.py"]
            + ["--server.port", str(port), "--server.address", "127.0.0.1"]
            + ["--server.headless", "true"],
            cwd=REPO_ROOT,
            env={**os.environ, "SEQLAB_DATA_DIR": str(tmp_path / "data")},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.5)
    yield url, log
    process.terminate()
    process.wait(timeout=30)


def labelled_csv(session: int, rows: int = 40) -> str:
    """Texts and labels that belong to one session alone: labels yes<session>/no<session>."""
    lines = ["review,verdict"]
    for index in range(rows // 2):
        lines += [
            f"session{session} lovely bright {index},yes{session}",
            f"session{session} gloomy dull {index},no{session}",
        ]
    return "\n".join(lines) + "\n"


def upload_and_choose_the_baseline(page, url: str, csv_path) -> None:
    page.goto(f"{url}/text-classification")
    page.get_by_text("Upload a CSV/TSV").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv_path))
    page.get_by_text("40 texts in 2 classes").first.wait_for(timeout=60_000)
    page.get_by_text("Models to train").wait_for(timeout=60_000)
    choice = page.locator('[data-testid="stMultiSelect"] input').first
    choice.click()
    for _ in range(len(models_for(TEXT_CLASSIFICATION))):
        page.keyboard.press("Backspace")
    page.keyboard.press("Escape")
    page.get_by_text("LSTM settings").wait_for(state="detached", timeout=30_000)  # rerun done
    choice.click()
    page.keyboard.type("logistic")
    page.get_by_role("option", name="TF-IDF + logistic regression (baseline)").click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(1000)
    chosen = page.locator('[data-testid="stMultiSelect"]').first.inner_text()
    assert "logistic regression (baseline)" in chosen and "(neural)" not in chosen, chosen


def test_sessions_training_and_predicting_at_once_keep_to_themselves(browser, server, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    url, log = server
    contexts = [
        browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(SESSIONS)
    ]
    pages = [context.new_page() for context in contexts]
    for session, page in enumerate(pages):
        csv_path = tmp_path / f"session{session}.csv"
        csv_path.write_text(labelled_csv(session), encoding="utf-8")
        upload_and_choose_the_baseline(page, url, csv_path)

    for page in pages:  # all four train at once
        page.get_by_role("button", name="Train", exact=True).click()
    for session, page in enumerate(pages):
        try:
            page.get_by_text("TF-IDF + logistic regression: finished.").wait_for(timeout=180_000)
        except PlaywrightTimeoutError:
            # Once in a CI run a session never showed its finished training (all four runs
            # were stored within seconds): keep what every session showed for the next look.
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for number, other in enumerate(pages):
                screenshot(other, f"concurrent-stuck-session{number}.png")
            status = re.compile(r"TF-IDF \+ logistic regression: ")
            shown = [other.get_by_text(status).all_inner_texts() for other in pages]
            pytest.fail(f"session {session} did not show its finished training; status: {shown}")

    for session, page in enumerate(pages):  # and all four ask at once
        box = page.get_by_label("Type or paste a text")
        box.fill(f"session{session} lovely bright")
        box.press("Control+Enter")
    answers = []
    for session, page in enumerate(pages):
        page.get_by_text("Green words push towards this answer").wait_for(timeout=60_000)
        shown = " ".join(page.locator('[data-testid="stMarkdown"]').all_inner_texts())
        answers.append(re.search(r"regression[^:]*: (yes|no)(\d+)", shown))
        assert set(re.findall(r"(?:yes|no)(\d+)", shown)) == {str(session)}, shown
        assert answers[-1] and answers[-1].groups() == ("yes", str(session)), shown
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot(pages[-1], "concurrent-session.png")
    for context in contexts:
        context.close()

    server_log = log.read_text()
    problems = [line for line in server_log.splitlines() if re.search(r"Error|Traceback", line)]
    assert problems == [], server_log[-3000:]
    record(
        "load.concurrent_sessions",
        {
            "sessions": SESSIONS,
            "finished_and_answered": len(answers),
            "cross_talk": 0,
            "server_log_errors": len(problems),
        },
    )
