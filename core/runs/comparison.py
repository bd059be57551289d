"""Comparing stored runs: paired significance tests need the very same test examples."""

import numpy as np

from core.data.datasets import load_dataset
from core.data.splits import dataset_split
from core.errors import UserFacingError
from core.metrics.classification import McNemarResult, mcnemar_test
from core.runs.store import RunRecord, RunStore


def paired_test(store: RunStore, first: RunRecord, second: RunRecord) -> McNemarResult:
    """McNemar's test between two runs; refuses runs scored on different test sets."""
    for run in (first, second):
        if run.status not in ("finished", "stopped") or not run.metrics:
            raise UserFacingError(
                f"Run {run.id} ({run.model}) has no test predictions: "
                f"it {run.status} without a model."
            )
    if (first.dataset, first.split.get("test_fingerprint")) != (
        second.dataset,
        second.split.get("test_fingerprint"),
    ):
        raise UserFacingError(
            "These runs were scored on different test examples (another dataset or split "
            "seed), so a paired test does not apply. Pick two runs with the same dataset and seed."
        )
    y_true, first_pred = store.predictions(first.id)
    second_true, second_pred = store.predictions(second.id)
    if not np.array_equal(y_true, second_true):
        raise UserFacingError("The stored test labels of these runs differ; they cannot be paired.")
    return mcnemar_test(y_true, first_pred, second_pred)


def held_out_examples(store: RunStore, run: RunRecord) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A run's test inputs (images or texts), true labels and predictions, from the seed."""
    data = load_dataset(run.dataset)
    split = dataset_split(data, run.seed)
    if split.test_fingerprint != run.split.get("test_fingerprint"):
        raise UserFacingError(
            f"The {run.dataset} split for seed {run.seed} no longer matches "
            f"the one run {run.id} was scored on."
        )
    y_true, y_pred = store.predictions(run.id)
    return data.inputs[split.test], y_true, y_pred
