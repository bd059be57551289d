"""The sequence-labelling page under AppTest: segmentation, tagged uploads, training, try-it."""

from tests.pages.helpers import open_page, readable, texts, wait_for_training

PAGE = "sequence_labelling.py"


def tagged_file(sentences: int = 12) -> bytes:
    lines = []
    for index in range(sentences):
        lines += ["The DET", "cat NOUN", f"sat{index} VERB", ". PUNCT", ""]
    return "\n".join(lines).encode()


def upload(app, name: str, content: bytes):
    app.radio(key="labelling.data.source").set_value("Upload a tagged corpus").run()
    app.file_uploader(key="labelling.data.file").upload(name, content, "text/plain").run()
    assert not app.exception, app.exception
    return app


def test_segmentation_trains_the_baseline_and_puts_spaces_back():
    app = open_page(PAGE)
    app.selectbox(key="labelling.data.corpus").set_value("dataset:polarity").run()
    assert any("306 sentences" in text for text in texts(app.markdown))
    app.multiselect(key="labelling.config.models").set_value([]).run()
    app.multiselect(key="labelling.config.models").select(
        app.multiselect(key="labelling.config.models").options[0]
    ).run()
    app.button(key="train").click().run()
    app = wait_for_training(app)
    assert not app.exception, app.exception
    assert texts(app.success) == ["Window logistic regression: finished."]
    [table] = [frame.value for frame in app.dataframe if "word-boundary F1" in frame.value]
    assert table["word-boundary F1"].iloc[0] > 0.5
    spaced = texts(app.text)[0]
    assert spaced.replace(" ", "") == "thequickbrownfoxjumpsoverthelazydog" and " " in spaced

    app.text_input(key="labelling.try").set_value("#StayHome!").run()
    assert not app.exception, app.exception
    assert texts(app.text)[0].replace(" ", "") == "stayhome"


def test_a_tagged_upload_shows_its_tags_and_samples():
    app = upload(open_page(PAGE), "tiny.txt", tagged_file())
    assert any("12 sentences" in text and "4 tags" in text for text in texts(app.markdown))
    tags = app.dataframe[0].value
    assert sorted(tags["tag"]) == ["DET", "NOUN", "PUNCT", "VERB"]
    assert "The/DET cat/NOUN" in app.dataframe[1].value["gold"].iloc[0]


def test_bad_tagged_uploads_get_their_message_and_nothing_else():
    cases = {
        "one-tag.txt": (
            tagged_file()
            .replace(b"NOUN", b"DET")
            .replace(b"VERB", b"DET")
            .replace(b"PUNCT", b"DET"),
            "two or more tags",
        ),
        "latin1.txt": ("caf\xe9 NOUN\n".encode("latin-1"), "UTF-8"),
        "pickle.txt": (b"\x80\x04\x95" + b"\x00" * 30, "pickle"),
        "few.txt": (tagged_file(3), "10"),
    }
    for name, (content, message) in cases.items():
        app = upload(open_page(PAGE), name, content)
        shown = readable(app.error)
        assert any(message in error for error in shown), (name, shown)
        assert not app.header, name
