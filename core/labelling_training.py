"""Train a tagger on a labelling dataset, evaluate it on held-out sentences, and record the run.

The task `sequence-labelling` (core/labelling_data.py): every tagger of a dataset and seed
sees the same training, validation and test sentences, is scored by the same evaluation
(core/labelling_evaluation.py), and is recorded in the run store like a classifier, with
the test tokens' tags kept for paired tests.
"""

from typing import Any

from core.labelling_data import load_labelling_data
from core.labelling_evaluation import evaluate_tagger
from core.progress import TrainingObserver
from core.store import RunStore
from core.training import TrainingResult, checked_config, finish_recorded, fit_new_run


def train_tagger_and_record(
    task: str,
    dataset: str,
    model_name: str,
    *,
    store: RunStore,
    config: Any = None,
    seed: int = 0,
    observer: TrainingObserver | None = None,
) -> TrainingResult:
    """Train, evaluate on the test sentences and store the run (UserFacingError on bad input)."""
    spec, config = checked_config(task, model_name, config)
    data = load_labelling_data(dataset, seed)
    train_sequences, train_tags = data.part(data.split.train)
    run_id, model, train_seconds = fit_new_run(
        store,
        spec,
        dataset,
        config,
        seed,
        data.describe(),
        lambda model, chain: model.fit(
            train_sequences,
            train_tags,
            validation_data=data.part(data.split.validation),
            observer=chain,
        ),
        observer,
    )
    if train_seconds is None:
        return TrainingResult(store.get(run_id), None)
    test_sequences, test_tags = data.part(data.split.test)
    evaluation = evaluate_tagger(
        model,
        test_sequences,
        test_tags,
        data.tag_names,
        segmentation=data.kind == "segmentation",
        seed=seed,
    )
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
