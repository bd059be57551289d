"""The Compare page in headless Chromium: a verdict and a learning curve on digits and on
sms-spam, from runs the command line stored (one epoch each, so it stays quick).

Screenshots land in .reports/browser/ for a person to look at.
"""

import re
import subprocess
import sys

import pytest

from core.data.datasets import dataset_info
from core.paths import REPO_ROOT
from tests.browser import test_dashboard_in_chromium as chromium

pytestmark = pytest.mark.browser
browser, page = chromium.browser, chromium.page  # the shared Chromium and a fresh tab each
RUNS = (
    ("sequence-classification", "digits", "logreg"),
    ("sequence-classification", "digits", "lstm"),
    ("text-classification", "sms-spam", "tfidf-logreg"),
    ("text-classification", "sms-spam", "lstm"),
)


def _available(dataset: str) -> bool:
    return dataset_info(dataset).availability() is None


@pytest.fixture(scope="module")
def compare_url(tmp_path_factory):
    """The app over a data folder holding a baseline and a one-epoch LSTM run per dataset."""
    folder = tmp_path_factory.mktemp("compare-data")
    for task, dataset, model in RUNS:
        if not _available(dataset):
            continue
        trained = subprocess.run(
            [sys.executable, "-m", "core", "train", task, dataset, model]
            + (["--epochs", "1"] if model == "lstm" else []),
            cwd=REPO_ROOT,
            env={**chromium.os.environ, "SEQLAB_DATA_DIR": str(folder)},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert trained.returncode == 0, trained.stderr
    with chromium.serving(folder) as served:
        yield served.url


def _choose(page, label: str, option: str) -> None:
    """Pick `option` in the select box labelled exactly `label`."""
    labelled = page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)
    page.get_by_test_id("stSelectbox").filter(has=labelled).click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    page.wait_for_timeout(1000)


def _verdict_and_curve(page, url: str, dataset: str, verdict_option: str, name: str) -> None:
    """The verdict for `dataset`, then a small curve on it (the curve's task and dataset are
    chosen from the verdict's), and a screenshot."""
    page.goto(f"{url}/compare")
    page.get_by_text("Do I need a neural net?").wait_for(timeout=60_000)
    _choose(page, "Task and dataset", verdict_option)
    verdict = page.locator('[data-testid="stMarkdown"]').filter(has_text="Verdict.")
    verdict.get_by_text(f"On {dataset},").wait_for(timeout=30_000)
    text = verdict.inner_text()
    assert "McNemar p" in text and "longer to train" in text, text

    # A small curve: two sizes, one seed, one epoch.
    task = verdict_option.split("(")[1].rstrip(")")
    if task == "text-classification":
        _choose(page, "Task", "Text classification: labelled texts, TF-IDF baselines vs RNNs")
        _choose(page, "Dataset", dataset_info(dataset).title)
    for fraction in ("10%", "50%"):
        page.get_by_role("button", name=f"Remove {fraction}", exact=True).click()
        page.wait_for_timeout(800)
    for field in ("Seeds per size", "LSTM epochs"):
        box = page.get_by_role("spinbutton", name=field)
        box.fill("1")
        box.press("Enter")
        page.wait_for_timeout(1000)
    page.get_by_role("button", name="Compute the learning curve").click()
    page.get_by_role("button", name="Stop").wait_for(timeout=60_000)
    page.get_by_text("Point ").first.wait_for(timeout=60_000)
    outcome = page.get_by_text(re.compile("never overtakes|is ahead of .* from"))
    outcome.wait_for(timeout=300_000)
    plots = page.locator(".js-plotly-plot").filter(has_text="training examples (log scale)")
    assert plots.count() == 1
    chromium.screenshot(page, name)


def test_verdict_and_learning_curve_on_digits(page, compare_url):
    _verdict_and_curve(
        page, compare_url, "digits", "digits (sequence-classification)", "compare-digits.png"
    )


def test_verdict_and_learning_curve_on_sms_spam(page, compare_url):
    if not _available("sms-spam"):
        pytest.skip("the sms-spam data pack is not fetched (make packs)")
    _verdict_and_curve(
        page, compare_url, "sms-spam", "sms-spam (text-classification)", "compare-sms-spam.png"
    )
