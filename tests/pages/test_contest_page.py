"""The Contest page: a sweep and a contest run in the background, their results shown and kept,
a stop keeps what finished, and a tuned config opens filled in on the task's page."""

import pytest

import core.contest.contest as contest
from core.contest.sweeps import list_sweeps, load_sweep
from core.models.registry import model_spec
from core.paths import store_url
from core.runs.store import RunStore
from core.task_names import SEQUENCE_CLASSIFICATION, TASKS, TEXT_CLASSIFICATION
from dashboard import hosting
from tests.pages.conftest import ThreadWorker
from tests.pages.helpers import open_page, readable, texts

PAGE = "contest.py"
TUNE_MODE = "Tune one model"


TUNE_SECONDS = 15  # enough for a few trials of a baseline on a busy machine


def _tune(app, model: str, seed: int = 0):
    """Tune `model` on digits for a few seconds; the app once the sweep has ended."""
    app.radio(key="contest.mode").set_value(TUNE_MODE).run()
    app.number_input(key="contest.seed").set_value(seed).run()
    app.selectbox(key=f"tune.model.{SEQUENCE_CLASSIFICATION}").set_value(
        model_spec(SEQUENCE_CLASSIFICATION, model)
    ).run()
    app.number_input(key="tune.budget").set_value(TUNE_SECONDS).run()
    app.button(key="tune.start").click().run()
    assert not app.exception, app.exception
    job = app.session_state["contest_jobs"]["tune"]
    assert job.wait(180), "the sweep did not finish"
    app.run()
    assert not app.exception, app.exception
    return app, job


def test_the_page_offers_the_tunable_tasks_and_bounds_the_budget():
    app = open_page(PAGE)
    tunable = (SEQUENCE_CLASSIFICATION, TEXT_CLASSIFICATION)
    assert app.selectbox(key="contest.task").options == [TASKS[name] for name in tunable]
    budget = app.number_input(key="contest.budget")
    assert (budget.min, budget.max, budget.value) == (5, 3600, 60)
    assert not app.button(key="contest.start").disabled
    app.radio(key="contest.mode").set_value(TUNE_MODE).run()
    assert "No sweep stored yet" in texts(app.info)[0]
    assert app.number_input(key="tune.budget").value == 30


def test_a_sweep_runs_in_the_background_and_a_trial_fills_the_task_page():
    app = open_page("sequence_classification.py")
    # Settings changed on an earlier visit must not leak into the tuned config's form.
    app.number_input(key="sequence.config.logreg.epochs").set_value(7).run()
    app.switch_page(f"../pages/{PAGE}").run()
    app, job = _tune(app, "logreg", seed=3)
    assert not job.error and job.sweep is not None and len(job.sweep.trials) >= 2
    assert job.sweep.trials[0].settings == {"inverse_regularization": 1.0}  # the defaults first

    assert app.selectbox(key=f"tune.sweep.{job.sweep.id}").value == job.sweep.id
    assert (
        f"Seed 3, a budget of {TUNE_SECONDS} s, {len(job.sweep.trials)} trials"
        in texts(app.caption)[-1]
    )
    [figure] = app.get("plotly_chart")
    assert '"parcoords"' in figure.proto.spec and "inverse_regularization" in figure.proto.spec
    [table] = [frame.value for frame in app.dataframe if "inverse_regularization" in frame.value]
    assert sorted(table["trial"]) == [trial.number for trial in job.sweep.trials]
    # A trial cut before its first epoch ended has no score; every other one is an accuracy.
    scored = table["validation accuracy"].notna()
    assert table["validation accuracy"][scored].between(0, 1).all()
    assert set(table["state"][~scored]) <= {"budget", "stopped", "refused"}

    chosen = next(trial for trial in job.sweep.trials if trial is not job.sweep.best)
    trial_box = app.selectbox(key=f"tune.trial.{job.sweep.id}")
    assert "the best" in trial_box.format_func(trial_box.value)
    trial_box.set_value(chosen).run()
    app.button(key="tune.use").click().run()
    assert not app.exception, app.exception
    setting = app.number_input(key="sequence.config.logreg.inverse_regularization")
    assert setting.value == pytest.approx(chosen.settings["inverse_regularization"])
    assert app.number_input(key="sequence.config.logreg.epochs").value == 40  # the default
    assert [spec.name for spec in app.multiselect(key="sequence.config.models").value] == ["logreg"]
    assert app.selectbox(key="sequence.dataset").value.name == "digits"
    assert app.number_input(key="sequence.seed").value == 3


def test_a_text_sweep_config_fills_the_text_page():
    app = open_page(PAGE)
    app.selectbox(key="contest.task").set_value(TEXT_CLASSIFICATION).run()
    app.radio(key="contest.mode").set_value(TUNE_MODE).run()
    spec = model_spec(TEXT_CLASSIFICATION, "tfidf-logreg")
    app.selectbox(key=f"tune.model.{TEXT_CLASSIFICATION}").set_value(spec).run()
    app.number_input(key="tune.budget").set_value(TUNE_SECONDS).run()
    app.button(key="tune.start").click().run()
    job = app.session_state["contest_jobs"]["tune"]
    assert job.wait(180), "the sweep did not finish"
    app.run()
    assert not app.exception, app.exception
    best = job.sweep.best
    app.button(key="tune.use").click().run()
    assert not app.exception, app.exception
    assert app.selectbox(key="text.dataset.name").value.name == "polarity"
    for name, value in best.settings.items():
        widget = f"text.config.tfidf-logreg.{name}"
        assert app.session_state[widget] == pytest.approx(value), name


@pytest.fixture
def small_ladder(monkeypatch):
    """A contest of the majority floor against logistic regression standing in for the
    networks, run in threads of this process (where the short ladder is seen): every stage of
    a real contest, in seconds and without TensorFlow."""
    monkeypatch.setattr(
        contest,
        "ladder",
        lambda task: {
            "baseline": [model_spec(task, "majority")],
            "neural": [model_spec(task, "logreg")],
        },
    )
    monkeypatch.setattr(hosting, "model_worker", ThreadWorker)


def test_a_contest_is_judged_shown_and_kept_across_reruns(small_ladder):
    app = open_page(PAGE)
    app.number_input(key="contest.budget").set_value(10).run()
    app.button(key="contest.start").click().run()
    assert not app.exception, app.exception
    assert app.button(key="contest.stop").label == "Stop"
    assert app.button(key="contest.start").disabled  # one at a time
    job = app.session_state["contest_jobs"]["contest"]
    assert job.wait(300), "the contest did not finish"
    assert [seen.trial.number for seen in job.trials if "Majority" in seen.stage] == [0]
    for _ in range(2):  # shown, and shown again after another rerun
        app.run()
        assert not app.exception, app.exception
        [verdict] = [text for text in readable(app.markdown) if text.startswith("**Verdict.**")]
        assert "Pick Logistic regression (neural)" in verdict and "majority floor" in verdict
        [rungs] = [frame.value for frame in app.dataframe if "tuning s" in frame.value]
        assert rungs["rung"].tolist() == ["Majority class", "Logistic regression"]
        [picks] = [frame.value for frame in app.dataframe if "ms / prediction" in frame.value]
        assert picks["side"].tolist() == ["baseline", "neural"]
        assert (picks["train s"] > 0).all() and (picks["parameters"] > 0).all()
        assert len(app.get("plotly_chart")) == 2  # the ladder and the forecast
        probes = [text for text in readable(app.markdown) if text.startswith("- ")]
        assert len(probes) == 2 and "shuffling the rows" in probes[1]
        downloads = [button.proto.label for button in app.get("download_button")]
        assert downloads == ["Decision memo (HTML)", "Decision memo (JSON)"]
        assert not app.button(key="contest.start").disabled

    app.button(key="contest.use.neural").click().run()
    assert not app.exception, app.exception
    expected = job.result.contenders["neural"].trial.settings["inverse_regularization"]
    setting = app.number_input(key="sequence.config.logreg.inverse_regularization")
    assert setting.value == pytest.approx(expected)


def test_a_stopped_contest_keeps_what_finished(small_ladder):
    app = open_page(PAGE)
    app.number_input(key="contest.budget").set_value(10).run()
    app.button(key="contest.start").click().run()
    app.button(key="contest.stop").click().run()
    job = app.session_state["contest_jobs"]["contest"]
    assert job.wait(120), "the contest did not stop"
    app.run()
    assert not app.exception, app.exception
    assert job.result.stopped and job.result.forecast is None
    [verdict] = [text for text in readable(app.markdown) if text.startswith("**Verdict.**")]
    assert "stopped" in verdict


def test_in_hosted_mode_a_sweep_is_the_visitors_own_and_the_budget_is_capped(hosted_mode):
    app = open_page(PAGE)
    assert app.number_input(key="contest.budget").max == 200  # a third of the 600 s deadline
    app.radio(key="contest.mode").set_value(TUNE_MODE).run()
    assert app.number_input(key="tune.budget").max == 300  # half of it
    app, job = _tune(app, "logreg")
    assert not job.error, job.error
    visitor = app.session_state["visitor"]
    store = RunStore(store_url())
    assert list_sweeps(store, visitor) == [job.sweep.id]
    assert list_sweeps(store, "someone else") == []
    with pytest.raises(KeyError):
        load_sweep(store, job.sweep.id, "someone else")
    assert {run.visitor for run in store.list_runs(sweep=job.sweep.id)} == {visitor}
