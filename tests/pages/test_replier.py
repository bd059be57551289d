"""The Replier page under AppTest: data sources, training the baseline, results, try-it."""

import csv
import io

from core.data.hacker_news import FetchReport
from dashboard import hosting
from tests.pages.conftest import ThreadWorker
from tests.pages.helpers import open_page, readable, texts, wait_for_training

PAGE = "replier.py"


def pairs_csv(rows: int = 120, header=("message", "reply")) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(header)
    for index in range(rows):
        writer.writerow([f"what is thing {index}?", f"thing {index} is a kind of widget {index}"])
    return stream.getvalue().encode()


def choose(app, source: str):
    app.radio(key="reply.data.source").set_value(source).run()
    assert not app.exception, app.exception
    return app


def upload(app, name: str, content: bytes):
    choose(app, "upload").file_uploader(key="reply.data.file").upload(
        name, content, "text/csv"
    ).run()
    assert not app.exception, app.exception
    return app


def test_chatterbot_trains_retrieval_and_answers_a_message():
    app = open_page(PAGE)
    assert any("1,176 distinct message -> reply pairs" in text for text in texts(app.markdown))
    models = app.multiselect(key="reply.config.models")
    models.set_value([models.options[0]]).run()  # the TF-IDF baseline alone: no TensorFlow
    app.button(key="train").click().run()
    app = wait_for_training(app)
    assert not app.exception, app.exception
    assert texts(app.success) == ["TF-IDF retrieval: finished."]
    [table] = [frame.value for frame in app.dataframe if "R@1" in frame.value]
    assert 0.1 < table["R@1"].iloc[0] <= table["R@2"].iloc[0] <= table["R@5"].iloc[0]
    assert any("Train the baseline and a neural replier" in text for text in texts(app.info))
    [wins] = [frame.value for frame in app.dataframe if "true reply" in frame.value]
    [trained] = app.session_state["trained_models"]
    assert wins["messages"].sum() == trained.run.split["test"]  # every test message, once
    [examples] = [frame.value for frame in app.dataframe if "real reply" in frame.value]
    assert len(examples) == 5

    # The default message is answered with a training reply and its evidence.
    [answers] = [
        frame.value for frame in app.dataframe if "matched training message" in frame.value
    ]
    assert answers["score"].is_monotonic_decreasing and answers["score"].iloc[0] > 0
    assert texts(app.text)[0] == answers["reply"].iloc[0]

    app.text_area(key="reply.try").set_value("   ").run()
    assert any("Type a message" in text for text in texts(app.info))
    app.text_area(key="reply.try").set_value("zzqx vvbn").run()
    assert any("No training message shares a word" in text for text in texts(app.info))


def test_an_uploaded_csv_of_pairs_becomes_a_dataset():
    app = upload(open_page(PAGE), "pairs.csv", pairs_csv())
    assert app.selectbox(key="reply.data.m").value == "message"
    assert app.selectbox(key="reply.data.r").value == "reply"
    assert any("120 distinct message -> reply pairs" in text for text in texts(app.markdown))
    assert app.header  # training is offered


def test_bad_pair_uploads_get_their_message_and_nothing_else():
    cases = {
        "latin1.csv": ("message,reply\ncaf\xe9,ok\n".encode("latin-1"), "not UTF-8"),
        "empty.csv": (b"", "empty"),
        "few.csv": (pairs_csv(rows=50), "Too few usable pairs"),
        "model.csv": (b"PK\x03\x04" + b"\x00" * 40, "ZIP"),
    }
    for name, (content, message) in cases.items():
        app = upload(open_page(PAGE), name, content)
        assert any(message in error for error in readable(app.error)), (name, readable(app.error))
        assert not app.header, name


def test_hacker_news_without_threads_says_how_to_fetch_them(monkeypatch):
    def fake_fetch(count, progress, should_stop, client):
        progress(count, count, "done")
        return FetchReport(requested=count, fetched=count, items=12, pairs=9)

    monkeypatch.setattr("core.runtime.hacker_news_jobs.fetch_threads", fake_fetch)
    monkeypatch.setattr(hosting, "model_worker", ThreadWorker)  # the job runs in this process
    app = choose(open_page(PAGE), "hacker-news")
    assert any("No Hacker News threads fetched yet" in error for error in readable(app.error))
    assert not app.header
    app.number_input(key="reply.hn_count").set_value(3)
    app.button(key="reply.hn_fetch").click().run()
    assert app.session_state["hacker_news_fetch"].wait(10)
    app.run()
    assert any("Fetched 3 of 3 threads" in text for text in texts(app.success))
