"""Train a replier on message -> reply pairs, evaluate it in 1-of-10, and record the run.

The task `reply` (core/reply_data.py): every replier of a dataset and seed learns from the
same training pairs, is scored on the same held-out messages and the same ten candidates
each (core/reply_evaluation.py), and is recorded in the run store like a classifier, with
its rank-1 choices kept for McNemar's test.
"""

from typing import Any

from core.progress import TrainingObserver
from core.reply_data import load_reply_data
from core.reply_evaluation import evaluate_replier
from core.store import RunStore
from core.training import TrainingResult, checked_config, finish_recorded, fit_new_run


def train_replier_and_record(
    task: str,
    dataset: str,
    model_name: str,
    *,
    store: RunStore,
    config: Any = None,
    seed: int = 0,
    observer: TrainingObserver | None = None,
) -> TrainingResult:
    """Train, evaluate on the test messages and store the run (UserFacingError on bad input)."""
    spec, config = checked_config(task, model_name, config)
    data = load_reply_data(dataset, seed)
    messages, replies = data.part(data.split.train)
    run_id, model, train_seconds = fit_new_run(
        store,
        spec,
        dataset,
        config,
        seed,
        data.describe(),
        lambda model, chain: model.fit(
            messages,
            replies,
            validation_data=data.part(data.split.validation),
            observer=chain,
        ),
        observer,
    )
    if train_seconds is None:
        return TrainingResult(store.get(run_id), None)
    evaluation = evaluate_replier(model, *data.part(data.split.test), seed=seed)
    finish_recorded(
        store,
        run_id,
        model,
        {**evaluation.metrics, "epochs_trained": len(model.history_)},
        train_seconds,
        evaluation.predict_ms,
        evaluation.y_true,
        evaluation.y_pred,
    )
    return TrainingResult(store.get(run_id), model)
