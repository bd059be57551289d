"""Word2vec: train word vectors on a corpus, then explore and evaluate them."""

import streamlit as st

from core.models.word2vec import Word2VecConfig
from dashboard import url_state
from dashboard.components import settings_url_fields
from dashboard.corpus_picker import corpus_picker, corpus_url_field
from dashboard.word2vec_explorer import explorer
from dashboard.word2vec_view import (
    corpus_summary,
    current_job,
    train_button,
    training_monitor,
    training_outcome,
    training_settings,
)

st.title("Word2vec")
st.caption(
    "Word vectors learnt by gensim's Word2Vec from which words occur near which: train on a "
    "corpus, then look up neighbours, analogies and similarities, map the vocabulary, and "
    "see how the vectors score on standard word-similarity and analogy benchmarks."
)
url_state.sync(
    "word2vec",
    [
        corpus_url_field("word2vec.corpus"),
        *settings_url_fields(Word2VecConfig(), "word2vec.settings"),
    ],
)
st.header("Corpus")
corpus = corpus_picker(key="word2vec.corpus")
stats = corpus_summary(corpus) if corpus is not None else None

st.header("Training")
config = training_settings(stats)
train_button(corpus, config)
job = current_job()
if job is not None and not job.done:
    training_monitor(job)
elif job is not None:
    training_outcome(job)
    if job.result is not None:
        st.header("Explore")
        explorer(job)
