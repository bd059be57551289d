"""The issue's accuracy targets, with default settings and seed 0, through the real CLI.

These train full-size default models (about four minutes in all on 2 cores). Speed is
measured in bench/, not asserted here.
"""

import json

import pytest

from tests.core.helpers import loaded
from tests.core.test_cli import run_cli

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("dataset", "model", "target"),
    [
        ("digits", "logreg", 0.96),
        ("digits", "lstm", 0.98),
        ("digits", "gru", 0.97),
        ("mnist-5k", "lstm", 0.95),
    ],
)
def test_default_model_reaches_its_target(dataset, model, target):
    result = run_cli(
        "train", "sequence-classification", dataset, model, "--seed", "0", "--json", "--quiet"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "finished"
    assert summary["metrics"]["accuracy"] >= target, summary["metrics"]


@pytest.mark.parametrize(
    ("dataset", "model", "target"),
    [
        ("sms-spam", "tfidf-logreg", 0.97),
        ("sms-spam", "lstm", 0.97),
        ("trec-questions", "tfidf-logreg", 0.80),
    ],
)
def test_default_text_model_reaches_its_target(dataset, model, target):
    loaded(dataset)  # skips (or fails where packs are required) while the data pack is missing
    result = run_cli(
        "train", "text-classification", dataset, model, "--seed", "0", "--json", "--quiet"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "finished"
    assert summary["metrics"]["accuracy"] >= target, summary["metrics"]
