"""The classifiers' training path, which sequence and text classification share: a dataset of
inputs and labels, its seeded stratified split, and accuracy with intervals on the test part.

Tuning scores the validation part instead (`validation_view`): the same path, but what is
held out and scored is the validation part, so a tuning trial never reads a test example.
"""

import dataclasses
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
    """A classification dataset and the split every model of it shares for a seed;
    `scored_on` is the part a model is scored on: "test", or "validation" when tuning."""

    data: Any
    split: Any
    scored_on: str = "test"

    @property
    def held_out(self) -> np.ndarray:
        """The indices a fitted model is scored on."""
        return self.split.test if self.scored_on == "test" else self.split.validation

    def describe(self) -> dict:
        if self.scored_on == "test":
            return self.split.describe()
        split = self.split
        return {
            "seed": split.seed,
            "train": len(split.train),
            "validation": len(split.validation),
            "scored_on": "validation",
        }


def validation_view(prepared: SplitDataset) -> SplitDataset:
    """The same data and split, scored on the validation part: what tuning trains through."""
    return dataclasses.replace(prepared, scored_on="validation")


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
    """Scores on the held-out part: the test part, or the validation part when tuning."""
    data = prepared.data
    inputs, labels = data.inputs[prepared.held_out], data.labels[prepared.held_out]
    started = time.perf_counter()
    probabilities = model.predict_proba(inputs)
    predict_ms = (time.perf_counter() - started) * 1000 / len(inputs)
    predictions = model.classes_[np.argmax(probabilities, axis=1)]
    metrics = classification_report(labels, predictions, data.class_names, seed=seed)
    return Evaluation(metrics, labels, predictions, predict_ms)


CLASSIFICATION = TrainingPath(_prepare_classification, _fit_classifier, _evaluate_classifier)
