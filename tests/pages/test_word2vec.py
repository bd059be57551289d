"""The word2vec page under AppTest: a tiny model on Lee, its queries, uploads and errors."""

import re
import time

from core.data.corpora import load_corpus
from core.data.datasets import load_dataset
from dashboard import hosting
from tests.pages.conftest import Running
from tests.pages.helpers import open_page, texts

PAGE = "word2vec.py"
JOB = "word2vec.job"


def errors(app) -> list[str]:
    """The error messages as a reader sees them: the page escapes Markdown in them."""
    return [re.sub(r"\\(.)", r"\1", message) for message in texts(app.error)]


def train(app, epochs: int = 3):
    app.number_input(key="word2vec.settings.epochs").set_value(epochs).run()
    app.button(key="word2vec.train").click().run()
    assert not app.exception, app.exception
    return app.session_state[JOB]


def trained_page(epochs: int = 1):
    app = open_page(PAGE)
    assert train(app, epochs).wait(120), "training did not finish"
    app.run()
    assert not app.exception, app.exception
    return app


def test_lee_corpus_statistics_and_vocabulary_at_min_count():
    app = open_page(PAGE)
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics == {"Documents": "300", "Words": "58,157", "Distinct words": "6,986"}
    assert any("the vocabulary has **1,750** of the 6,986" in text for text in texts(app.caption))


def test_train_a_tiny_model_then_query_it():
    app = trained_page()
    [message] = texts(app.success)
    assert message.startswith("Trained 1 epoch (1,750 words, 100 dimensions, skip-gram")
    assert [tab.label for tab in app.tabs] == [
        "Neighbours",
        "Analogies",
        "Similarity",
        "Map",
        "Evaluation",
        "Download",
    ]
    vocabulary = app.session_state[JOB].result.vectors.key_to_index

    app.text_input(key="word2vec.word").set_value("Government").run()
    neighbours = app.dataframe[0].value
    assert len(neighbours) == 10 and all(word in vocabulary for word in neighbours["word"])
    assert neighbours["cosine similarity"].is_monotonic_decreasing

    for name, word in zip("abc", ("police", "fire", "government"), strict=True):
        app.text_input(key=f"word2vec.analogy.{name}").set_value(word)
    app.run()
    assert len(app.dataframe[0].value) == 10  # the neighbours table is the same, then this one
    assert len(app.dataframe[1].value) == 10

    app.text_input(key="word2vec.similar.first").set_value("war")
    app.text_input(key="word2vec.similar.second").set_value("peace").run()
    similarity = float(next(m.value for m in app.metric if m.label == "Cosine similarity"))
    assert -1 <= similarity <= 1

    assert not app.exception
    evaluation = " ".join(texts(app.markdown))
    assert "learnt from 58,157 words" in evaluation and "of the 19,544 questions" in evaluation


def test_an_unknown_word_gets_a_message_with_close_spellings_not_a_traceback():
    app = trained_page()
    app.text_input(key="word2vec.word").set_value("goverment").run()
    assert not app.exception
    assert any(
        "is not in the vocabulary" in message and "government" in message for message in errors(app)
    )


def test_the_map_highlights_a_word_and_its_neighbours_in_pca_and_tsne():
    app = trained_page()
    app.text_input(key="word2vec.map.word").set_value("police").run()
    app.radio(key="word2vec.map.method").set_value("tsne")
    app.radio(key="word2vec.map.dimensions").set_value(3).run()
    assert not app.exception, app.exception
    assert any("words; hover a point" in caption for caption in texts(app.caption))


def test_stop_keeps_the_epochs_done_and_the_explorer():
    app = open_page(PAGE)
    job = train(app, epochs=500)
    deadline = time.monotonic() + 60
    while not job.history and time.monotonic() < deadline:
        time.sleep(0.1)
    app.run()
    app.button(key="word2vec.stop").click().run()
    assert job.wait(60)
    app.run()
    [message] = texts(app.warning)
    assert message.startswith(f"Stopped after {job.result.epochs_completed} of 500 epochs")
    assert 0 < job.result.epochs_completed < 500
    app.text_input(key="word2vec.word").set_value("police").run()
    assert len(app.dataframe[0].value) == 10


def test_a_min_count_above_every_word_is_explained():
    app = open_page(PAGE)
    app.number_input(key="word2vec.settings.min_count").set_value(100_000).run()
    assert "No word appears min_count times: lower it before training." in texts(app.warning)
    assert train(app).wait(60)
    app.run()
    assert any("lower it" in message for message in errors(app))
    assert not app.exception


def upload(app, name: str, content: bytes):
    app.selectbox(key="word2vec.corpus").set_value("upload").run()
    app.file_uploader(key="word2vec.corpus.file").upload(name, content, "text/plain").run()
    assert not app.exception, app.exception
    return app


def test_an_uploaded_text_is_split_into_paragraphs():
    text = "The cat sat on the mat.\n\nThe dog slept on the rug.\n\nThe end."
    app = upload(open_page(PAGE), "story.txt", text.encode())
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Documents"] == "3" and metrics["Words"] == "14"


def test_empty_and_non_utf8_uploads_are_rejected_with_the_reason():
    app = upload(open_page(PAGE), "empty.txt", b"")
    assert any("is empty (0 bytes)" in message for message in errors(app))
    app = upload(open_page(PAGE), "latin.txt", "café crème".encode("cp1252"))
    assert any("is not UTF-8 text" in message for message in errors(app))
    assert app.button(key="word2vec.train").disabled


def test_a_dataset_whose_pack_is_missing_says_how_to_fetch_it(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQLAB_PACKS_DIR", str(tmp_path))
    load_dataset.cache_clear()
    load_corpus.cache_clear()
    app = open_page(PAGE)
    app.selectbox(key="word2vec.corpus").set_value("dataset:sms-spam").run()
    load_dataset.cache_clear()
    assert not app.exception
    assert any("not fetched yet" in message for message in errors(app))


def test_hosted_training_waits_in_line_then_runs_in_the_model_worker(hosted_mode):
    other = Running()
    hosting.training_queue().submit(other)
    app = open_page(PAGE)
    job = train(app, epochs=1)
    assert "Waiting: 1 training ahead of yours." in texts(app.info)[0]
    assert hosted_mode.pid is None  # nothing runs while the job waits
    other.done = True
    app.run()  # the page asks its place: the slot is free, so the job starts in the worker
    assert job.wait(120), "training did not finish"
    assert hosted_mode.pid is not None and job.visitor == app.session_state["visitor"]
    app.run()
    assert texts(app.success)[0].startswith("Trained 1 epoch (1,750 words")
    app.text_input(key="word2vec.word").set_value("police").run()
    assert len(app.dataframe[0].value) == 10
