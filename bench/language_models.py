"""Test perplexity, next-word accuracy and cost of the default language models, side by side.

Each model trains with its default config and seed 0 in this one process, one after another, through
the same path the dashboard and CLI take (core.tasks.text_prediction.training), so all share one
split and one vocabulary: their perplexities compare, and the ratios to the n-gram's training time
are measured on this machine. Usage:

    .venv/bin/python bench/language_models.py [--corpus wiki-sample] [--models ngram word-lstm]
"""

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.runs.store import RunStore  # noqa: E402
from core.task_names import TEXT_PREDICTION
from core.tasks.registry import train  # noqa: E402


def main(corpus: str, models: list[str]) -> None:
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(
        f"\n{corpus}\n{'model':10} {'perplexity':>10} {'top-1':>6} {'95% CI':>12} {'top-3':>6} "
        f"{'keys saved':>10} {'train s':>8} {'x ngram':>7} {'ms/suggest':>10} {'parameters':>10}"
    )
    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "runs.sqlite3")
        first_seconds = None
        for name in models:
            run = train(TEXT_PREDICTION, corpus, name, store=store).run
            first_seconds = first_seconds or run.train_seconds
            metrics = run.metrics
            print(
                f"{name:10} {metrics['perplexity']:10.1f} {metrics['accuracy']:6.3f} "
                f"{metrics['accuracy_low']:5.3f}-{metrics['accuracy_high']:.3f} "
                f"{metrics['top3_accuracy']:6.3f} {metrics['keystroke_savings']:10.1%} "
                f"{run.train_seconds:8.1f} {run.train_seconds / first_seconds:7.1f} "
                f"{run.predict_ms:10.2f} {run.param_count:10,}",
                flush=True,
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="wiki-sample")
    parser.add_argument(
        "--models",
        nargs="+",
        default=["ngram", "word-lstm"],
        help="registered text-prediction models; the first is the one train time is a ratio to",
    )
    arguments = parser.parse_args()
    main(arguments.corpus, arguments.models)
