"""The predictive-text page under AppTest: corpus, training, comparison, keyboard, continuation."""

from dashboard.predictive_view import TEXT
from tests.pages.helpers import open_page, readable, texts, wait_for_training

PAGE = "predictive_text.py"
TINY_LSTM = {"epochs": 1, "units": 8, "embedding_dim": 8}


def test_train_ngram_and_lstm_then_type_click_and_continue():
    app = open_page(PAGE)
    assert "No language model trained on this corpus in this session yet." in texts(app.info)
    for name, value in TINY_LSTM.items():
        app.number_input(key=f"predict.config.word-lstm.{name}").set_value(value)
    app.run().button(key="train").click().run()
    app = wait_for_training(app)
    assert not app.exception, app.exception
    assert texts(app.success) == ["Kneser-Ney n-gram: finished.", "Word LSTM: finished."]
    [table] = [frame.value for frame in app.dataframe if "perplexity" in frame.value]
    assert table["perplexity"].gt(1).all() and table["top-3"].between(0, 1).all()
    assert (table["top-1"] <= table["top-3"]).all()

    # Each model offers three next words as buttons; a click appends the word to the text.
    suggestions = [button for button in app.button if button.key.startswith("suggest.")]
    assert len(suggestions) == 6
    first = suggestions[0]
    word = first.label.split()[0]
    first.click().run()
    assert not app.exception, app.exception
    assert app.session_state[TEXT] == f"{word} "
    assert any("answered in" in caption for caption in texts(app.caption))

    app.text_input[0].set_value("the prime minister said").run()
    app.button(key="continue.go").click().run()
    assert not app.exception, app.exception
    written = [text for text in texts(app.text) if text.startswith("the prime minister said ")]
    assert len(written) == 2 and all(len(text.split()) > 10 for text in written)


def test_a_non_utf8_text_upload_is_refused_with_its_reason():
    app = open_page(PAGE)
    app.selectbox(key="predict.corpus").set_value("upload").run()
    app.file_uploader(key="predict.corpus.file").upload(
        "latin1.txt", "caf\xe9 au lait".encode("latin-1"), "text/plain"
    ).run()
    assert not app.exception, app.exception
    assert any("UTF-8" in error for error in readable(app.error))
    assert not app.header  # nothing to train on
