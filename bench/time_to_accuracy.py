"""Seconds until the default LSTM reaches a test accuracy on `digits`, against the time the
baseline takes to reach its own.

The LSTM trains with its default config; after every epoch the clock pauses while the model
scores the held-out test split, and the first epoch at or above the target stops training:
its training seconds so far are the time to accuracy. The baseline (logistic regression)
trains to the end with its default config; its training seconds and test accuracy are the
other side of the ratio. Both use the same split and seed, one after the other in this
process. The test split is only used to read the clock, never to choose anything. Usage:

    .venv/bin/python bench/time_to_accuracy.py [--dataset digits] [--target 0.98] [--seeds 3]
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.data.datasets import dataset_info, load_dataset  # noqa: E402
from core.data.splits import dataset_split  # noqa: E402
from core.models.registry import model_spec  # noqa: E402
from core.progress import TrainingObserver  # noqa: E402
from core.runs.store import RunStore  # noqa: E402
from core.tasks.registry import train  # noqa: E402


class TestAccuracyClock(TrainingObserver):
    """Scores the model on the test split after every epoch, with the clock paused, and asks
    to stop once the target is reached."""

    def __init__(self, model, test_inputs, test_labels, target: float) -> None:
        self.model, self.inputs, self.labels, self.target = model, test_inputs, test_labels, target
        self.started = time.perf_counter()
        self.paused = 0.0
        self.epochs: list[tuple[int, float, float]] = []  # (epoch, training seconds, accuracy)

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        paused_at = time.perf_counter()
        accuracy = float(np.mean(self.model.predict(self.inputs) == self.labels))
        trained = paused_at - self.started - self.paused
        self.paused += time.perf_counter() - paused_at
        self.epochs.append((epoch, trained, accuracy))

    @property
    def reached(self) -> tuple[int, float, float] | None:
        return next((each for each in self.epochs if each[2] >= self.target), None)

    def should_stop(self) -> bool:
        return self.reached is not None


def neural_time_to_accuracy(dataset: str, model_name: str, seed: int, target: float):
    """The LSTM's epochs as (epoch, seconds, test accuracy), up to the first at the target."""
    task = dataset_info(dataset).task
    spec = model_spec(task, model_name)
    data = load_dataset(dataset)
    split = dataset_split(data, seed)
    model = spec.estimator_class(spec.default_config(), random_state=seed)
    clock = TestAccuracyClock(model, data.inputs[split.test], data.labels[split.test], target)
    model.fit(
        data.inputs[split.train],
        data.labels[split.train],
        validation_data=(data.inputs[split.validation], data.labels[split.validation]),
        observer=clock,
    )
    return clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--baseline", default="logreg")
    parser.add_argument("--model", default="lstm")
    parser.add_argument("--target", type=float, default=0.98)
    parser.add_argument("--seeds", type=int, default=3)
    arguments = parser.parse_args()
    task = dataset_info(arguments.dataset).task
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}; "
        f"{arguments.dataset}, target test accuracy {arguments.target}"
    )
    print(
        f"{'seed':>4} {'baseline acc':>12} {'baseline s':>10} {arguments.model + ' epochs':>12} "
        f"{arguments.model + ' acc':>9} {arguments.model + ' s':>7} {'x baseline':>10}"
    )
    ratios = []
    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "runs.sqlite3")
        for seed in range(arguments.seeds):
            baseline = train(task, arguments.dataset, arguments.baseline, store=store, seed=seed)
            clock = neural_time_to_accuracy(
                arguments.dataset, arguments.model, seed, arguments.target
            )
            reached = clock.reached
            epoch, seconds, accuracy = reached or clock.epochs[-1]
            ratio = seconds / baseline.run.train_seconds
            ratios.append(ratio if reached else None)
            print(
                f"{seed:4} {baseline.run.metrics['accuracy']:12.4f} "
                f"{baseline.run.train_seconds:10.1f} {epoch:12} {accuracy:9.4f} {seconds:7.1f} "
                f"{ratio:10.1f}{'' if reached else '  (target not reached)'}",
                flush=True,
            )
    reached = [ratio for ratio in ratios if ratio is not None]
    if reached:
        print(
            f"\n{arguments.model} reached {arguments.target} in {len(reached)} of "
            f"{len(ratios)} seeds, at a median {np.median(reached):.1f}x the baseline's "
            "training time"
        )


if __name__ == "__main__":
    main()
