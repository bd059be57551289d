"""Predictive text: an n-gram baseline and LSTM language models, side by side as a keyboard."""

import streamlit as st

from core.data.corpora import Corpus
from core.task_names import TEXT_PREDICTION
from dashboard.corpus_picker import corpus_picker, corpus_url_field
from dashboard.predictive_view import comparison, continuation, keyboard
from dashboard.task_page import task_page


def corpus_overview(corpus: Corpus) -> Corpus:
    """How the corpus is split and read, under the picker."""
    st.caption(
        f"{len(corpus.documents):,} documents, split by whole document into train (80%), "
        "validation (10%) and test (10%); one vocabulary of the 10,000 most frequent training "
        "words (seen at least twice) serves every model."
    )
    return corpus


st.title("Predictive text")
st.caption(
    "Does an LSTM suggest the next word better than counting n-grams? Train both on a corpus, "
    "compare them on held-out documents, then type and watch their suggestions."
)
*_, trained = task_page(
    TEXT_PREDICTION,
    "predict",
    data_fields=[corpus_url_field("predict.corpus")],
    choose=lambda: corpus_picker(key="predict.corpus"),
    overview=corpus_overview,
    results=lambda models, _: comparison(models),
    nothing_trained="No language model trained on this corpus in this session yet.",
)
st.header("Try it")
keyboard(trained)
st.subheader("Continue a prompt")
continuation(trained)
