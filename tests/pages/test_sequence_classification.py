from tests.pages.helpers import open_page, readable, texts, wait_for_training

PAGE = "sequence_classification.py"
TINY_LSTM = {"epochs": 1, "units": 8, "layers": 1}


def set_settings(app, model, settings):
    for name, value in settings.items():
        app.number_input(key=f"sequence.config.{model}.{name}").set_value(value)
    return app.run()


def test_dataset_is_shown_as_a_sequence_of_rows():
    app = open_page(PAGE)
    shown = " ".join(texts(app.markdown))
    assert "1,797 images" in shown and "(batch, 8 timesteps, 8 features)" in shown
    assert "No model trained on this dataset in this session yet." in texts(app.info)


def test_zero_epochs_gets_a_clear_message_and_blocks_training():
    app = set_settings(open_page(PAGE), "lstm", {"epochs": 0})
    assert any("epochs must be at least 1" in message for message in texts(app.error))
    assert app.button(key="train").disabled
    assert not app.exception


def test_train_baseline_and_lstm_then_see_results_side_by_side():
    app = set_settings(open_page(PAGE), "lstm", TINY_LSTM)
    app.button(key="train").click().run()
    app = wait_for_training(app)
    assert not app.exception, app.exception
    assert texts(app.success) == ["Logistic regression: finished.", "LSTM: finished."]
    table = app.dataframe[0].value
    assert table["model"].tolist() == ["Logistic regression", "LSTM"]
    assert table["accuracy"].between(0, 1).all() and (table["parameters"] > 0).all()
    per_class = app.dataframe[1].value
    assert per_class.shape == (10, 2) and per_class.index.tolist() == [str(d) for d in range(10)]
    # The canvas starts blank: a clear prompt instead of predictions.
    assert "The canvas is empty: draw a digit to see the predictions." in texts(app.info)


def test_stop_right_after_start_gives_an_honest_message():
    app = open_page(PAGE)
    app.multiselect(key="sequence.config.models").set_value([]).run()
    app.multiselect(key="sequence.config.models").select("LSTM (neural)").run()
    app = set_settings(app, "lstm", {"epochs": 30, "units": 8, "layers": 1})
    app.button(key="train").click().run()
    app.button(key="stop").click().run()
    app = wait_for_training(app)
    assert not app.exception, app.exception
    # Depending on how far the child process got: not started, no batch yet, or part-trained.
    [notice] = [
        text for text in readable(app.warning) + readable(app.info) if text.startswith("LSTM:")
    ]
    assert (
        notice
        in (
            "LSTM: skipped. Not started: training was stopped.",
            "LSTM: stopped. Stopped before the first batch. Nothing was trained, so "
            "there is no model to evaluate.",
            "LSTM: stopped. Stopped while the data was loading. Nothing was trained, so "
            "there is no model to evaluate.",
            "LSTM: stopped. Stopped by request. It did not stop when asked, so its process was "
            "ended; what it had not yet recorded is lost.",
        )
        or "partially trained" in notice
    )


def test_choosing_no_model_disables_nothing_but_explains():
    app = open_page(PAGE)
    app.multiselect(key="sequence.config.models").set_value([]).run()
    app.button(key="train").click().run()
    assert "Choose at least one model to train." in texts(app.warning)


def test_an_unreachable_network_dataset_explains_instead_of_hanging(monkeypatch, tmp_path):
    from core.data import image_datasets

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(image_datasets, "_host_reachable", lambda host, port: False)
    app = open_page(PAGE)
    app.selectbox(key="sequence.dataset").select_index(2).run()
    assert not app.exception
    [warning] = texts(app.warning)
    assert "MNIST (70k) is not cached" in warning and "bundled `digits`" in warning
