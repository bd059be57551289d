from dashboard import hosting
from tests.pages.conftest import Running
from tests.pages.helpers import open_page, readable, texts

PAGE = "perceptron.py"


def test_train_with_the_seeds_settings_and_compare_with_least_squares():
    app = open_page(PAGE)
    app.button(key="perceptron.train").click().run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    assert table["parameter"].tolist() == ["W1", "b"]
    assert abs(table["gradient descent"][0] - table["least squares"][0]) < 0.01
    assert any("came within 1% at epoch" in text for text in texts(app.markdown))


def test_a_diverging_learning_rate_is_stopped_and_explained():
    app = open_page(PAGE)
    app.number_input(key="perceptron.training.learning_rate").set_value(0.05).run()
    app.button(key="perceptron.train").click().run()
    assert not app.exception
    [message] = readable(app.error)
    assert message.startswith("Diverged: the cost became") and "below 0.00385" in message


def test_bad_data_settings_get_clear_messages():
    app = open_page(PAGE)
    app.text_input(key="perceptron.data.slopes").set_value("2, x").run()
    assert any("Slopes must be numbers" in message for message in texts(app.error))
    app.text_input(key="perceptron.data.slopes").set_value("2").run()
    app.number_input(key="perceptron.data.points").set_value(1).run()
    assert any("points must be at least 2" in message for message in texts(app.error))
    assert not app.exception


def test_hosted_the_fit_waits_in_line_then_runs_in_the_model_worker(hosted_mode):
    other = Running()
    hosting.training_queue().submit(other)
    app = open_page(PAGE)
    app.button(key="perceptron.train").click().run()
    assert "Waiting: 1 training ahead of yours." in texts(app.info)[0]
    job, _ = app.session_state["perceptron.fit_job"]
    assert job.visitor == app.session_state["visitor"]
    other.done = True
    app.run()  # the page asks its place: the slot is free, so the fit starts in the worker
    assert job.wait(120), "the fit did not finish"
    app.run()
    assert not app.exception, app.exception
    assert hosted_mode.pid is not None and not job.error
    table = app.dataframe[0].value
    assert abs(table["gradient descent"][0] - table["least squares"][0]) < 0.01


def test_hosted_leaving_the_line_closes_the_run_unstarted(hosted_mode):
    hosting.training_queue().submit(Running())
    app = open_page(PAGE)
    app.button(key="perceptron.train").click().run()
    app.button(key="perceptron.leave_queue").click().run()
    assert not app.exception, app.exception
    assert "Not started: you left the queue." in readable(app.warning)
    assert hosted_mode.pid is None  # nothing ran
