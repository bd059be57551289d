"""Tuning sweeps as the run store keeps them: their trials, read back from Optuna's tables.

Optuna's RDB storage lives in the run store's own database (its tables beside the runs), so
a sweep that several processes work on is one study there; each trial's outcome is kept in
its user attributes (state, score, run id, epochs) and read back here as a `Trial`.
"""

import time
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime

from core.runs.store import RunStore

STORAGE_ATTEMPTS = 4


@dataclass(frozen=True)
class Trial:
    """One config tried: its draws, whole config and validation score.

    `state` is "complete"; "pruned" (successive halving cut it), "budget" (the sweep's time ran
    out mid-training), "stopped" (the user stopped it), each keeping the score of the model it
    had; or "refused" (the config cannot train here, `note` says why). `epochs_trained` of
    `epochs_planned` says how far it got (None for a model without epochs).
    """

    number: int
    state: str
    settings: dict
    config: dict
    score: float | None
    run_id: str | None
    epochs_trained: int
    epochs_planned: int | None
    seconds: float
    note: str = ""

    @property
    def complete(self) -> bool:
        return self.state == "complete"


@dataclass(frozen=True)
class Sweep:
    """A tuning sweep: which model on which data, with what budget, and its trials so far."""

    id: str
    task: str
    dataset: str
    model: str
    seed: int
    budget_seconds: float
    searched: tuple[str, ...]  # the settings drawn, in the config's order
    trials: tuple[Trial, ...]
    visitor: str | None = None

    @property
    def best(self) -> Trial | None:
        """The complete trial with the best validation score (the earliest of equals); when
        none completed, the best-scored cut one, whose `state` says why it was cut."""
        scored = [trial for trial in self.trials if trial.score is not None]
        complete = [trial for trial in scored if trial.complete]
        pool = complete or scored
        return max(pool, key=lambda trial: (trial.score, -trial.number), default=None)


def optuna_storage(store: RunStore):
    """Optuna's storage in the run store's database (its own tables beside the runs)."""
    import optuna
    from sqlalchemy.exc import DBAPIError

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    connect = {"connect_args": {"timeout": 60}} if store.url.startswith("sqlite") else {}
    for attempt in range(STORAGE_ATTEMPTS):
        try:
            with warnings.catch_warnings():
                # The heartbeat (a dead worker's running trial is failed after the grace
                # period) is marked experimental; it has been in Optuna since 2.9.
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    store.url, engine_kwargs=connect, heartbeat_interval=30, grace_period=120
                )
        except DBAPIError:
            # Two processes creating Optuna's tables at once: one wins, the other's CREATE
            # fails; on the next attempt it finds the tables made.
            if attempt == STORAGE_ATTEMPTS - 1:
                raise
            time.sleep(1 + attempt)


def trial_from(number: int, params: dict, attributes: dict) -> Trial:
    return Trial(
        number=number,
        state=attributes.get("state", "running"),
        settings=dict(params),
        config=attributes.get("config", {}),
        score=attributes.get("score"),
        run_id=attributes.get("run_id"),
        epochs_trained=attributes.get("epochs_trained", 0),
        epochs_planned=attributes.get("epochs_planned"),
        seconds=attributes.get("seconds", 0.0),
        note=attributes.get("note", ""),
    )


def new_sweep_id() -> str:
    return f"sweep-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def load_sweep(store: RunStore, sweep_id: str, visitor: str | None = None) -> Sweep:
    """A stored sweep and its trials so far; KeyError if there is none (for this visitor)."""
    import optuna

    try:
        study = optuna.load_study(study_name=sweep_id, storage=optuna_storage(store))
    except KeyError:
        raise KeyError(f"No sweep {sweep_id!r} in the run store") from None
    attributes = study.user_attrs
    if visitor is not None and attributes.get("visitor") not in (None, visitor):
        raise KeyError(f"No sweep {sweep_id!r} in the run store")
    trials = tuple(
        trial_from(trial.number, trial.params, trial.user_attrs)
        for trial in study.get_trials(deepcopy=False)
        if "state" in trial.user_attrs
    )
    return Sweep(
        id=sweep_id,
        task=attributes["task"],
        dataset=attributes["dataset"],
        model=attributes["model"],
        seed=attributes["seed"],
        budget_seconds=attributes["budget_seconds"],
        searched=tuple(attributes["searched"]),
        trials=trials,
        visitor=attributes.get("visitor"),
    )


def list_sweeps(store: RunStore, visitor: str | None = None) -> list[str]:
    """The ids of the sweeps in the store, newest first (a visitor's own and shared ones)."""
    import optuna

    summaries = optuna.get_all_study_summaries(optuna_storage(store), include_best_trial=False)
    return sorted(
        (
            summary.study_name
            for summary in summaries
            if summary.study_name.startswith("sweep-")
            and (visitor is None or summary.user_attrs.get("visitor") in (None, visitor))
        ),
        reverse=True,
    )
