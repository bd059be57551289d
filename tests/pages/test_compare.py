import pytest

from core.paths import store_url
from core.registry import SEQUENCE_CLASSIFICATION, model_spec
from core.store import RunStore
from core.tasks import train
from tests.core.helpers import tiny_config
from tests.pages.helpers import open_page, texts

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


def test_leaderboard_lists_every_run_with_intervals(stored_runs):
    app = open_page(PAGE)
    table = app.dataframe[0].value
    assert sorted(table["run"]) == sorted(run.id for run in stored_runs)
    assert table["accuracy"].is_monotonic_decreasing
    assert table["95% CI"].str.match(r"0\.\d{3}-[01]\.\d{3}").all()


def test_filters_narrow_the_leaderboard(stored_runs):
    app = open_page(PAGE)
    app.multiselect(key="compare.model").select("gru").run()
    assert app.dataframe[0].value["model"].tolist() == ["GRU"]


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
