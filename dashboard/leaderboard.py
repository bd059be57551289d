"""Runs as table rows: the columns of the Compare leaderboard and of the results table."""

import pandas as pd

from core.models.recurrent.distribution import placement_text
from core.models.registry import MODELS
from core.runs.store import RunRecord
from core.tasks.registry import main_metric, secondary_metrics, task


def model_title(run: RunRecord) -> str:
    spec = MODELS.get((run.task, run.model))
    return spec.title if spec else run.model


def family(run: RunRecord) -> str:
    """baseline or neural, from the registry; "" for a model it no longer lists."""
    spec = MODELS.get((run.task, run.model))
    return spec.family if spec else ""


def compare_table(runs: list[RunRecord], visitor: str | None = None) -> pd.DataFrame:
    """One row per run of any task: its main metric (core/tasks/metrics.py) with its interval,
    the task's other metrics, and its costs; missing values stay empty. Given a hosted
    visitor, a "whose" column says which runs are theirs and which are shared."""
    rows = []
    for run in runs:
        metric = main_metric(run.task, run.metrics)
        secondary = secondary_metrics(run.task, run.metrics, metric)
        rows.append(
            {
                "run": run.id,
                "task": run.task,
                "dataset": run.dataset,
                "model": model_title(run),
                "family": family(run),
                "status": run.status,
                "metric": metric.title if metric else "",
                "score": run.metrics[metric.key] if metric else None,
                "95% CI": _interval(run.metrics, metric.key) if metric else "",
                "other metrics": ", ".join(
                    f"{name} {value:.3g}" for name, value in secondary.items()
                ),
                "train s": run.train_seconds,
                "ms / prediction": run.predict_ms,
                "parameters": run.param_count,
                "epochs": len(run.history),
                "seed": run.seed,
                "devices": placement_text(run.split),
                "date": pd.to_datetime(run.created_at),
                **({"whose": "yours" if run.visitor == visitor else "shared"} if visitor else {}),
            }
        )
    return pd.DataFrame(rows)


def leaderboard_table(runs: list[RunRecord]) -> pd.DataFrame:
    """One row per classifier run with the metrics a comparison needs; missing values stay
    empty."""
    rows = []
    for run in runs:
        metrics = run.metrics
        rows.append(
            {
                "run": run.id,
                "task": run.task,
                "dataset": run.dataset,
                "model": model_title(run),
                "status": run.status,
                "accuracy": metrics.get("accuracy"),
                "95% CI": (
                    f"{metrics['accuracy_low']:.3f}-{metrics['accuracy_high']:.3f}"
                    if "accuracy_low" in metrics
                    else ""
                ),
                "macro-F1": metrics.get("macro_f1"),
                "train s": run.train_seconds,
                "ms / example": run.predict_ms,
                "parameters": run.param_count,
                "epochs": len(run.history),
                "seed": run.seed,
                "devices": placement_text(run.split),
                "created": run.created_at,
            }
        )
    return pd.DataFrame(rows)


def per_class_f1_table(runs: list[RunRecord], labels: list[str]) -> pd.DataFrame:
    """Classes as rows, one column of test F1 per run: where each model wins or loses."""
    return pd.DataFrame(
        {label: run.metrics["per_class_f1"] for run, label in zip(runs, labels, strict=True)}
    ).rename_axis("class")


def _interval(metrics: dict, name: str) -> str:
    low, high = metrics.get(f"{name}_low"), metrics.get(f"{name}_high")
    return f"{low:.3f}-{high:.3f}" if low is not None and high is not None else ""


def _rows(runs: list[RunRecord], labels: list[str], columns) -> pd.DataFrame:
    """One row per run: its label and status, the task's `columns(metrics)`, then its costs."""
    return pd.DataFrame(
        [
            {
                "model": label,
                "status": run.status,
                **columns(run.metrics),
                "ms / " + task(run.task).prediction_unit: run.predict_ms,
                "train s": run.train_seconds,
                "parameters": run.param_count,
                "devices": placement_text(run.split),
            }
            for run, label in zip(runs, labels, strict=True)
        ]
    )


def language_model_table(runs: list[RunRecord], labels: list[str]) -> pd.DataFrame:
    """One row per language model run: the predictive-text comparison.

    Perplexity is over the shared word vocabulary, so it is empty for the character model,
    which is measured in bits per character instead.
    """
    return _rows(
        runs,
        labels,
        lambda metrics: {
            "perplexity": metrics.get("perplexity"),
            "bits / char": metrics.get("bits_per_character"),
            "top-1": metrics.get("accuracy"),
            "top-1 95% CI": _interval(metrics, "accuracy"),
            "top-3": metrics.get("top3_accuracy"),
            "keystrokes saved": metrics.get("keystroke_savings"),
        },
    )


def tagger_table(runs: list[RunRecord], labels: list[str]) -> pd.DataFrame:
    """One row per tagger run; word-boundary columns stay empty for tagged uploads."""
    return _rows(
        runs,
        labels,
        lambda metrics: {
            "word-boundary F1": metrics.get("boundary_f1"),
            "F1 95% CI": _interval(metrics, "boundary_f1"),
            "token accuracy": metrics.get("accuracy"),
            "accuracy 95% CI": _interval(metrics, "accuracy"),
            "macro-F1 over tags": metrics.get("macro_f1"),
        },
    )


def replier_table(runs: list[RunRecord], labels: list[str]) -> pd.DataFrame:
    """One row per replier run: Recall@k in 1-of-10 on the held-out messages."""
    return _rows(
        runs,
        labels,
        lambda metrics: {
            "R@1": metrics.get("recall_at_1"),
            "R@1 95% CI": _interval(metrics, "recall_at_1"),
            "R@2": metrics.get("recall_at_2"),
            "R@5": metrics.get("recall_at_5"),
            "MRR": metrics.get("mean_reciprocal_rank"),
        },
    )
