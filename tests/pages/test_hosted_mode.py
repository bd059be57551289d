"""The app in hosted mode (SEQLAB_HOSTED=1): own runs only, capped epochs, a visible queue."""

import pytest
from streamlit.testing.v1 import AppTest

from core.data.uploaded_datasets import save_upload
from core.models.registry import model_spec
from core.paths import store_url
from core.runs.store import RunStore
from core.runtime.model_worker import RemoteModel
from core.task_names import SEQUENCE_CLASSIFICATION
from core.tasks.registry import train
from dashboard import hosting
from tests.core.helpers import tiny_config
from tests.pages.conftest import Running, unwatched_worker
from tests.pages.helpers import ENTRY, TIMEOUT, open_page, readable, texts, wait_for_training

PAGE = "sequence_classification.py"


@pytest.fixture(autouse=True)
def hosted(monkeypatch):
    """Hosted mode, a fresh process-wide queue (a cached resource), model worker and start-up
    step, whose reference runs are only noted: training them would add runs to every test's
    store."""
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    monkeypatch.setenv("SEQLAB_MAX_TRAININGS", "1")
    references = []
    monkeypatch.setattr(hosting, "_prepare_reference_runs", references.append)
    resources = (hosting._queue, hosting._adopt_secrets, hosting._start_reference_runs)
    for resource in resources:
        resource.clear()
    worker = unwatched_worker()  # the test's own: a worker keeps the data folder it started in
    monkeypatch.setattr(hosting, "_shared_worker", lambda: worker)
    yield references
    worker.close()
    for resource in resources:
        resource.clear()


def test_the_first_visit_starts_the_reference_runs_in_the_background(hosted):
    open_page()
    open_page()
    [store] = hosted  # once per process, into the configured store
    assert store.url == RunStore(store_url()).url


def logreg_run(visitor):
    spec = model_spec(SEQUENCE_CLASSIFICATION, "logreg")
    store = RunStore(store_url())
    return train(
        SEQUENCE_CLASSIFICATION,
        "digits",
        "logreg",
        store=store,
        config=tiny_config(spec),
        visitor=visitor,
    ).run


def as_visitor(visitor, page):
    """The app on `page` in a session whose visitor id is `visitor`."""
    app = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    app.session_state["visitor"] = visitor
    app.run()
    app.switch_page(f"../pages/{page}").run()
    assert not app.exception, app.exception
    return app


def test_compare_lists_the_visitors_own_runs_and_the_shared_ones():
    shared, mine, theirs = logreg_run(None), logreg_run("me"), logreg_run("someone-else")
    app = as_visitor("me", "compare.py")
    table = app.dataframe[0].value
    listed = table["run"].tolist()
    assert sorted(listed) == sorted([shared.id, mine.id]) and theirs.id not in listed
    assert dict(zip(table["run"], table["whose"], strict=True)) == {
        shared.id: "shared",
        mine.id: "yours",
    }
    assert any("other visitors' runs are theirs alone" in text for text in readable(app.caption))


def test_epochs_start_at_the_cap_and_more_is_refused_with_a_message():
    app = open_page(PAGE)
    epochs = app.number_input(key="sequence.config.lstm.epochs")
    assert epochs.value == 10  # the LSTM's default is 40
    assert any("shared server" in caption for caption in texts(app.caption))
    epochs.set_value(11).run()
    assert any("epochs must be at most 10 on this shared server" in e for e in texts(app.error))
    assert app.button(key="train").disabled


def test_over_the_cap_a_visitor_waits_in_line_then_trains(hosted):
    other = Running()
    hosting.training_queue().submit(other)
    app = open_page(PAGE)
    app.multiselect(key="sequence.config.models").set_value([]).run()
    app.multiselect(key="sequence.config.models").select("Logistic regression (baseline)").run()
    app.button(key="train").click().run()
    assert "Waiting: 1 training ahead of yours." in texts(app.info)[0]
    job = app.session_state["training_job"]
    assert [item.status for item in job.items] == ["queued"]
    other.done = True
    app.run()  # the page asks its place: the slot is free, so the job starts
    app = wait_for_training(app)
    assert texts(app.success) == ["Logistic regression: finished."]
    [run] = RunStore(store_url()).list_runs()
    assert run.visitor == app.session_state["visitor"]
    assert len(hosted) == 1  # the training process did not start the reference runs again


def test_leaving_the_queue_skips_the_training():
    hosting.training_queue().submit(Running())
    app = open_page(PAGE)
    app.button(key="train").click().run()
    app.button(key="leave_queue").click().run()
    assert "Not started: you left the queue." in " ".join(readable(app.info))
    assert RunStore(store_url()).list_runs() == []


def test_a_link_cannot_open_another_visitors_upload():
    labels = ["good"] * 30 + ["bad"] * 30
    info = save_upload(
        "theirs.csv", [f"{label} text {i}" for i, label in enumerate(labels)], labels
    )
    app = open_page("text_classification.py", {"dataset": info.name})
    assert any("seen only by who made them" in text for text in readable(app.info))
    options = app.selectbox(key="text.dataset.name").options
    assert app.selectbox(key="text.dataset.name").value.name == "polarity"
    assert not any("theirs.csv" in option for option in options)


def test_a_bad_setting_stops_the_app_with_its_message(monkeypatch):
    monkeypatch.setenv("SEQLAB_MAX_EPOCHS", "ten")
    app = AppTest.from_file(ENTRY, default_timeout=TIMEOUT).run()
    assert not app.exception
    assert texts(app.error) == [
        "Hosted mode is misconfigured: SEQLAB_MAX_EPOCHS must be a number; got 'ten'."
    ]


def test_a_learning_curve_waits_in_the_same_line_and_can_leave_it():
    hosting.training_queue().submit(Running())
    app = open_page("compare.py")
    assert app.number_input(key="curve.epochs").value == 10  # the LSTM's cap, not its 40
    app.button(key="curve.start").click().run()
    assert "Waiting: 1 training ahead of yours." in " ".join(texts(app.info))
    app.button(key="curve.leave_queue").click().run()
    assert readable(app.error) == ["Not started: you left the queue."]
    assert app.session_state["curve_job"].done


def test_the_tensorflow_work_of_every_page_happens_in_the_model_worker():
    """Training, trying the network, the Tensors page and the perceptron's fit: all done, and
    by the worker (which only starts when asked), so the app process needs no TensorFlow."""
    worker = hosting.model_worker()
    tiny_lstm = {"models": "lstm", "lstm.epochs": "1", "lstm.units": "8", "lstm.embedding_dim": "8"}
    app = open_page("text_classification.py", link=tiny_lstm)
    app.button(key="train").click().run()
    assert worker.pid is not None
    app = wait_for_training(app)
    assert not app.exception, app.exception
    assert texts(app.success) == ["LSTM: finished."]
    [trained] = app.session_state["trained_models"]
    assert isinstance(trained.model, RemoteModel)
    app.text_area(key="text.try.text").input("a wonderful and moving film").run()
    assert not app.exception, app.exception
    assert any(text.startswith("**LSTM") for text in texts(app.markdown))

    app = open_page("tensors.py")
    assert "int32" in [metric.value for metric in app.metric]  # "3", the first example
    assert not app.error

    app = open_page("perceptron.py")
    app.number_input(key="perceptron.training.epochs").set_value(50).run()
    app.button(key="perceptron.train").click().run()
    job, _ = app.session_state["perceptron.fit_job"]  # queued, then fitted in the worker
    assert job.wait(120), "the fit did not finish"
    app.run()
    assert not app.exception, app.exception
    assert app.dataframe[0].value["parameter"].tolist() == ["W1", "b"]
    [run] = RunStore(store_url()).list_runs(task="regression")
    assert run.status == "finished" and len(run.history) > 0
