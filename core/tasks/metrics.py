"""Which test metric ranks the runs of each task, and which ones are shown beside it.

Each task's object (core/tasks/task.py) carries one of these, which the leaderboard, the verdict and
the learning curves all read, so they never disagree on what "better" means. Every main metric here
is higher-is-better and stored with a 95% interval (`NAME_low`, `NAME_high`).

The `paired` metric is the rate of per-example hits that `RunStore.predictions` holds for
the task (y_true == y_pred): classification labels, a language model's top-1 next word, a
tagger's tag per token, a replier's rank-1 choice among ten candidates (y_true 0 is the true
reply). Paired tests between two runs compare those hits.
"""

from dataclasses import dataclass


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
CLASSIFICATION_METRICS = TaskMetrics((ACCURACY,), ACCURACY, (MACRO_F1,))
_TOKEN_ACCURACY = Metric("accuracy", "token accuracy")
_RECALL_AT_1 = Metric("recall_at_1", "Recall@1 (1-of-10)")
_TOP_1 = Metric("accuracy", "top-1 accuracy")

TEXT_PREDICTION_METRICS = TaskMetrics(
    (_TOP_1,),
    _TOP_1,
    (
        Metric("perplexity", "perplexity"),
        Metric("bits_per_character", "bits / char"),
        Metric("top3_accuracy", "top-3"),
        Metric("keystroke_savings", "keystrokes saved"),
    ),
)
# Word segmentation is judged by its word boundaries; a tagged upload has no words to
# split, so its runs rank by token accuracy.
SEQUENCE_LABELLING_METRICS = TaskMetrics(
    (Metric("boundary_f1", "word-boundary F1"), _TOKEN_ACCURACY),
    _TOKEN_ACCURACY,
    (_TOKEN_ACCURACY, Metric("macro_f1", "macro-F1 over tags")),
)
REPLY_METRICS = TaskMetrics(
    (_RECALL_AT_1,),
    _RECALL_AT_1,
    (
        Metric("recall_at_2", "R@2"),
        Metric("recall_at_5", "R@5"),
        Metric("mean_reciprocal_rank", "MRR"),
    ),
)
