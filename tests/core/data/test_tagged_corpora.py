import json
import pickle
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.data import tagged_corpora, uploads
from core.data.tagged_corpora import (
    MAX_TOKENS_PER_SENTENCE,
    MIN_SENTENCES,
    TAGGED_PREFIX,
    TaggedCorpus,
    load_tagged_upload,
    parse_tagged_upload,
    save_tagged_upload,
)
from core.data.uploaded_datasets import uploaded_datasets
from core.data.uploads import UploadRejected
from core.errors import DatasetUnavailable, InvalidConfig

# Three sentences in the style of the UD English treebanks: a multiword token (2-3 "don't"),
# an empty node (5.1, the elided "like") and the usual comments.
CONLLU_SENTENCES = """\
# newdoc id = demo
# sent_id = demo-1
# text = I don't like green eggs.
1\tI\tI\tPRON\tPRP\tCase=Nom|Number=Sing|Person=1|PronType=Prs\t4\tnsubj\t4:nsubj\t_
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\tVBP\tMood=Ind|Tense=Pres|VerbForm=Fin\t4\taux\t4:aux\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t4:advmod\t_
4\tlike\tlike\tVERB\tVB\tVerbForm=Inf\t0\troot\t0:root\t_
5\tgreen\tgreen\tADJ\tJJ\tDegree=Pos\t6\tamod\t6:amod\t_
6\teggs\tegg\tNOUN\tNNS\tNumber=Plur\t4\tobj\t4:obj\tSpaceAfter=No
7\t.\t.\tPUNCT\t.\t_\t4\tpunct\t4:punct\t_

# sent_id = demo-2
# text = I like tea and you coffee.
1\tI\tI\tPRON\tPRP\tCase=Nom|Number=Sing|Person=1|PronType=Prs\t2\tnsubj\t2:nsubj\t_
2\tlike\tlike\tVERB\tVBP\tMood=Ind|Tense=Pres|VerbForm=Fin\t0\troot\t0:root\t_
3\ttea\ttea\tNOUN\tNN\tNumber=Sing\t2\tobj\t2:obj\t_
4\tand\tand\tCCONJ\tCC\t_\t6\tcc\t5.1:cc\t_
5\tyou\tyou\tPRON\tPRP\tCase=Nom|Person=2|PronType=Prs\t6\tnsubj\t5.1:nsubj\t_
5.1\tlike\tlike\tVERB\tVBP\t_\t_\t_\t2:conj:and\tCopyOf=2
6\tcoffee\tcoffee\tNOUN\tNN\tNumber=Sing\t2\tconj\t5.1:obj\tSpaceAfter=No
7\t.\t.\tPUNCT\t.\t_\t2\tpunct\t2:punct\t_

# sent_id = demo-3
# text = Thanks!
1\tThanks\tthanks\tNOUN\tUH\t_\t0\troot\t0:root\tSpaceAfter=No
2\t!\t!\tPUNCT\t.\t_\t1\tpunct\t1:punct\t_

"""
CONLLU = (CONLLU_SENTENCES * 4).encode()  # 12 sentences, enough to train on

WORD_TAG_SENTENCES = """\
The DET
cat NOUN
sat VERB

Dogs NOUN
bark VERB
. PUNCT

"""
WORD_TAG = (WORD_TAG_SENTENCES * 5).encode()  # 10 sentences

CONLL_2003 = (
    "-DOCSTART- -X- -X- O\n\n"
    + "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\ncall NN I-NP O\n\n" * 5
    + "-DOCSTART- -X- -X- O\n\n"
    + "Peter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n\n" * 5
).encode()


def word_tag_bytes(sentences: list[list[tuple[str, str]]]) -> bytes:
    return "\n\n".join("\n".join(f"{w} {t}" for w, t in s) for s in sentences).encode() + b"\n"


def assert_consistent(corpus: TaggedCorpus) -> None:
    assert corpus.name.startswith(TAGGED_PREFIX)
    assert corpus.format in ("conllu", "word-tag")
    assert len(corpus.sentences) == len(corpus.tags) >= MIN_SENTENCES
    assert len(corpus.tag_names) >= 2
    assert list(corpus.tag_names) == sorted(set(corpus.tag_names))
    for words, tags in zip(corpus.sentences, corpus.tags, strict=True):
        assert 1 <= len(words) == len(tags) <= MAX_TOKENS_PER_SENTENCE
        assert all(isinstance(word, str) and word for word in words)
        assert all(0 <= tag < len(corpus.tag_names) for tag in tags)
    assert {tag for tags in corpus.tags for tag in tags} == set(range(len(corpus.tag_names)))


# CoNLL-U.


def test_conllu_words_and_upos_tags_without_multiword_tokens_or_empty_nodes():
    corpus = parse_tagged_upload(CONLLU, "en_demo.txt")
    assert corpus.format == "conllu"
    assert corpus.title == "en_demo.txt"
    assert len(corpus.sentences) == 12
    assert corpus.sentences[:3] == (
        ("I", "do", "n't", "like", "green", "eggs", "."),
        ("I", "like", "tea", "and", "you", "coffee", "."),
        ("Thanks", "!"),
    )
    assert corpus.tag_names == ("ADJ", "AUX", "CCONJ", "NOUN", "PART", "PRON", "PUNCT", "VERB")
    assert [corpus.tag_names[tag] for tag in corpus.tags[2]] == ["NOUN", "PUNCT"]
    assert corpus.notes == (
        "Empty node lines (IDs such as 1.1) skipped: 4.",
        "Multiword token lines (IDs such as 1-2) skipped, their words kept: 4.",
    )
    assert_consistent(corpus)


def test_conllu_xpos_tags():
    corpus = parse_tagged_upload(CONLLU, "en_demo.conllu", tag_field="xpos")
    assert [corpus.tag_names[tag] for tag in corpus.tags[0]] == [
        "PRP", "VBP", "RB", "VB", "JJ", "NNS", ".",
    ]  # fmt: skip


def test_unknown_tag_field():
    with pytest.raises(InvalidConfig, match="'upos' or 'xpos'"):
        parse_tagged_upload(CONLLU, "en_demo.conllu", tag_field="deprel")


def test_a_few_sentences_without_a_tag_are_left_out_with_a_note():
    untagged = CONLLU_SENTENCES.replace("\tPRP\tCase=Nom|Number=Sing|Person=1", "\t_\tCase=Nom", 1)
    corpus = parse_tagged_upload((untagged + CONLLU_SENTENCES * 4).encode(), "a.conllu", "xpos")
    assert len(corpus.sentences) == 14
    assert (
        corpus.notes[-1]
        == "Sentences left out for a word whose XPOS is _ (the first on line 4): 1."
    )


def test_a_tag_column_mostly_empty_is_rejected():
    no_xpos = "\n".join(
        "\t".join(cells[:4] + ["_"] + cells[5:]) if len(cells := line.split("\t")) == 10 else line
        for line in CONLLU_SENTENCES.splitlines()
    )
    with pytest.raises(
        UploadRejected,
        match=r"3 of 3 sentences .* XPOS is _ \(the first on line 4\)\. .* UPOS column",
    ):
        parse_tagged_upload(no_xpos.encode(), "a.conllu", tag_field="xpos")


def conllu_with_line_4(line: str) -> bytes:
    lines = CONLLU.decode().splitlines()
    return "\n".join(lines[:3] + [line] + lines[4:]).encode()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1a\tI\tI\tPRON\tPRP\t_\t4\tnsubj\t_\t_", r"ID column on line 4 .* holds '1a'; .* 1-2"),
        ("3-2\tI\tI\tPRON\tPRP\t_\t4\tnsubj\t_\t_", r"ID column on line 4 .* holds '3-2'"),
        ("1\tI\tI\tPRON\tPRP\t_\tfour\tnsubj\t_\t_", r"HEAD column on line 4 .* holds 'four'"),
        ("1\tI\tI\tPRON\tPRP\t_\t4\tnsubj\t_", r"Line 4 of 'a.conllu' has 9 tab-separated columns"),
        ("1 I I PRON PRP _ 4 nsubj _ _", r"Line 4 of 'a.conllu' has 1 tab-separated columns"),
        ("1\tI\t\tPRON\tPRP\t_\t4\tnsubj\t_\t_", r"LEMMA column on line 4 .* is empty"),
        ("1\tI  me\tI\tPRON\tPRP\t_\t4\tnsubj\t_\t_", r"FORM column on line 4 .* two spaces"),
    ],
)
def test_malformed_conllu_lines_are_named(line, message):
    with pytest.raises(UploadRejected, match=message):
        parse_tagged_upload(conllu_with_line_4(line), "a.conllu")


def test_a_conllu_file_name_means_conllu_even_when_the_first_line_is_not():
    with pytest.raises(UploadRejected, match="Line 1 of 'a.conllu' has 2 tab-separated columns"):
        parse_tagged_upload(WORD_TAG.replace(b" ", b"\t"), "a.conllu")


def test_comments_only():
    with pytest.raises(UploadRejected, match="'a.conllu' has no tagged sentences"):
        parse_tagged_upload(b"# newdoc id = empty\n# text = nothing here\n", "a.conllu")


# One word and its tag per line.


def test_word_tag_lines():
    corpus = parse_tagged_upload(WORD_TAG.replace(b"\n", b"\r\n"), "pos.txt")
    assert corpus.format == "word-tag"
    assert corpus.sentences[:2] == (("The", "cat", "sat"), ("Dogs", "bark", "."))
    assert corpus.tag_names == ("DET", "NOUN", "PUNCT", "VERB")
    assert corpus.tags[:2] == ((0, 1, 3), (1, 3, 2))
    assert corpus.notes == ()
    assert_consistent(corpus)


def test_conll_2003_takes_the_first_and_last_columns_and_skips_docstart():
    corpus = parse_tagged_upload(CONLL_2003, "eng.train")
    assert corpus.sentences[0] == ("EU", "rejects", "German", "call")
    assert [corpus.tag_names[tag] for tag in corpus.tags[0]] == ["B-ORG", "O", "B-MISC", "O"]
    assert corpus.tag_names == ("B-MISC", "B-ORG", "B-PER", "I-PER", "O")
    assert corpus.notes == (
        "-DOCSTART- lines skipped: 2.",
        "Lines of 4 fields read as the word (first) and tag (last): 30.",
    )


def test_tabs_and_extra_blank_lines_between_sentences():
    raw = b"\n\n" + WORD_TAG.replace(b" ", b"\t").replace(b"\n\n", b"\n \n\t\n")
    assert (
        parse_tagged_upload(raw, "pos.tsv").sentences
        == parse_tagged_upload(WORD_TAG, "pos.txt").sentences
    )


# What is rejected, and the message that says why.


def test_a_line_with_one_field_is_named():
    raw = WORD_TAG.replace(b"cat NOUN\n", b"cat\n", 1)
    with pytest.raises(UploadRejected, match=r"Line 2 of 'pos.txt' holds only 'cat': .* tag"):
        parse_tagged_upload(raw, "pos.txt")


def test_docstart_lines_alone():
    with pytest.raises(UploadRejected, match="has no tagged sentences"):
        parse_tagged_upload(b"-DOCSTART- -X- -X- O\n\n-DOCSTART- -X- -X- O\n", "eng.train")


def test_too_few_sentences():
    with pytest.raises(
        UploadRejected, match=f"only 2 tagged sentences; .* at least {MIN_SENTENCES}"
    ):
        parse_tagged_upload(WORD_TAG_SENTENCES.encode(), "pos.txt")


def test_a_single_tag():
    raw = "\n\n".join(f"word{i} X\nmore X" for i in range(12)).encode()
    with pytest.raises(
        UploadRejected, match="Every word in 'pos.txt' has the tag 'X'; .* two or more"
    ):
        parse_tagged_upload(raw, "pos.txt")


def test_a_sentence_over_the_length_cap_names_its_first_line():
    long_sentence = [(f"w{i}", "NOUN" if i % 2 else "VERB") for i in range(501)]
    raw = word_tag_bytes([[("Hi", "INTJ")]] * 3 + [long_sentence] + [[("Hi", "INTJ")]] * 10)
    with pytest.raises(UploadRejected, match="starting on line 7 .* has 501 words; .* at most 500"):
        parse_tagged_upload(raw, "pos.txt")


def test_too_many_tags_suggests_the_wrong_column():
    raw = word_tag_bytes([[("word", f"word{i}")] for i in range(201)])  # words as tags
    with pytest.raises(
        UploadRejected, match="201 different tags, more than the 200 .* wrong column"
    ):
        parse_tagged_upload(raw, "pos.txt")


def test_too_many_words(monkeypatch):
    monkeypatch.setattr(tagged_corpora, "MAX_TOKENS", 25)
    with pytest.raises(UploadRejected, match=r"more than 25 words \(reached on line 33\)"):
        parse_tagged_upload(WORD_TAG, "pos.txt")


def test_over_the_upload_size_cap(monkeypatch):
    monkeypatch.setattr(uploads, "upload_size_cap_bytes", lambda: 100)
    with pytest.raises(UploadRejected, match="over the 100 bytes upload limit"):
        parse_tagged_upload(WORD_TAG, "pos.txt")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", r"empty \(0 bytes\)"),
        (b"\n \n\t\n", "no words"),
        (b"caf\xe9 NOUN\n", r"not UTF-8 text: byte offset 3 \(line 1, after 'caf'\) holds 0xE9"),
        (b"The DET\ncat NOUN\x00\n", "NUL bytes"),
        (b"PK\x03\x04" + bytes(30), "ZIP archive"),
        ("The DET\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_the_checks_every_upload_goes_through(raw, message):
    with pytest.raises(UploadRejected, match=message):
        parse_tagged_upload(raw, "pos.txt")


class CreatesFileWhenUnpickled:
    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return Path.touch, (self.path,)


def test_a_pickle_is_rejected_and_never_unpickled(tmp_path):
    canary = tmp_path / "unpickled"
    with pytest.raises(UploadRejected, match="Python pickle"):
        parse_tagged_upload(pickle.dumps(CreatesFileWhenUnpickled(canary)), "corpus.conllu")
    assert not canary.exists()


# Storing and reloading by name.


def test_to_dict_round_trips_through_json():
    corpus = parse_tagged_upload(CONLLU, "en_demo.conllu")
    assert TaggedCorpus.from_dict(json.loads(json.dumps(corpus.to_dict()))) == corpus


def test_saved_corpus_reloads_by_name_and_is_not_a_labelled_text_upload():
    corpus = parse_tagged_upload(CONLL_2003, "eng.train")
    name = save_tagged_upload(corpus)
    assert name == corpus.name
    assert load_tagged_upload(name) == corpus
    assert save_tagged_upload(parse_tagged_upload(CONLL_2003, "copy.train")) == name
    assert load_tagged_upload(name).title == "eng.train"
    assert uploaded_datasets() == []


def test_the_name_depends_on_the_tags_read():
    upos, xpos = (parse_tagged_upload(CONLLU, "a.conllu", field) for field in ("upos", "xpos"))
    assert upos.name != xpos.name


@pytest.mark.parametrize("name", [TAGGED_PREFIX + "0123456789ab", TAGGED_PREFIX + "../../x"])
def test_loading_an_unknown_name(name):
    with pytest.raises(DatasetUnavailable, match="Upload the file again|not the name"):
        load_tagged_upload(name)


# Fuzzing: whatever is uploaded, the only exception is UploadRejected, and what is accepted holds
# together.


def parse_or_reject(raw: bytes, filename: str) -> None:
    try:
        corpus = parse_tagged_upload(raw, filename)
    except UploadRejected:
        return
    assert_consistent(corpus)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(["fuzz.txt", "fuzz.conllu"]))
def test_any_bytes_give_a_corpus_or_a_rejection(raw, filename):
    parse_or_reject(raw, filename)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["fuzz.txt", "fuzz.conllu"]))
def test_any_text_gives_a_corpus_or_a_rejection(text, filename):
    parse_or_reject(text.encode(), filename)


def conllu_line(token_id: str, form: str, upos: str, head: str, deps: str = "_") -> str:
    return "\t".join([token_id, form, "_", upos, "_", "_", head, "dep", deps, "_"])


forms = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Z")), min_size=1)
good_lines = st.builds(
    conllu_line,
    st.sampled_from(["1", "2", "3", "4", "1-2", "1.1"]),
    forms,
    st.sampled_from(["NOUN", "VERB", "PRON", "DET", "ADP", "PUNCT", "X Y", "_"]),
    st.sampled_from(["0", "1", "2", "_"]),
    st.sampled_from(["_", "0:root", "1.1:obj|2:nsubj"]),
) | st.sampled_from(["# sent_id = 1", "#", "# global.columns = ID FORM", " # text = x"])
cells = st.sampled_from(["_", "", " ", "x  y", "NOUN", "1", "-1"]) | st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6
)
# The IDs, heads and columns that CoNLL-U files get wrong.
bad_lines = st.lists(cells, min_size=1, max_size=11).map("\t".join) | st.builds(
    conllu_line,
    st.sampled_from(["2-1", "0.1", "01", "_", "a", "1-2-3", "-1"]),
    forms,
    st.sampled_from(["NOUN", "VERB"]),
    st.sampled_from(["x", "-1", "1.1", "01"]),
    st.sampled_from(["bad:", "0:", "1:x:y"]),
)


@st.composite
def conllu_sentences(draw) -> str:
    """A sentence of well-formed lines, now and then with one bad line among them."""
    lines = draw(st.lists(good_lines, min_size=1, max_size=6))
    if draw(st.integers(0, 30)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(bad_lines))
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(conllu_sentences(), min_size=MIN_SENTENCES, max_size=20),
    st.sampled_from(["\n\n", "\n \n", "\r\n\r\n"]),
    st.sampled_from(["fuzz.txt", "fuzz.conllu"]),
)
def test_conllu_like_text_gives_a_corpus_or_a_rejection(sentences, separator, filename):
    parse_or_reject(separator.join(sentences).encode(), filename)


# A file starting "%PDF-" is taken for a PDF, so words here never hold a "%".
words = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"),
        exclude_characters="%\ufeff",
    ),
    min_size=1,
    max_size=8,
).filter(lambda word: not any(c.isspace() for c in word) and word != "-DOCSTART-")
tags = st.sampled_from(["NOUN", "VERB", "B-PER", "I-PER", "O", "$", "PRP$", "ADJ"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.tuples(words, tags), min_size=1, max_size=8), min_size=10, max_size=14),
    st.sampled_from([" ", "\t", "   "]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_generated_word_tag_corpora_parse_back_exactly(sentences, separator, newline):
    tag_names = sorted({tag for sentence in sentences for _, tag in sentence})
    assume(len(tag_names) >= 2)
    raw = (newline * 2).join(
        newline.join(f"{word}{separator}{tag}" for word, tag in sentence) for sentence in sentences
    )
    corpus = parse_tagged_upload(raw.encode(), "generated.txt")
    assert corpus.format == "word-tag"
    assert corpus.sentences == tuple(tuple(word for word, _ in s) for s in sentences)
    assert corpus.tag_names == tuple(tag_names)
    assert corpus.tags == tuple(tuple(tag_names.index(t) for _, t in s) for s in sentences)
    assert corpus.notes == ()
