"""Every shown run can be taken away: its files, and the command that trains it again."""

from core.models.registry import model_spec
from core.paths import store_url
from core.runs.store import RunStore
from core.tasks.registry import train
from core.tasks.run_export import reproduce_command
from tests.pages.helpers import open_page, texts, wait_for_training

TASK = "sequence-classification"


def stored_run(model: str, **settings):
    config = model_spec(TASK, model).config_with(settings)
    return train(TASK, "digits", model, store=RunStore(store_url()), config=config).run


def download_labels(app) -> dict[str, str]:
    return {button.key: button.label for button in app.get("download_button")}


def test_compare_offers_each_runs_files_and_command_with_its_filters_from_the_link():
    baseline = stored_run("logreg", epochs=1)
    other = stored_run("logreg", epochs=2)
    app = open_page("compare.py", {"model": "logreg", "first": other.id, "second": baseline.id})
    assert app.multiselect(key="compare.model").value == ["logreg"]
    assert app.selectbox(key="compare.first").value.id == other.id
    assert app.selectbox(key="compare.download.run").value.id == other.id  # newest first
    assert texts(app.code) == [reproduce_command(other)]
    labels = download_labels(app)
    assert labels["compare.download.model"] == "Model file (.npz)"
    assert labels["compare.download.json"] == "Run as JSON"
    assert labels["compare.download.zip"] == "Everything (zip)"
    app.selectbox(key="compare.download.run").select(baseline).run()
    assert texts(app.code) == [
        "python -m core train sequence-classification digits logreg --seed 0 --set epochs=1"
    ]


def test_a_run_whose_model_file_changed_says_so_and_offers_no_model():
    run = stored_run("logreg", epochs=1)
    with open(run.artifact_path, "ab") as stream:
        stream.write(b"\0")
    app = open_page("compare.py")
    assert any("is not the one recorded" in text for text in texts(app.warning))
    labels = download_labels(app)
    assert "compare.download.model" not in labels
    assert app.get("download_button")[-1].proto.disabled


def test_a_trained_run_on_its_task_page_offers_its_command():
    link = {"models": "logreg", "logreg.epochs": "1", "seed": "2"}
    app = open_page("sequence_classification.py", link)
    app.button(key="train").click().run()
    app = wait_for_training(app)
    assert not app.exception, app.exception
    [run] = RunStore(store_url()).list_runs()
    assert (run.seed, run.config["epochs"]) == (2, 1)
    assert texts(app.code) == [
        "python -m core train sequence-classification digits logreg --seed 2 --set epochs=1"
    ]
    assert "sequence.download.zip" in download_labels(app)
