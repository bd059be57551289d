"""Tuning: trials through the run store, scored on validation only, reproducible, shared."""

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

from core.configs import settings_of
from core.contest import search_space as sampling
from core.contest.search_space import search_space
from core.contest.sweeps import load_sweep
from core.contest.tuning import check_budget, trial_state, tune
from core.errors import InvalidConfig, UserFacingError
from core.hosting import hosting_settings
from core.models.registry import MODELS, model_spec
from core.paths import REPO_ROOT
from core.runs.store import RunStore
from core.task_names import SEQUENCE_CLASSIFICATION
from core.tasks.classification import SplitDataset
from core.tasks.registry import task
from core.tasks.training import train_on_path


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs.sqlite3", artifacts=tmp_path / "artifacts")


def test_a_sweep_starts_from_the_defaults_and_keeps_every_trial_as_a_run(store):
    sweep = tune(
        SEQUENCE_CLASSIFICATION, "digits", "logreg", budget_seconds=30, store=store, max_trials=4
    )
    spec = model_spec(SEQUENCE_CLASSIFICATION, "logreg")
    assert len(sweep.trials) == 4 and sweep.searched == ("inverse_regularization",)
    assert sweep.trials[0].settings == {
        "inverse_regularization": spec.default_config().inverse_regularization
    }
    assert len({trial.settings["inverse_regularization"] for trial in sweep.trials}) == 4
    trial_runs = store.list_runs(sweep=sweep.id)
    assert {run.id for run in trial_runs} == {trial.run_id for trial in sweep.trials}
    assert all(run.split["scored_on"] == "validation" for run in trial_runs)
    assert "test_fingerprint" not in trial_runs[0].split
    assert store.list_runs() == []  # trials never reach the leaderboard
    best = sweep.best
    assert best.score == max(trial.score for trial in sweep.trials if trial.complete)
    assert load_sweep(store, sweep.id) == sweep
    kept = [run for run in trial_runs if store.get(run.id).artifact_path]
    assert [run.id for run in kept] == [best.run_id]  # beaten trials keep no model file
    assert len(list(store.artifacts.iterdir())) == 1


class WatchedArray(np.ndarray):
    """An array that records every index it is read at, once `armed`."""

    touched: set = set()
    armed = False

    def __getitem__(self, index):
        if WatchedArray.armed:
            picked = np.arange(len(self))[index]
            WatchedArray.touched.update(np.atleast_1d(picked).tolist())
        return np.asarray(self)[index]


def watched(dataset: str, seed: int) -> SplitDataset:
    prepared = task(SEQUENCE_CLASSIFICATION).path.prepare(dataset, seed)
    data = prepared.data
    watched_data = dataclasses.replace(
        data,
        images=np.asarray(data.images).view(WatchedArray),
        labels=np.asarray(data.labels).view(WatchedArray),
    )
    return SplitDataset(watched_data, prepared.split)


@pytest.fixture
def reads():
    WatchedArray.touched, WatchedArray.armed = set(), True
    yield WatchedArray.touched
    WatchedArray.armed = False


def test_tuning_never_reads_a_test_example(store, reads):
    prepared = watched("digits", seed=0)
    test = set(prepared.split.test.tolist())
    # The watch itself works: the ordinary path scores the test part, and is caught doing so.
    path = task(SEQUENCE_CLASSIFICATION).path
    ordinary = train_on_path(
        path.__class__(lambda *_: prepared, path.fit, path.evaluate),
        SEQUENCE_CLASSIFICATION,
        "digits",
        "logreg",
        store=store,
    )
    assert ordinary.run.metrics and reads & test
    reads.clear()
    tune(
        SEQUENCE_CLASSIFICATION,
        "digits",
        "logreg",
        budget_seconds=30,
        store=store,
        prepared=prepared,
        max_trials=3,
    )
    assert reads and not reads & test


def test_the_best_config_retrains_to_the_same_validation_score_with_its_seed(store):
    sweep = tune(
        SEQUENCE_CLASSIFICATION,
        "digits",
        "logreg",
        budget_seconds=30,
        store=store,
        seed=3,
        max_trials=3,
    )
    best = sweep.best
    spec = model_spec(SEQUENCE_CLASSIFICATION, "logreg")
    path = task(SEQUENCE_CLASSIFICATION).path
    view = task(SEQUENCE_CLASSIFICATION).tuning_view(path.prepare("digits", 3))
    again = train_on_path(
        path.__class__(lambda *_: view, path.fit, path.evaluate),
        SEQUENCE_CLASSIFICATION,
        "digits",
        "logreg",
        store=store,
        config=spec.config_with(best.settings),
        seed=3,
    )
    assert again.run.metrics["accuracy"] == best.score


def test_draws_depend_only_on_the_seed_the_trial_number_and_the_setting():
    from optuna.distributions import FloatDistribution, IntDistribution

    rate = FloatDistribution(1e-4, 1e-1, log=True)
    units = IntDistribution(32, 256, log=True)

    def draw(seed, number, name, distribution):
        rng = np.random.default_rng([seed, number, sampling.zlib.crc32(name.encode())])
        return sampling._draw(rng, distribution)

    assert draw(0, 5, "learning_rate", rate) == draw(0, 5, "learning_rate", rate)
    assert draw(0, 5, "learning_rate", rate) != draw(0, 6, "learning_rate", rate)
    assert draw(0, 5, "learning_rate", rate) != draw(1, 5, "learning_rate", rate)
    values = [draw(0, number, "units", units) for number in range(200)]
    assert min(values) >= 32 and max(values) <= 256 and isinstance(values[0], int)
    # Log-uniform: as many draws below the geometric middle (about 90) as above it.
    assert 70 < sum(value < 90.5 for value in values) < 130


def test_every_search_range_stays_inside_its_settings_bounds_hosted_or_not():
    for spec in MODELS.values():
        bounds = {setting.name: setting for setting in settings_of(spec.config_class)}
        for hosted in (False, True):
            for name, searched in search_space(spec, hosted).items():
                setting = bounds[name]
                if searched.choices is not None:
                    assert setting.choices is None or set(searched.choices) <= set(
                        setting.choices
                    ), (spec.name, name)
                    continue
                upper = setting.upper_bound(hosted)
                assert setting.minimum is None or searched.low >= setting.minimum, (spec, name)
                assert upper is None or searched.high <= upper, (spec.name, name, hosted)


def test_a_budget_is_bounded_and_tighter_on_a_shared_server(monkeypatch):
    for budget in (0, float("nan"), 10**9):
        with pytest.raises(InvalidConfig):
            check_budget(budget)
    check_budget(600, hosted_maximum=300)  # locally, the shared server's bound does not apply
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    with pytest.raises(InvalidConfig, match="at most 300 seconds on this shared server"):
        check_budget(600, hosted_maximum=300)


def test_a_sweep_is_joined_only_by_the_same_model_on_the_same_data(store):
    sweep = tune(
        SEQUENCE_CLASSIFICATION, "digits", "logreg", budget_seconds=30, store=store, max_trials=1
    )
    with pytest.raises(UserFacingError, match=f"Sweep {sweep.id} tunes logreg on digits"):
        tune(
            SEQUENCE_CLASSIFICATION,
            "digits",
            "majority",
            budget_seconds=30,
            store=store,
            sweep_id=sweep.id,
        )


def test_two_processes_work_on_one_sweep_in_postgresql(postgres_url, tmp_path):
    sweep_id = "sweep-shared-by-two"
    environment = {
        **os.environ,
        "SEQLAB_DATABASE_URL": postgres_url,
        "SEQLAB_ARTIFACTS": str(tmp_path / "artifacts"),
    }
    command = [
        sys.executable,
        "-m",
        "core",
        "tune",
        SEQUENCE_CLASSIFICATION,
        "digits",
        "logreg",
        "--budget",
        "12",
        "--sweep",
        sweep_id,
        "--quiet",
    ]
    workers = [
        subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for worker in workers:
        _, errors = worker.communicate(timeout=120)
        assert worker.returncode == 0, errors
    store = RunStore(postgres_url, artifacts=tmp_path / "artifacts")
    sweep = load_sweep(store, sweep_id)
    owners = {trial.run_id and store.get(trial.run_id).owner for trial in sweep.trials}
    assert len(owners) == 2, owners  # both processes trained trials of the one sweep
    numbers = [trial.number for trial in sweep.trials]
    assert len(numbers) == len(set(numbers))
    assert len({str(trial.settings) for trial in sweep.trials}) == len(sweep.trials)
    assert {run.id for run in store.list_runs(sweep=sweep_id)} == {
        trial.run_id for trial in sweep.trials
    }


def test_on_a_shared_server_trials_start_from_the_capped_defaults(store, monkeypatch):
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    sweep = tune(
        SEQUENCE_CLASSIFICATION, "digits", "mlp", budget_seconds=60, store=store, max_trials=1
    )
    [trial] = sweep.trials
    cap = hosting_settings().max_epochs
    assert model_spec(SEQUENCE_CLASSIFICATION, "mlp").default_config().epochs > cap
    assert trial.state == "complete" and trial.config["epochs"] == cap


def test_a_trial_is_cut_only_if_it_trained_fewer_epochs_than_planned():
    epochs = [{"epoch": number, "complete": True} for number in (1, 2, 3)]
    assert trial_state("finished", epochs, 3, None) == "complete"
    assert trial_state("stopped", epochs, 3, "budget") == "complete"  # stopped as it ended
    assert trial_state("stopped", epochs[:2], 3, "budget") == "budget"
    partial = [*epochs[:2], {"epoch": 3, "complete": False}]
    assert trial_state("stopped", partial, 3, "pruned") == "pruned"
    assert trial_state("stopped", [], None, None) == "stopped"  # a model without epochs
