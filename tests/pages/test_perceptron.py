from tests.pages.helpers import open_page, texts

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
    [message] = texts(app.error)
    assert message.startswith("Diverged: the cost became") and "below 0.02" in message


def test_bad_data_settings_get_clear_messages():
    app = open_page(PAGE)
    app.text_input(key="perceptron.data.slopes").set_value("2, x").run()
    assert any("Slopes must be numbers" in message for message in texts(app.error))
    app.text_input(key="perceptron.data.slopes").set_value("2").run()
    app.number_input(key="perceptron.data.points").set_value(1).run()
    assert any("points must be at least 2" in message for message in texts(app.error))
    assert not app.exception
