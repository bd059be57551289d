"""The contest on a short ladder: equal side budgets, finals scored once, verdict and memo."""

import json

import numpy as np
import pytest

from core.contest import contest
from core.contest.contest import ContestObserver, run_contest
from core.contest.memo import memo_dict, memo_html, rung_table
from core.models.registry import model_spec
from core.runs.store import RunStore
from core.task_names import SEQUENCE_CLASSIFICATION
from core.tasks.registry import task
from core.tasks.training import load_trained_model


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs.sqlite3", artifacts=tmp_path / "artifacts")


@pytest.fixture(autouse=True)
def short_ladder(monkeypatch):
    """The floor and logistic regression against the MLP: no TensorFlow, a few seconds."""
    specs = {
        "baseline": [model_spec(SEQUENCE_CLASSIFICATION, name) for name in ("majority", "logreg")],
        "neural": [model_spec(SEQUENCE_CLASSIFICATION, "mlp")],
    }
    monkeypatch.setattr(contest, "ladder", lambda task_name: specs)


class Stages(ContestObserver):
    def __init__(self, stop_after_trials: int | None = None) -> None:
        self.stages, self.trials = [], []
        self.stop_after_trials = stop_after_trials

    def on_stage(self, index, total, description):
        self.stages.append((index, total, description))

    def on_trial_end(self, trial):
        self.trials.append(trial)

    def should_stop(self):
        return self.stop_after_trials is not None and len(self.trials) >= self.stop_after_trials


def test_a_contest_tunes_each_side_scores_the_picks_once_and_judges_them(store):
    stages = Stages()
    result = run_contest(
        SEQUENCE_CLASSIFICATION, "digits", budget_seconds=16, store=store, observer=stages
    )
    assert [rung.model for rung in result.rungs] == ["majority", "logreg", "mlp"]
    assert [description.split(" (")[0] for _, _, description in stages.stages][:3] == [
        "Tuning Majority class",
        "Tuning Logistic regression",
        "Tuning Multilayer perceptron",
    ]
    assert stages.stages[-1][0] == stages.stages[-1][1] - 1  # every stage ran
    # Each side's pick is its best rung by validation, scored once on the test part.
    for side, contender in result.contenders.items():
        rungs = [rung for rung in result.rungs if rung.family == side]
        assert contender.rung == max(rungs, key=lambda rung: rung.sweep.best.score)
        assert "test_fingerprint" in contender.run.split and contender.run.sweep is None
        assert contender.run.split["tuned_in"] == contender.rung.sweep.id
        model = load_trained_model(store.get(contender.trial.run_id))
        prepared = task(SEQUENCE_CLASSIFICATION).path.prepare("digits", 0)
        test = prepared.split.test
        expected = np.mean(model.predict(prepared.data.inputs[test]) == prepared.data.labels[test])
        assert contender.score == pytest.approx(expected)
    assert {run.id for run in store.list_runs()} == {
        contender.run.id for contender in result.contenders.values()
    }
    labels, split = prepared.data.labels, prepared.split
    majority = np.bincount(labels[split.train]).argmax()
    assert result.floor == np.mean(labels[split.test] == majority)
    assert result.verdict.startswith(f"Pick {result.pick.rung.title}")
    assert "majority floor" in result.verdict and result.forecast is not None
    assert set(result.probes) == {"baseline", "neural"}
    assert "Order probe for Multilayer perceptron" in result.verdict
    # scikit-learn's MLP records no tf.distribute placement: asking for one imports TensorFlow.
    assert "devices" not in result.contenders["neural"].run.split
    json.dumps(memo_dict(result), allow_nan=False)
    page = memo_html(result)
    assert "<script src=" not in page and "Plotly.newPlot" in page  # plotly.js is inlined
    assert "python -m core contest sequence-classification digits --budget 16" in page
    assert "Logistic regression" in rung_table(result)


def test_a_stopped_contest_judges_what_finished(store):
    stages = Stages(stop_after_trials=2)
    result = run_contest(
        SEQUENCE_CLASSIFICATION, "digits", budget_seconds=16, store=store, observer=stages
    )
    assert result.stopped and result.forecast is None and not result.probes
    assert [rung.model for rung in result.rungs] == ["majority", "logreg"]
    assert set(result.contenders) == {"baseline"}
    assert result.verdict.startswith("No verdict on digits: no neural rung finished a trial")
