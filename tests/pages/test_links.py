"""Pages opened from a link show the link's settings, and write their settings to the URL."""

from core.data.uploaded_datasets import save_upload
from tests.pages.helpers import open_page, readable, texts


def test_sequence_classification_opens_with_the_links_settings():
    link = {"dataset": "mnist-5k", "models": "logreg,gru", "gru.epochs": "3", "seed": "7"}
    app = open_page("sequence_classification.py", link)
    assert app.selectbox(key="sequence.dataset").value.name == "mnist-5k"
    assert [spec.name for spec in app.multiselect(key="sequence.config.models").value] == [
        "logreg",
        "gru",
    ]
    assert app.number_input(key="sequence.config.gru.epochs").value == 3
    assert app.number_input(key="sequence.seed").value == 7
    assert dict(app.query_params) == link


def test_a_bad_link_value_is_ignored_with_a_notice_and_the_rest_applies():
    app = open_page("sequence_classification.py", {"dataset": "imagenet", "seed": "5"})
    [notice] = [text for text in readable(app.info) if "link" in text]
    assert notice.startswith("Ignored from the link: dataset='imagenet' (not one of digits")
    assert app.selectbox(key="sequence.dataset").value.name == "digits"
    assert app.number_input(key="sequence.seed").value == 5
    assert dict(app.query_params) == {"seed": "5"}


def test_changing_a_setting_updates_the_link_and_defaults_leave_it():
    app = open_page("sequence_classification.py")
    assert dict(app.query_params) == {}
    app.number_input(key="sequence.config.lstm.epochs").set_value(4).run()
    app.selectbox(key="sequence.dataset").select_index(1).run()
    assert dict(app.query_params) == {"lstm.epochs": "4", "dataset": "mnist-5k"}
    app.selectbox(key="sequence.dataset").select_index(0).run()
    assert dict(app.query_params) == {"lstm.epochs": "4"}
    # The link is applied once: later changes are not undone by it.
    app.number_input(key="sequence.config.lstm.epochs").set_value(5).run()
    assert app.number_input(key="sequence.config.lstm.epochs").value == 5


def test_an_upload_is_linked_by_its_id_and_opens_for_another_visitor():
    texts_ = [f"good text {index}" for index in range(30)] + [
        f"bad text {index}" for index in range(30)
    ]
    info = save_upload("mine.csv", texts_, ["good"] * 30 + ["bad"] * 30)
    app = open_page("text_classification.py", {"dataset": info.name})
    assert not app.exception, app.exception
    assert app.selectbox(key="text.dataset.name").value.name == info.name
    assert "60 texts" in " ".join(texts(app.markdown))


def test_a_link_to_an_upload_no_longer_stored_says_so():
    app = open_page("text_classification.py", {"dataset": "upload-0123456789ab"})
    assert any(
        "dataset='upload-0123456789ab' (that upload is not stored on this server)" in text
        for text in readable(app.info)
    )
    assert app.selectbox(key="text.dataset.name").value.name == "polarity"


def test_perceptron_and_tensors_restore_their_settings():
    app = open_page("perceptron.py", {"slopes": "2,-1", "optimizer": "adam", "seed": "3"})
    assert app.text_input(key="perceptron.data.slopes").value == "2,-1"
    assert app.selectbox(key="perceptron.training.optimizer").value == "adam"
    assert app.number_input(key="perceptron.seed").value == 3
    app = open_page("tensors.py", {"example": "a vector", "values.1": "[4, 5]", "batch": "3"})
    assert app.text_area(key="tensors.text.a vector").value == "[4, 5]"
    assert app.number_input(key="tensors.batch").value == 3
    assert "(2,)" in [metric.value for metric in app.metric]


def test_the_compare_page_opens_with_the_links_learning_curve_settings():
    link = {
        "curve.task": "text-classification",
        "curve.text-classification.dataset": "chatterbot-topics",
        "curve.text-classification.neural": "gru",
        "curve.fractions": "0.25,1",
        "curve.seeds": "2",
    }
    app = open_page("compare.py", link)
    assert app.selectbox(key="curve.task").value == "text-classification"
    assert app.selectbox(key="curve.dataset.text-classification").value.name == "chatterbot-topics"
    assert app.selectbox(key="curve.neural.text-classification").value.name == "gru"
    assert app.multiselect(key="curve.fractions").value == [0.25, 1.0]
    assert app.number_input(key="curve.seeds").value == 2
    assert dict(app.query_params) == link
