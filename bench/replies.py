"""Reply ranking on held-out dialog pairs: the TF-IDF baseline beside the two neural repliers.

The issue asks whether the LSTM dual encoder ranks the true reply first more often than TF-IDF,
as in Lowe et al. (2015). Every replier trains on the same training pairs of the dataset
(split by message, seed 0) with its default config and seed 0, one after another in this one
process, so the time ratios to the baseline compare like with like; each is then scored in
1-of-10 on the same held-out messages and candidates (core/tasks/reply/evaluation.py).

`--split validation` scores the validation part instead: choose settings with it and score the
test part once, so the test recall is not tuned. Usage:

    .venv/bin/python bench/replies.py [--dataset movie-dialogs] [--split test]
        [--models tfidf-retrieval dual-encoder seq2seq] [--set model:setting=value ...]
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.data.replies import load_reply_data
from core.models.registry import MODELS  # noqa: E402
from core.task_names import REPLY
from core.tasks.reply.evaluation import evaluate_replier  # noqa: E402


def overrides_by_model(settings: list[str]) -> dict[str, dict[str, str]]:
    """{"dual-encoder": {"epochs": "3"}} from ["dual-encoder:epochs=3"]."""
    overrides: dict[str, dict[str, str]] = {}
    for item in settings:
        model, _, assignment = item.partition(":")
        name, _, value = assignment.partition("=")
        if not value:
            raise SystemExit(f"--set takes model:setting=value, not {item!r}.")
        overrides.setdefault(model, {})[name] = value
    return overrides


def interval(metrics: dict, name: str) -> str:
    return f"{metrics[name]:.3f} [{metrics[name + '_low']:.3f}, {metrics[name + '_high']:.3f}]"


def main(arguments: argparse.Namespace) -> None:
    data = load_reply_data(arguments.dataset, arguments.seed)
    train = data.part(data.split.train)
    validation = data.part(data.split.validation)
    scored = validation if arguments.split == "validation" else data.part(data.split.test)
    overrides = overrides_by_model(arguments.set)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}\n"
        f"# {arguments.dataset}: {len(train[0]):,} training pairs, {len(scored[0]):,} "
        f"{arguments.split} messages scored in 1-of-10; overrides: {overrides or 'none'}\n"
        f"{'model':16} {'R@1 [95% interval]':>22} {'R@2':>6} {'R@5':>6} {'MRR':>6} "
        f"{'train s':>8} {'x baseline':>10} {'ms/message':>10} {'parameters':>10}"
    )
    baseline_seconds = None
    fitted = []
    for name in arguments.models:
        spec = MODELS[(REPLY, name)]
        model = spec.build(spec.config_with(overrides.get(name, {})), arguments.seed)
        started = time.perf_counter()
        model.fit(*train, validation_data=validation)
        train_seconds = time.perf_counter() - started
        baseline_seconds = baseline_seconds or train_seconds
        evaluation = evaluate_replier(model, *scored, seed=arguments.seed)
        metrics = evaluation.metrics
        print(
            f"{name:16} {interval(metrics, 'recall_at_1'):>22} {metrics['recall_at_2']:6.3f} "
            f"{metrics['recall_at_5']:6.3f} {metrics['mean_reciprocal_rank']:6.3f} "
            f"{train_seconds:8.1f} {train_seconds / baseline_seconds:10.1f} "
            f"{evaluation.predict_ms:10.2f} {model.count_params():10,}",
            flush=True,
        )
        fitted.append((name, model))
    for name, model in fitted:
        epochs = "  ".join(
            f"{record['epoch']}: {record.get('val_recall_at_1', float('nan')):.3f} "
            f"({record['seconds']:.0f} s)"
            for record in model.history_
        )
        print(f"# {name} validation R@1 (up to 1,000 messages) by epoch: {epochs}")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="movie-dialogs")
    parser.add_argument(
        "--models", nargs="+", default=["tfidf-retrieval", "dual-encoder", "seq2seq"]
    )
    parser.add_argument("--seed", type=int, default=0, help="Split and training seed.")
    parser.add_argument(
        "--split",
        choices=("test", "validation"),
        default="test",
        help="Part scored: validation to choose settings, test to report them once.",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="MODEL:SETTING=VALUE",
        help="Override one model's setting, e.g. dual-encoder:epochs=3 (repeatable).",
    )
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_arguments())
