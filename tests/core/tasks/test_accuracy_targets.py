"""The README's accuracy targets (core/tasks/accuracy_targets.py), with default settings and seed 0,
through the real CLI; the full-size ones are checked by bench/training_time.py instead.

These train default models (under a minute each on 2 cores). Speed is measured in bench/,
not asserted here.
"""

import json

import pytest

from core.data.datasets import dataset_info
from core.tasks.accuracy_targets import ACCURACY_TARGETS, FULL_SIZE
from tests.core.helpers import loaded
from tests.core.test_cli import run_cli

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("dataset", "model", "target"),
    [(*case, target) for case, target in ACCURACY_TARGETS.items() if case not in FULL_SIZE],
)
def test_default_model_reaches_its_target(dataset, model, target):
    loaded(dataset)  # skips (or fails where packs are required) while its pack is missing
    task = dataset_info(dataset).task
    result = run_cli("train", task, dataset, model, "--seed", "0", "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "finished"
    assert summary["metrics"]["accuracy"] >= target, summary["metrics"]


def test_the_full_size_targets_are_ones_the_bench_trains():
    from bench.training_time import DEFAULT_DATASETS

    assert FULL_SIZE <= ACCURACY_TARGETS.keys()
    assert {dataset for dataset, _ in FULL_SIZE} <= set(DEFAULT_DATASETS)
