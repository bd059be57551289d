"""Training time and test accuracy of every default sequence-classification model, side by side.

Each model trains with its default config and seed 0 in this one process, one after another,
so the ratios to the baseline compare like with like on this machine. Usage:

    .venv/bin/python bench/training_time.py [DATASET ...]   (default: digits mnist-5k)
"""

import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.registry import SEQUENCE_CLASSIFICATION, models_for  # noqa: E402
from core.store import RunStore  # noqa: E402
from core.training import train_and_record  # noqa: E402


def main(datasets: list[str]) -> None:
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "runs.sqlite3")
        for dataset in datasets:
            print(
                f"\n{dataset}\n{'model':8} {'accuracy':>9} {'95% CI':>13} {'train s':>8} "
                f"{'x baseline':>10} {'ms/example':>10} {'parameters':>10}"
            )
            baseline_seconds = None
            for spec in models_for(SEQUENCE_CLASSIFICATION):
                run = train_and_record(SEQUENCE_CLASSIFICATION, dataset, spec.name, store=store).run
                baseline_seconds = baseline_seconds or run.train_seconds
                metrics = run.metrics
                print(
                    f"{spec.name:8} {metrics['accuracy']:9.4f} "
                    f"{metrics['accuracy_low']:6.3f}-{metrics['accuracy_high']:.3f} "
                    f"{run.train_seconds:8.1f} {run.train_seconds / baseline_seconds:10.1f} "
                    f"{run.predict_ms:10.3f} {run.param_count:10,}",
                    flush=True,
                )


if __name__ == "__main__":
    main(sys.argv[1:] or ["digits", "mnist-5k"])
