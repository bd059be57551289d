"""Choose a corpus: a built-in one, a dataset's texts, or an uploaded .txt file."""

import streamlit as st

from core.data.corpora import Corpus, corpus_choices, corpus_from_upload, load_corpus
from core.data.uploads import check_upload_size, upload_size_cap_megabytes
from dashboard import url_state
from dashboard.components import attempt

UPLOAD = "upload"  # the picker's entry for an uploaded .txt file


def corpus_url_field(key: str) -> url_state.UrlField:
    """The chosen corpus in a link: `corpus=<name>` (`upload` opens the .txt uploader)."""
    return url_state.choice("corpus", key, [choice.name for choice in corpus_choices()] + [UPLOAD])


def corpus_picker(key: str) -> Corpus | None:
    """A built-in corpus, a dataset's texts or an uploaded .txt; None (explained) if unusable."""
    choices = {choice.name: choice for choice in corpus_choices()}
    name = st.selectbox(
        "Corpus",
        [*choices, UPLOAD],
        format_func=lambda name: choices[name].title if name in choices else "Upload a .txt file",
        key=key,
    )
    if name != UPLOAD:
        st.caption(choices[name].description)
        with st.spinner(f"Reading {choices[name].title}..."):
            return attempt(lambda: load_corpus(name))
    upload = st.file_uploader(
        "Plain text, UTF-8",
        type=["txt"],
        key=f"{key}.file",
        max_upload_size=upload_size_cap_megabytes(),
        help=f"Up to {upload_size_cap_megabytes()} MB. Paragraphs separated by blank "
        "lines become the documents; a file without blank lines has one document per line.",
    )
    if upload is None:
        st.info("Choose a .txt file to train on.")
        return None

    def read_corpus() -> Corpus:
        check_upload_size(upload.name, upload.size)  # before a byte of it is read
        return corpus_from_upload(upload.getvalue(), upload.name)

    return attempt(read_corpus)
