"""Training time and test accuracy of every default model of a dataset's task, side by side.

Each model trains with its default config and seed 0 in this one process, one after another,
so the ratios to the baseline compare like with like on this machine. A model with an
accuracy target (core/tasks/accuracy_targets.py) shows it, "met" or "MISSED"; the script exits 1
if one is missed: this is where the full-size targets (the mnist-5k LSTM) are checked. Usage:

    .venv/bin/python bench/training_time.py [DATASET ...]
    (default: digits mnist-5k sms-spam trec-questions rotten-tomatoes)
"""

import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.data.datasets import dataset_info  # noqa: E402
from core.models.registry import models_for  # noqa: E402
from core.runs.store import RunStore  # noqa: E402
from core.tasks.accuracy_targets import ACCURACY_TARGETS  # noqa: E402
from core.tasks.registry import train  # noqa: E402

DEFAULT_DATASETS = ["digits", "mnist-5k", "sms-spam", "trec-questions", "rotten-tomatoes"]


def main(datasets: list[str]) -> int:
    """Print the tables; 1 if a model missed its accuracy target, else 0."""
    missed = []
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "runs.sqlite3")
        for dataset in datasets:
            task = dataset_info(dataset).task
            print(
                f"\n{dataset}\n{'model':12} {'accuracy':>9} {'95% CI':>13} {'macro-F1':>8} "
                f"{'train s':>8} {'x baseline':>10} {'ms/example':>10} {'parameters':>10} target"
            )
            baseline_seconds = None
            for spec in models_for(task):
                run = train(task, dataset, spec.name, store=store).run
                baseline_seconds = baseline_seconds or run.train_seconds
                metrics = run.metrics
                target = ACCURACY_TARGETS.get((dataset, spec.name))
                verdict = ""
                if target is not None:
                    met = metrics["accuracy"] >= target
                    verdict = f">= {target} {'met' if met else 'MISSED'}"
                    if not met:
                        missed.append(f"{dataset} {spec.name}")
                print(
                    f"{spec.name:12} {metrics['accuracy']:9.4f} "
                    f"{metrics['accuracy_low']:6.3f}-{metrics['accuracy_high']:.3f} "
                    f"{metrics['macro_f1']:8.4f} "
                    f"{run.train_seconds:8.1f} {run.train_seconds / baseline_seconds:10.1f} "
                    f"{run.predict_ms:10.3f} {run.param_count:10,} {verdict}",
                    flush=True,
                )
    if missed:
        print(f"\naccuracy targets missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or DEFAULT_DATASETS))
