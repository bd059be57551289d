import pytest

from core.models.registry import model_spec
from core.paths import store_url
from core.runs.store import RunStore
from core.task_names import SEQUENCE_CLASSIFICATION
from core.tasks.registry import train
from tests.core.helpers import tiny_config
from tests.pages.helpers import open_page, readable, texts

PAGE = "compare.py"


@pytest.fixture
def stored_runs():
    """Three runs made the way the CLI makes them: two on seed 0, one on seed 1."""
    store = RunStore(store_url())
    runs = []
    for model_name, seed in (("logreg", 0), ("gru", 0), ("logreg", 1)):
        spec = model_spec(SEQUENCE_CLASSIFICATION, model_name)
        runs.append(
            train(
                SEQUENCE_CLASSIFICATION,
                "digits",
                model_name,
                store=store,
                config=tiny_config(spec),
                seed=seed,
            ).run
        )
    return runs


def test_empty_store_says_how_to_make_runs():
    app = open_page(PAGE)
    assert "No runs stored yet" in texts(app.info)[0]


def _leaderboard(app):
    (table,) = [frame.value for frame in app.dataframe if "other metrics" in frame.value]
    return table


def test_leaderboard_lists_every_run_with_its_main_metric_and_interval(stored_runs):
    app = open_page(PAGE)
    table = _leaderboard(app)
    assert sorted(table["run"]) == sorted(run.id for run in stored_runs)
    assert set(table["metric"]) == {"accuracy"} and table["score"].is_monotonic_decreasing
    assert table["95% CI"].str.match(r"0\.\d{3}-[01]\.\d{3}").all()
    assert table["other metrics"].str.match(r"macro-F1 0\.\d+").all()
    assert sorted(table["family"]) == ["baseline", "baseline", "neural"]
    assert (table["parameters"] > 0).all() and (table["ms / prediction"] > 0).all()


def test_filters_narrow_the_leaderboard(stored_runs):
    app = open_page(PAGE)
    app.multiselect(key="compare.model").select("gru").run()
    assert _leaderboard(app)["model"].tolist() == ["GRU"]
    app.multiselect(key="compare.model").unselect("gru").run()
    app.multiselect(key="compare.family").select("baseline").run()
    assert _leaderboard(app)["model"].tolist() == ["Logistic regression"] * 2


def test_the_verdict_pairs_the_best_runs_on_the_same_test_set(stored_runs):
    logreg_seed0, gru_seed0, logreg_seed1 = stored_runs
    app = open_page(PAGE)
    [sentence] = [text for text in readable(app.markdown) if text.startswith("**Verdict.**")]
    assert "On digits, " in sentence and "McNemar p" in sentence and "360 test examples" in sentence
    assert "GRU" in sentence and "logistic regression" in sentence
    (pair,) = [frame.value for frame in app.dataframe if len(frame.value) == 2]
    assert gru_seed0.id in pair["run"].tolist()
    # Equal scores go to the newer run: the seed-1 baseline, which cannot pair with the GRU.
    unpaired_best = logreg_seed1.metrics["accuracy"] >= logreg_seed0.metrics["accuracy"]
    noted = any("different test examples" in caption for caption in readable(app.caption))
    assert noted == unpaired_best


def test_the_verdict_says_what_is_missing():
    store = RunStore(store_url())
    spec = model_spec(SEQUENCE_CLASSIFICATION, "logreg")
    train(SEQUENCE_CLASSIFICATION, "digits", "logreg", store=store, config=tiny_config(spec))
    app = open_page(PAGE)
    assert any("No neural run with test results on digits" in text for text in texts(app.info))


def test_a_learning_curve_runs_in_the_background_and_is_shown_again_later():
    app = open_page(PAGE)
    assert "No runs stored yet" in texts(app.info)[0]  # the curve needs no stored run
    app.multiselect(key="curve.fractions").set_value([0.5, 1.0])
    app.number_input(key="curve.seeds").set_value(1)
    app.number_input(key="curve.epochs").set_value(1).run()
    app.button(key="curve.start").click().run()
    assert app.session_state["curve_job"].wait(300), "the curve did not finish"
    app.run()
    assert not app.exception, app.exception
    assert any(
        "never overtakes" in text or "is ahead of" in text for text in readable(app.markdown)
    )
    (table,) = [frame.value for frame in app.dataframe if "mean test accuracy" in frame.value]
    assert table["model"].tolist() == ["Logistic regression"] * 2 + ["LSTM"] * 2
    assert table["mean test accuracy"].between(0, 1).all()

    later = open_page(PAGE)  # a new visit shows the cached curve
    assert "The last curve computed for these models on this dataset:" in texts(later.caption)
    assert any("mean test accuracy" in frame.value for frame in later.dataframe)


def test_mcnemar_on_the_same_test_set_and_refusal_otherwise(stored_runs):
    logreg_seed0, gru_seed0, logreg_seed1 = stored_runs
    app = open_page(PAGE)
    app.selectbox(key="compare.first").set_value(logreg_seed0)
    app.selectbox(key="compare.second").set_value(gru_seed0).run()
    verdict = " ".join(texts(app.markdown))
    assert "McNemar's exact test p =" in verdict and "On the same 360 test examples" in verdict
    app.selectbox(key="compare.second").set_value(logreg_seed1).run()
    assert any("different test examples" in warning for warning in texts(app.warning))
    assert not app.exception
