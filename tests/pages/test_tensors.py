from tests.pages.helpers import open_page, readable, texts

PAGE = "tensors.py"


def test_default_example_is_reported_by_tensorflow():
    app = open_page(PAGE)
    assert [metric.value for metric in app.metric] == ["0", "()", "int32"]
    app.selectbox(key="tensors.example").set_value("a 3x3x1 cube").run()
    assert [metric.value for metric in app.metric] == ["3", "(3, 3, 1)", "int32"]
    assert not app.exception


def test_ragged_and_mistyped_input_get_clear_messages():
    app = open_page(PAGE)
    app.text_area(key="tensors.text.a scalar").set_value("[[1, 2, 3], [4, 5]]").run()
    assert any("Ragged input" in message for message in texts(app.error))
    app.text_area(key="tensors.text.a scalar").set_value("[[1, 2], [3, x]]").run()
    assert any("Not a nested list of numbers" in message for message in texts(app.error))
    assert not app.exception


def test_layouts_follow_a_batch_and_refuse_a_zero_size():
    app = open_page(PAGE)
    assert "Stacked back, the batch is identical." in texts(app.caption)
    app.number_input(key="tensors.time").set_value(0).run()
    assert any("timesteps must be between 1 and 12" in message for message in texts(app.error))
    assert not app.exception


def test_a_huge_number_or_shape_gets_a_message_not_a_traceback():
    app = open_page(PAGE)
    app.text_area(key="tensors.text.a scalar").set_value("1" * 5000).run()
    assert any("has 5,000 digits" in message for message in readable(app.error))
    app.number_input(key="tensors.batch").set_value(10**9).run()
    assert "batch must be between 1 and 12 to draw; got 1,000,000,000." in readable(app.error)
    assert not app.exception


def test_typed_markdown_is_shown_as_text():
    app = open_page(PAGE)
    typed = '["[click](https://evil.example) **now**"]'
    app.text_area(key="tensors.text.a scalar").set_value(typed).run()
    (message,) = texts(app.error)
    assert r"\[click\]\(https\:\/\/evil\.example\) \*\*now\*\*" in message
    assert "[click](https://evil.example) **now**" in readable(app.error)[0]
