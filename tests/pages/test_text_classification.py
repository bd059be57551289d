"""The text classification page under AppTest: bundled data, uploads, training, try-it."""

import re

from tests.pages.helpers import open_page, readable, texts, wait_for_training

PAGE = "text_classification.py"
TINY_LSTM = {"epochs": 1, "units": 8, "embedding_dim": 8}


def csv_bytes(rows: int = 30) -> bytes:
    lines = ["review,verdict"]
    for number in range(rows // 2):
        lines += [f'"loved it, great fun {number}",good', f'"dull and far too long {number}",bad']
    return ("\n".join(lines) + "\n").encode("utf-8")


def upload(app, name: str, content: bytes):
    app.radio(key="text.dataset.source").set_value("Upload a CSV/TSV").run()
    app.file_uploader(key="text.dataset.file").upload(name, content, "text/csv").run()
    assert not app.exception, app.exception
    return app


def test_bundled_dataset_shows_balance_lengths_and_samples():
    app = open_page(PAGE)
    shown = " ".join(texts(app.markdown))
    assert "200 texts" in shown and "2 classes" in shown
    lengths = app.dataframe[0].value
    assert lengths["class"].tolist() == ["neg", "pos", "all"]
    assert lengths["texts"].tolist() == [100, 100, 200]
    assert "No model trained on this dataset in this session yet." in texts(app.info)


def test_an_upload_becomes_a_dataset_with_guessed_columns():
    app = upload(open_page(PAGE), "reviews.csv", csv_bytes())
    assert app.selectbox(key="text.dataset.text_column").value == "review"
    assert app.selectbox(key="text.dataset.label_column").value == "verdict"
    assert any("30 texts in 2 classes" in caption for caption in texts(app.caption))
    assert "30 texts" in " ".join(texts(app.markdown))


def test_bad_uploads_get_their_message_and_nothing_else():
    cases = {
        "latin1.csv": ("review,verdict\ncaf\xe9 ok,good\n".encode("latin-1"), "not UTF-8"),
        "empty.csv": (b"", "empty"),
        "model.csv": (b"PK\x03\x04" + b"\x00" * 40, "ZIP"),
        "one-class.csv": (csv_bytes().replace(b",bad", b",good"), "Only one label"),
    }
    for name, (content, message) in cases.items():
        app = upload(open_page(PAGE), name, content)
        assert any(message in error for error in readable(app.error)), (name, readable(app.error))
        assert not app.header, name  # the page stops before training is offered


def test_formulas_in_an_upload_are_kept_as_text_and_noted():
    content = csv_bytes().replace(b"loved it, great fun 0", b"=HYPERLINK(1)")
    app = upload(open_page(PAGE), "formula.csv", content)
    assert any("never evaluated" in note for note in texts(app.info))
    assert not app.error


def test_train_baseline_and_lstm_browse_errors_and_try_a_text():
    app = open_page(PAGE)
    for name, value in TINY_LSTM.items():
        app.number_input(key=f"text.config.lstm.{name}").set_value(value)
    app.run().button(key="train").click().run()
    app = wait_for_training(app)
    assert not app.exception, app.exception
    assert texts(app.success) == ["TF-IDF + logistic regression: finished.", "LSTM: finished."]
    [table] = [frame.value for frame in app.dataframe if "accuracy" in frame.value]
    assert table["model"].tolist() == ["TF-IDF + logistic regression", "LSTM"]
    assert table["accuracy"].between(0, 1).all()
    assert any("wrongly classified test texts" in caption for caption in texts(app.caption))
    assert "Type a text above to see what each model says about it." in texts(app.info)

    app.text_area(key="text.try.text").input("a *wonderful* and moving film [x](y)").run()
    assert not app.exception, app.exception
    shown = texts(app.markdown)
    assert any(text.startswith("**TF\\-IDF \\+ logistic regression") for text in shown)
    [highlighted] = [text for text in shown if "-background[" in text]
    # The user's Markdown is escaped: no bold, no link; only the highlights are directives.
    plain = re.sub(r":(green|red)-background\[([^\]]*)\]", r"\2", highlighted)
    assert re.search(r"(?<!\\)[*\[\]()]", plain) is None, highlighted
    assert "\\*wonderful\\*" in plain and "\\[x\\]\\(y\\)" in plain
