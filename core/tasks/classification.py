"""The classifiers' training path, which sequence and text classification share: a dataset of
inputs and labels, its seeded stratified split, and accuracy with intervals on the test part.
"""

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.data.datasets import load_dataset
from core.data.splits import dataset_split
from core.metrics.classification import classification_report
from core.progress import TrainingObserver
from core.runs.evaluation import Evaluation
from core.tasks.training import TrainingPath


@dataclass(frozen=True)
class SplitDataset:
    """A classification dataset and the split every model of it shares for a seed."""

    data: Any
    split: Any

    def describe(self) -> dict:
        return self.split.describe()


def _prepare_classification(dataset: str, seed: int) -> SplitDataset:
    data = load_dataset(dataset)
    return SplitDataset(data, dataset_split(data, seed))


def _fit_classifier(model, prepared: SplitDataset, observer: TrainingObserver) -> None:
    data, split = prepared.data, prepared.split
    model.fit(
        data.inputs[split.train],
        data.labels[split.train],
        validation_data=(data.inputs[split.validation], data.labels[split.validation]),
        observer=observer,
    )


def _evaluate_classifier(model, prepared: SplitDataset, seed: int) -> Evaluation:
    data, split = prepared.data, prepared.split
    test_inputs, test_labels = data.inputs[split.test], data.labels[split.test]
    started = time.perf_counter()
    probabilities = model.predict_proba(test_inputs)
    predict_ms = (time.perf_counter() - started) * 1000 / len(test_inputs)
    predictions = model.classes_[np.argmax(probabilities, axis=1)]
    metrics = classification_report(test_labels, predictions, data.class_names, seed=seed)
    return Evaluation(metrics, test_labels, predictions, predict_ms)


CLASSIFICATION = TrainingPath(_prepare_classification, _fit_classifier, _evaluate_classifier)
