"""Reference runs: fast baselines trained once per run store and shown to every visitor.

In hosted mode a visitor sees only their own runs and the shared ones (no visitor), so a
fresh deployment would open on an empty Compare page. These runs give every visitor a
yardstick at once; each takes seconds and needs no TensorFlow. A dataset that cannot be
loaded here (a data pack not fetched) is skipped with its reason.

    python -m core.runtime.reference_runs      # or: make reference-runs
"""

import sys
from collections.abc import Callable

from core.data.datasets import dataset_info
from core.runs.store import RunRecord, RunStore
from core.task_names import SEQUENCE_CLASSIFICATION, TEXT_CLASSIFICATION
from core.tasks.registry import train

REFERENCE_RUNS = (
    (SEQUENCE_CLASSIFICATION, "digits", "logreg"),
    (TEXT_CLASSIFICATION, "sms-spam", "tfidf-logreg"),
)
SEED = 0


def _stored(store: RunStore, task: str, dataset: str, model: str) -> bool:
    return any(
        run.visitor is None and run.model == model and run.seed == SEED
        for run in store.list_runs(task=task, dataset=dataset)
        if run.status == "finished"
    )


def ensure_reference_runs(
    store: RunStore, report: Callable[[str], None] = lambda line: None
) -> list[RunRecord]:
    """Train the reference runs the store lacks, with default settings and seed 0, shared with
    every visitor; returns the runs trained now. `report` gets one line per run."""
    trained = []
    for task, dataset, model in REFERENCE_RUNS:
        if _stored(store, task, dataset, model):
            report(f"{dataset} {model}: already stored")
            continue
        reason = dataset_info(dataset).availability()
        if reason:
            report(f"{dataset} {model}: skipped, {reason}")
            continue
        run = train(task, dataset, model, store=store, seed=SEED).run
        report(f"{dataset} {model}: {run.status}, accuracy {run.metrics['accuracy']:.4f}")
        trained.append(run)
    return trained


if __name__ == "__main__":
    from core.paths import store_url

    ensure_reference_runs(RunStore(store_url()), report=lambda line: print(line, file=sys.stderr))
