"""Which test metric ranks the runs of each task, and which ones are shown beside it.

One table for the leaderboard, the verdict and the learning curves, so they never disagree on
what "better" means for a task. Every main metric here is higher-is-better and stored with a
95% interval (`NAME_low`, `NAME_high`).

The `paired` metric is the rate of per-example hits that `RunStore.predictions` holds for
the task (y_true == y_pred): classification labels, a language model's top-1 next word, a
tagger's tag per token, a replier's rank-1 choice among ten candidates (y_true 0 is the true
reply). Paired tests between two runs compare those hits.
"""

from dataclasses import dataclass

from core.task_names import (
    REPLY,
    SEQUENCE_CLASSIFICATION,
    SEQUENCE_LABELLING,
    TEXT_CLASSIFICATION,
    TEXT_PREDICTION,
)


@dataclass(frozen=True)
class Metric:
    """A key of a run's `metrics` and what a reader calls it."""

    key: str
    title: str


@dataclass(frozen=True)
class TaskMetrics:
    main: tuple[Metric, ...]  # a run's main metric is the first of these it has
    paired: Metric
    secondary: tuple[Metric, ...]


ACCURACY = Metric("accuracy", "accuracy")
MACRO_F1 = Metric("macro_f1", "macro-F1")
_CLASSIFICATION = TaskMetrics((ACCURACY,), ACCURACY, (MACRO_F1,))
_TOKEN_ACCURACY = Metric("accuracy", "token accuracy")
_RECALL_AT_1 = Metric("recall_at_1", "Recall@1 (1-of-10)")
_TOP_1 = Metric("accuracy", "top-1 accuracy")

TASK_METRICS = {
    SEQUENCE_CLASSIFICATION: _CLASSIFICATION,
    TEXT_CLASSIFICATION: _CLASSIFICATION,
    TEXT_PREDICTION: TaskMetrics(
        (_TOP_1,),
        _TOP_1,
        (
            Metric("perplexity", "perplexity"),
            Metric("bits_per_character", "bits / char"),
            Metric("top3_accuracy", "top-3"),
            Metric("keystroke_savings", "keystrokes saved"),
        ),
    ),
    # Word segmentation is judged by its word boundaries; a tagged upload has no words to
    # split, so its runs rank by token accuracy.
    SEQUENCE_LABELLING: TaskMetrics(
        (Metric("boundary_f1", "word-boundary F1"), _TOKEN_ACCURACY),
        _TOKEN_ACCURACY,
        (_TOKEN_ACCURACY, Metric("macro_f1", "macro-F1 over tags")),
    ),
    REPLY: TaskMetrics(
        (_RECALL_AT_1,),
        _RECALL_AT_1,
        (
            Metric("recall_at_2", "R@2"),
            Metric("recall_at_5", "R@5"),
            Metric("mean_reciprocal_rank", "MRR"),
        ),
    ),
}


def main_metric(task: str, metrics: dict) -> Metric | None:
    """The metric that ranks a run of `task` with these test `metrics`; None if it has none
    (a failed run, a regression)."""
    known = TASK_METRICS.get(task)
    if known is None:
        return None
    return next((metric for metric in known.main if metric.key in metrics), None)


def secondary_metrics(task: str, metrics: dict, main: Metric | None) -> dict[str, float]:
    """The task's other metrics that these `metrics` hold, by title, without the main one."""
    known = TASK_METRICS.get(task)
    if known is None:
        return {}
    return {
        metric.title: metrics[metric.key]
        for metric in known.secondary
        if metric.key in metrics and metric != main
    }
