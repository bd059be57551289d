"""Tuning one model within a wall-clock budget: random search with successive halving, scored
on the validation part only.

Each trial draws a config from the ranges the model's config fields declare
(core/configs.py `SearchRange`), trains on the training part through the task's own path, and
is scored on the validation part: the task's `tuning_view` holds out the validation part in
place of the test part, so no trial reads a test example. Optuna runs the search: its
successive-halving pruner stops a trial whose validation accuracy after 1, 3, 9... epochs is
not in the top third of the trials that reached that epoch (a baseline fitted in one step is
never pruned), and its RDB storage keeps the sweep in the run store's own database, so
several processes (machines, on PostgreSQL) can work on one sweep at once. Every trial is
also a run of the store, grouped under its sweep (`RunStore.list_runs(sweep=...)`).

The first trial of a new sweep is the model's default config, so the tuned best is never
worse than the defaults on validation. A trial's draws depend only on the sweep's seed and
the trial's number (`NumberedRandomSampler`): workers sharing a sweep draw distinct configs,
and a sweep repeats for its seed. The best config retrains to the same model with the seed.
"""

import dataclasses
import math
import os
import socket
import time
from typing import Any

from core.configs import settings_of, with_overrides
from core.contest.search_space import NumberedRandomSampler, search_space, suggest
from core.contest.sweeps import Sweep, Trial, load_sweep, new_sweep_id, optuna_storage, trial_from
from core.errors import InvalidConfig, UserFacingError
from core.hosting import capped_defaults, hosting_settings
from core.models.registry import model_spec
from core.progress import TrainingObserver
from core.runs.store import RunStore
from core.tasks.job_costs import check_job_cost, data_shape
from core.tasks.registry import task as task_named
from core.tasks.training import train_on_path

MINIMUM_BUDGET_SECONDS = 5
MAXIMUM_BUDGET_SECONDS = 24 * 3600
# Successive halving keeps the top third at each rung of epochs 1, 3, 9, ...
REDUCTION_FACTOR = 3
SCORE = "accuracy"  # the validation metric trials are ranked by


class TuningObserver(TrainingObserver):
    """Training progress of each trial, plus when each trial begins and ends."""

    def on_trial_begin(self, number: int, settings: dict) -> None:
        """Called before trial `number` trains with the drawn `settings`."""

    def on_trial_end(self, trial: "Trial") -> None:
        """Called with each trial once it is scored (or cut, or refused)."""


def check_budget(budget_seconds: float, hosted_maximum: float | None = None) -> None:
    """Raise InvalidConfig unless the budget is a sensible number of seconds (and, in hosted
    mode, within `hosted_maximum`: a sweep is one job under the job deadline)."""
    if not math.isfinite(budget_seconds) or budget_seconds < MINIMUM_BUDGET_SECONDS:
        raise InvalidConfig(f"The budget must be at least {MINIMUM_BUDGET_SECONDS} seconds.")
    if budget_seconds > MAXIMUM_BUDGET_SECONDS:
        raise InvalidConfig(f"The budget must be at most {MAXIMUM_BUDGET_SECONDS:,} seconds.")
    if hosting_settings().hosted and hosted_maximum is not None and budget_seconds > hosted_maximum:
        raise InvalidConfig(
            f"The budget must be at most {hosted_maximum:g} seconds on this shared server "
            f"(hosted mode); got {budget_seconds:g}."
        )


def hosted_budget_limit() -> float:
    """The longest sweep one job may run on a shared server: half its deadline, leaving time
    to load the data and score the best model."""
    return hosting_settings().job_seconds / 2


class _TrialObserver(TrainingObserver):
    """Forwards a trial's progress, reports each epoch's validation score to the pruner, and
    cuts the trial when the pruner, the budget or the user says so (`cut` says which)."""

    def __init__(self, trial, deadline: float, outer: TrainingObserver) -> None:
        self.trial, self.deadline, self.outer = trial, deadline, outer
        self.cut: str | None = None

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        self.outer.on_train_begin(total_epochs, steps_per_epoch)

    def on_batch_end(self, epoch: int, step: int, logs: dict) -> None:
        self.outer.on_batch_end(epoch, step, logs)

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.outer.on_epoch_end(epoch, logs)
        score = logs.get(f"val_{SCORE}")
        if score is not None and logs.get("complete", True) and self.cut is None:
            self.trial.report(float(score), epoch)
            if self.trial.should_prune():
                self.cut = "pruned"

    def should_stop(self) -> bool:
        if self.cut is None and self.outer.should_stop():
            self.cut = "stopped"
        elif self.cut is None and time.monotonic() > self.deadline:
            self.cut = "budget"
        return self.cut is not None


CUT_NOTES = {
    "pruned": "cut by successive halving",
    "budget": "cut when the budget ran out",
    "stopped": "stopped by the user",
}


def trial_state(status: str, history: list[dict], planned: int | None, cut: str | None) -> str:
    """ "complete", or why the trial was cut. A stop asked for during the last batch (the
    budget ran out as it ended) marks the run stopped, yet every planned epoch was trained:
    that trial is complete."""
    trained_all = (
        planned is not None
        and len(history) >= planned
        and all(record.get("complete", True) for record in history)
    )
    if status != "stopped" or trained_all:
        return "complete"
    return cut or "stopped"


def _objective(spec, dataset, view, space, sweep_id, store, seed, deadline, observer, visitor):
    """The function Optuna calls per trial: draw, train on the validation view, score."""
    import optuna

    kinds = {setting.name: setting.kind for setting in settings_of(spec.config_class)}
    path = dataclasses.replace(
        task_named(spec.task).path, prepare=lambda _dataset, _split_seed: view
    )

    def objective(trial) -> float:
        settings = {name: suggest(trial, name, space[name], kinds[name]) for name in space}
        trial.set_user_attr("owner", f"{socket.gethostname()}:{os.getpid()}")
        observer.on_trial_begin(trial.number, settings)
        started = time.perf_counter()
        try:
            config = with_overrides(capped_defaults(spec), settings, frozen=frozenset(spec.fixed))
            check_job_cost(spec, config, data_shape(view))
        except InvalidConfig as refusal:
            _record(trial, "refused", None, None, 0, None, started, str(refusal))
            observer.on_trial_end(trial_from(trial.number, trial.params, trial.user_attrs))
            raise optuna.TrialPruned(str(refusal)) from None
        trial.set_user_attr("config", dataclasses.asdict(config))
        watcher = _TrialObserver(trial, deadline, observer)
        result = train_on_path(
            path,
            spec.task,
            dataset,
            spec.name,
            store=store,
            config=config,
            seed=seed,
            observer=watcher,
            visitor=visitor,
            sweep=sweep_id,
        )
        run = result.run
        score = run.metrics.get(SCORE) if run.metrics else None
        planned = getattr(config, "epochs", None)
        state = trial_state(run.status, run.history, planned, watcher.cut)
        _record(trial, state, score, run.id, len(run.history), planned, started, "")
        observer.on_trial_end(trial_from(trial.number, trial.params, trial.user_attrs))
        if state != "complete" or score is None:
            raise optuna.TrialPruned(CUT_NOTES.get(state, "no score"))
        return score

    return objective


def _record(trial, state, score, run_id, epochs, planned, started, note) -> None:
    values = {
        "state": state,
        "score": score,
        "run_id": run_id,
        "epochs_trained": epochs,
        "epochs_planned": planned,
        "seconds": time.perf_counter() - started,
        "note": note or CUT_NOTES.get(state, ""),
    }
    for key, value in values.items():
        trial.set_user_attr(key, value)


def _open_study(store: RunStore, sweep_id: str, attributes: dict, seed: int):
    """The sweep's study: created with `attributes` (and the default config as its first
    trial) if new, else loaded and checked to tune the same model on the same data."""
    import optuna

    storage = optuna_storage(store)
    pruner = optuna.pruners.SuccessiveHalvingPruner(
        min_resource=1, reduction_factor=REDUCTION_FACTOR
    )
    sampler = NumberedRandomSampler(seed)
    try:
        study = optuna.create_study(
            study_name=sweep_id,
            storage=storage,
            direction="maximize",
            sampler=sampler,
            pruner=pruner,
        )
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(
            study_name=sweep_id, storage=storage, sampler=sampler, pruner=pruner
        )
        if study.user_attrs.get("visitor") not in (None, attributes["visitor"]):
            raise UserFacingError(f"No sweep {sweep_id} here.") from None
        theirs = {key: study.user_attrs.get(key) for key in ("task", "dataset", "model", "seed")}
        ours = {key: attributes[key] for key in theirs}
        if theirs != ours:
            raise UserFacingError(
                f"Sweep {sweep_id} tunes {theirs['model']} on {theirs['dataset']} "
                f"(seed {theirs['seed']}), not {ours['model']} on {ours['dataset']} "
                f"(seed {ours['seed']})."
            ) from None
        return study, False
    for key, value in attributes.items():
        study.set_user_attr(key, value)
    return study, True


def tune(
    task_name: str,
    dataset: str,
    model_name: str,
    *,
    budget_seconds: float,
    store: RunStore,
    seed: int = 0,
    observer: TuningObserver | None = None,
    visitor: str | None = None,
    sweep_id: str | None = None,
    prepared: Any = None,
    max_trials: int | None = None,
) -> Sweep:
    """Tune `model_name` on `dataset` for `budget_seconds` of wall-clock time; the sweep.

    `sweep_id` joins an existing sweep (another process may be working on it); None starts a
    new one. `seed` fixes the split, every trial's initialisation and the draws. `prepared`
    is the task's prepared data when the caller has it already (the contest tunes every rung
    on one load). The budget is checked between trials and between a trial's batches: a
    trial still training when it runs out is cut and keeps its score, marked "budget".
    """
    import optuna

    check_budget(budget_seconds, hosted_budget_limit())
    task = task_named(task_name)
    spec = model_spec(task_name, model_name)
    if task.tuning_view is None:
        raise UserFacingError(f"{task.title} cannot be tuned yet: only classification can.")
    observer = observer or TuningObserver()
    deadline = time.monotonic() + budget_seconds
    space = search_space(spec, hosting_settings().hosted)
    attributes = {
        "task": task_name,
        "dataset": dataset,
        "model": model_name,
        "seed": seed,
        "budget_seconds": budget_seconds,
        "searched": list(space),
        "visitor": visitor,
    }
    sweep_id = sweep_id or new_sweep_id()
    study, created = _open_study(store, sweep_id, attributes, seed)
    if created:
        defaults = spec.default_config()
        study.enqueue_trial({name: getattr(defaults, name) for name in space})
    prepared = prepared if prepared is not None else task.path.prepare(dataset, seed)
    view = task.tuning_view(prepared)
    objective = _objective(
        spec, dataset, view, space, sweep_id, store, seed, deadline, observer, visitor
    )
    limit = 1 if not space else max_trials

    def stop_when_done(study, trial) -> None:
        finished = sum(t.state != optuna.trial.TrialState.RUNNING for t in study.trials)
        out_of_time = time.monotonic() >= deadline
        if out_of_time or observer.should_stop() or (limit is not None and finished >= limit):
            study.stop()

    study.optimize(objective, callbacks=[stop_when_done], gc_after_trial=True)
    sweep = load_sweep(store, sweep_id)
    _drop_beaten_models(store, sweep)
    return sweep


def _drop_beaten_models(store: RunStore, sweep: Sweep) -> None:
    """Keep the model file of the sweep's best trial only: a trial beaten now cannot become
    the best later, and a sweep of fifty networks would otherwise keep fifty files."""
    best = sweep.best
    for trial in sweep.trials:
        if trial.run_id and (best is None or trial.run_id != best.run_id):
            store.drop_artifact(
                trial.run_id, f"Tuning trial of {sweep.id}; only the best trial keeps its model."
            )
