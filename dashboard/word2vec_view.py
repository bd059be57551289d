"""The word2vec page's parts: the corpus, training in the background, and the explorer tabs.

Session state: this page keeps its own single key, JOB (the visitor's latest Word2VecJob,
whose `result` holds the trained vectors), here rather than in dashboard/state.py because no
other page reads it.
"""

import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.configs import with_overrides
from core.corpora import Corpus, corpus_choices, corpus_from_upload, load_corpus
from core.errors import UserFacingError
from core.uploads import MEGABYTE, upload_size_cap_bytes
from core.word2vec import (
    AnalogyScores,
    CorpusStats,
    Evaluation,
    Projection,
    TrainedWord2Vec,
    Word2VecConfig,
    Word2VecJob,
    analogy,
    corpus_stats,
    example_words,
    nearest,
    projection,
    similarity,
    vectors_text,
)
from dashboard.charts import PALETTE
from dashboard.components import settings_form, validated

JOB = "word2vec.job"  # session_state: the visitor's latest training job and its vectors
UPLOAD = "upload"  # the corpus picker's entry for an uploaded .txt file
NEIGHBOURS_ON_MAP = 10
GOOGLE_NEWS_WORDS = 6e9  # the corpus behind questions-words' published results
MAP_STYLES = {  # role: legend entry, colour, marker size
    "other": ("words", "#9aa5b1", 5),
    "neighbour": ("nearest neighbours", PALETTE[0], 9),
    "searched": ("searched word", PALETTE[1], 14),
}
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE"}
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def _plain(text: str) -> str:
    """`text` escaped so Markdown shows it as typed: words and file names come from users."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _attempt(compute: Callable[[], Any]) -> Any | None:
    """What `compute` returns, or None after showing its UserFacingError's message."""
    try:
        return compute()
    except UserFacingError as error:
        st.error(_plain(str(error)))
        return None


def corpus_picker(key: str = "word2vec.corpus") -> Corpus | None:
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
            return _attempt(lambda: load_corpus(name))
    upload = st.file_uploader(
        "Plain text, UTF-8",
        type=["txt"],
        key=f"{key}.file",
        help=f"Up to {upload_size_cap_bytes() // MEGABYTE} MB. Paragraphs separated by blank "
        "lines become the documents; a file without blank lines has one document per line.",
    )
    if upload is None:
        st.info("Choose a .txt file to train on.")
        return None
    return _attempt(lambda: corpus_from_upload(upload.getvalue(), upload.name))


@st.cache_data(max_entries=16, show_spinner="Counting words...")
def _stats(name: str, _corpus: Corpus) -> CorpusStats:
    """Counted once per corpus: an upload's name holds a digest of its content."""
    return corpus_stats(_corpus)


def corpus_summary(corpus: Corpus) -> CorpusStats:
    stats = _stats(corpus.name, corpus)
    columns = st.columns(3)
    columns[0].metric("Documents", f"{stats.documents:,}")
    columns[1].metric("Words", f"{stats.tokens:,}")
    columns[2].metric("Distinct words", f"{len(stats.word_counts):,}")
    st.caption(
        f"Source: {_plain(corpus.source)}. Words are lower-cased runs of 2 to 30 letters; "
        "numbers and punctuation are dropped."
    )
    return stats


def training_settings(stats: CorpusStats | None) -> Word2VecConfig | None:
    values = settings_form(Word2VecConfig(), key="word2vec.settings")
    config = validated("Settings", lambda: with_overrides(Word2VecConfig(), values))
    if config is not None and stats is not None:
        size = stats.vocabulary(config.min_count)
        st.caption(
            f"With min_count {config.min_count} the vocabulary has **{size:,}** of the "
            f"{len(stats.word_counts):,} distinct words."
        )
        if not size:
            st.warning("No word appears min_count times: lower it before training.")
    return config


def current_job() -> Word2VecJob | None:
    return st.session_state.get(JOB)


def train_button(corpus: Corpus | None, config: Word2VecConfig | None) -> None:
    job = current_job()
    busy = job is not None and not job.done
    disabled = busy or corpus is None or config is None
    if st.button("Train", type="primary", disabled=disabled, key="word2vec.train"):
        st.session_state[JOB] = Word2VecJob(corpus, config).start()
        st.rerun()


def _loss_figure(history: list[dict]) -> go.Figure:
    points = [record for record in history if record["loss"] is not None]
    figure = go.Figure(
        go.Scatter(
            x=[record["epoch"] for record in points],
            y=[record["loss"] for record in points],
            mode="lines+markers",
        )
    )
    figure.update_layout(
        xaxis=dict(title="epoch", tickformat="d", dtick=max(1, len(history) // 10)),
        yaxis_title="loss per word",
        height=260,
        margin=dict(l=0, r=0, t=10, b=0),
    )
    return figure


@st.fragment(run_every=0.5)
def training_monitor(job: Word2VecJob) -> None:
    """Progress per epoch, the live loss curve and Stop, refreshed twice a second."""
    if job.done:
        st.rerun(scope="app")
    history, total = list(job.history), job.config.epochs
    if job.phase == "training" and history:
        last = history[-1]
        text = (
            f"Epoch {len(history)}/{total}: {last['seconds']:.2f} s, "
            f"{last['words_per_second']:,.0f} words/s"
        )
    else:
        text = job.phase.capitalize() + "..."
    st.progress(len(history) / total, text=text)
    if history:
        st.plotly_chart(_loss_figure(history), key="word2vec.live_loss")
    stopping = job.stop_requested
    st.button(
        "Stopping after this epoch..." if stopping else "Stop",
        on_click=job.request_stop,
        disabled=stopping or job.phase != "training",
        key="word2vec.stop",
        help="Stops at the end of the current epoch; the vectors learnt so far are kept.",
    )


def training_outcome(job: Word2VecJob) -> None:
    if job.error:
        st.error(_plain(job.error))
        return
    trained = job.result
    seconds = sum(record["seconds"] for record in trained.history)
    summary = (
        f"{len(trained.vectors):,} words, {trained.config.vector_size} dimensions, "
        f"{trained.config.architecture}, {seconds:.1f} s of training"
    )
    if trained.stopped:
        st.warning(
            f"Stopped after {trained.epochs_completed} of {trained.config.epochs} epochs "
            f"({summary}): the vectors below are what was learnt so far."
        )
    else:
        st.success(f"Trained {trained.epochs_completed} epochs ({summary}).")
    with st.expander("Loss per epoch"):
        st.plotly_chart(_loss_figure(trained.history), key="word2vec.final_loss")
        st.caption(
            "gensim's training loss per word: how badly the model tells the true context words "
            "from random ones (lower is better)."
        )


def _similarity_table(pairs: list[tuple[str, float]], column: str) -> None:
    st.dataframe(
        pd.DataFrame(pairs, columns=["word", column]),
        hide_index=True,
        column_config={column: st.column_config.NumberColumn(format="%.3f")},
    )


def neighbours_tab(vectors, examples: list[str]) -> None:
    left, right = st.columns([3, 1])
    word = left.text_input("Word", key="word2vec.word", placeholder=", ".join(examples[:1]))
    topn = int(right.number_input("How many", 1, 100, 10, key="word2vec.topn"))
    if examples:
        st.caption(f"Frequent words to try: {_plain(', '.join(examples))}.")
    if word.strip():
        found = _attempt(lambda: nearest(vectors, word, topn))
        if found:
            _similarity_table(found, "cosine similarity")


def analogy_tab(vectors) -> None:
    st.caption(
        "A - B + C: the word that is to C what A is to B. king - man + woman should give "
        "queen, but only vectors learnt from far more text than these corpora get it right "
        "(see Evaluation)."
    )
    columns = st.columns(3)
    words = [
        column.text_input(label, key=f"word2vec.analogy.{name}", placeholder=example)
        for column, label, name, example in zip(
            columns,
            ("A", "minus B", "plus C"),
            ("a", "b", "c"),
            ("king", "man", "woman"),
            strict=True,
        )
    ]
    if all(word.strip() for word in words):
        found = _attempt(lambda: analogy(vectors, *words, topn=10))
        if found:
            _similarity_table(found, "cosine similarity to A - B + C")


def similarity_tab(vectors, examples: list[str]) -> None:
    left, right = st.columns(2)
    first, second = (
        column.text_input(label, key=f"word2vec.similar.{name}", placeholder=example)
        for column, label, name, example in zip(
            (left, right),
            ("First word", "Second word"),
            ("first", "second"),
            [*examples[:2], "", ""][:2],
            strict=True,
        )
    )
    if first.strip() and second.strip():
        value = _attempt(lambda: similarity(vectors, first, second))
        if value is not None:
            st.metric("Cosine similarity", f"{value:.3f}")
            st.caption(
                "1: the vectors point the same way (the words occur in the same contexts); "
                "0: unrelated; below 0: rarer, and not the same as opposite meanings."
            )


@st.cache_data(max_entries=8, show_spinner="Placing the words on the map...")
def _projection(
    model_id: str, _vectors, words: tuple[str, ...], method: str, dimensions: int, seed: int
) -> Projection:
    """Cached per trained model (its id) and word list: t-SNE takes seconds."""
    return projection(_vectors, list(words), method=method, dimensions=dimensions, seed=seed)


def _map_figure(
    mapped: Projection, axis: str, searched: str | None, neighbours: list[str]
) -> go.Figure:
    """Every word as a grey point named on hover; the searched word and its neighbours named."""
    roles = {word: "neighbour" for word in neighbours}
    if searched:
        roles[searched] = "searched"
    three_d = mapped.coordinates.shape[1] == 3
    figure = go.Figure()
    for role, (name, color, size) in MAP_STYLES.items():
        rows = [
            index for index, word in enumerate(mapped.words) if roles.get(word, "other") == role
        ]
        if not rows:
            continue
        points = mapped.coordinates[rows]  # (words, dimensions)
        trace = dict(
            mode="markers" if role == "other" else "markers+text",
            text=None if role == "other" else [mapped.words[index] for index in rows],
            textposition="top center",
            textfont=dict(color="#262730", size=15 if role == "searched" else 12),
            hovertext=[f"{mapped.words[index]}: {mapped.counts[index]:,} times" for index in rows],
            hoverinfo="text",
            name=name,
            marker=dict(
                color=color,
                size=size * 0.6 if three_d else size,
                opacity=0.6 if role == "other" else 1.0,
            ),
        )
        if three_d:
            figure.add_trace(go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], **trace))
        else:
            figure.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], **trace))
    titles = [f"{axis} {number}" for number in range(1, mapped.coordinates.shape[1] + 1)]
    if three_d:
        figure.update_scenes(xaxis_title=titles[0], yaxis_title=titles[1], zaxis_title=titles[2])
    else:
        figure.update_layout(xaxis_title=titles[0], yaxis_title=titles[1])
    figure.update_layout(
        height=620, margin=dict(l=0, r=0, t=10, b=0), legend=dict(orientation="h", y=1.02)
    )
    return figure


def map_tab(trained: TrainedWord2Vec) -> None:
    vectors = trained.vectors
    if len(vectors) < 10:
        st.info(f"The vocabulary has {len(vectors)} words: too few for a map.")
        return
    columns = st.columns([2, 1, 1, 1])
    search = columns[0].text_input("Highlight a word and its neighbours", key="word2vec.map.word")
    method = columns[1].radio(
        "Method",
        ("pca", "tsne"),
        format_func=METHOD_NAMES.get,
        horizontal=True,
        key="word2vec.map.method",
        help="PCA keeps the directions of most variance (fast, global layout); t-SNE keeps "
        "each word's near neighbours close (seconds; distances between clusters mean little).",
    )
    dimensions = columns[2].radio(
        "Dimensions", (2, 3), horizontal=True, key="word2vec.map.dimensions"
    )
    top = int(
        columns[3].number_input(
            "Most frequent words",
            10,
            min(2000, len(vectors)),
            min(300, len(vectors)),
            step=50,
            key="word2vec.map.top",
        )
    )
    searched, neighbours = None, []
    if search.strip():
        found = _attempt(lambda: nearest(vectors, search, NEIGHBOURS_ON_MAP))
        if found:
            searched, neighbours = search.strip().lower(), [word for word, _ in found]
    highlighted = [searched, *neighbours] if searched else []
    words = tuple(dict.fromkeys([*vectors.index_to_key[:top], *highlighted]))
    mapped = _attempt(
        lambda: _projection(trained.id, vectors, words, method, dimensions, trained.config.seed)
    )
    if mapped is None:
        return
    st.plotly_chart(
        _map_figure(mapped, METHOD_NAMES[method], searched, neighbours), key="word2vec.map"
    )
    st.caption(
        f"{len(words):,} words; hover a point to read it. Neighbours are found in all "
        f"{vectors.vector_size} dimensions: on a 2- or 3-dimensional map some land apart."
    )


def _word_pair_scores(evaluation: Evaluation) -> None:
    rows = []
    for scores in evaluation.word_pairs:
        interval = scores.spearman_interval
        rows.append(
            {
                "benchmark": scores.benchmark,
                "pairs covered": f"{scores.pairs_used:,} of {scores.pairs_total:,}",
                "out of vocabulary": f"{scores.out_of_vocabulary:.1%}",
                "Spearman": scores.spearman,
                "Spearman 95% interval": (
                    f"{interval[0]:.2f} to {interval[1]:.2f}" if interval else "too few pairs"
                ),
                "Pearson": scores.pearson,
            }
        )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            "Spearman": st.column_config.NumberColumn(format="%.3f"),
            "Pearson": st.column_config.NumberColumn(format="%.3f"),
        },
    )
    st.caption(
        "Spearman's rho: do the model's cosine similarities rank the pairs in the order people "
        "rated them (1: same order; 0: no relation)? Only pairs whose two words are both in the "
        "vocabulary count. WordSim353 rates relatedness (cup, coffee); SimLex-999 rates strict "
        "similarity, which co-occurrence alone learns poorly."
    )


def _analogy_scores(analogies: AnalogyScores) -> None:
    columns = st.columns(4)
    columns[0].metric("Questions", f"{analogies.total:,}")
    columns[1].metric(
        "Answerable",
        f"{analogies.answerable:,}",
        help="All four words of the question are in the vocabulary.",
    )
    columns[2].metric("Correct", f"{analogies.correct:,}")
    columns[3].metric(
        "Accuracy on answerable",
        "n/a" if analogies.accuracy is None else f"{analogies.accuracy:.1%}",
    )
    sections = [
        (name, correct, answerable, correct / answerable)
        for name, correct, answerable in analogies.sections
        if answerable
    ]
    if sections:
        st.dataframe(
            pd.DataFrame(sections, columns=["section", "correct", "answerable", "accuracy"]),
            hide_index=True,
            column_config={"accuracy": st.column_config.NumberColumn(format="percent")},
        )


def _what_limits_the_scores(trained: TrainedWord2Vec, analogies: AnalogyScores) -> None:
    """The measured reasons: corpus size, vocabulary, coverage, chance; no claim unmeasured."""
    vocabulary = len(trained.vectors)
    answered = (
        "none could be answered"
        if analogies.accuracy is None
        else f"it answered {analogies.correct:,} of those correctly ({analogies.accuracy:.1%})"
    )
    st.markdown(
        f"**What limits these numbers.** These vectors learnt from {trained.corpus_words:,} "
        f"words ({_plain(trained.corpus_title)}) and know {vocabulary:,} of them. Only "
        f"{analogies.answerable:,} of the {analogies.total:,} questions "
        f"({analogies.answerable / analogies.total:.1%}) use four words they know, and "
        f"{answered}; a guess among the vocabulary would be right "
        f"{1 / max(vocabulary - 3, 1):.3%} of the time. "
        "An analogy such as *Paris - France + Italy = Rome* works only when every country and "
        "its capital have been seen in enough different sentences that the step from one to "
        "the other points the same way for all of them. In a corpus this size most words occur "
        "a handful of times, in a few articles, so their vectors mostly record those articles. "
        "The vectors these questions were published with (Mikolov et al., 2013) learnt from a "
        "Google News corpus of about 6 billion words, "
        f"{GOOGLE_NEWS_WORDS / trained.corpus_words:,.0f} times this one. The word-pair "
        "correlations above rest on the pairs covered only, hence their wide intervals."
    )


def evaluation_tab(trained: TrainedWord2Vec, evaluation: Evaluation) -> None:
    st.subheader("Word similarity against human ratings")
    _word_pair_scores(evaluation)
    st.subheader("Analogies (questions-words)")
    _analogy_scores(evaluation.analogies)
    _what_limits_the_scores(trained, evaluation.analogies)


def download_tab(trained: TrainedWord2Vec) -> None:
    config = trained.config
    st.download_button(
        "Download the vectors (word2vec text format)",
        data=lambda: vectors_text(trained.vectors),  # built on click: megabytes of text
        file_name=f"word2vec-{config.architecture}-{config.vector_size}d.txt",
        mime="text/plain",
        key="word2vec.download",
    )
    st.caption(
        "A first line with the number of words and dimensions "
        f"(`{len(trained.vectors)} {config.vector_size}`), then one line per word: the word "
        "and its numbers. Plain text, nothing executable; gensim reads it back with "
        "`KeyedVectors.load_word2vec_format(path, binary=False)`."
    )


def explorer(job: Word2VecJob) -> None:
    """The tabs over the job's vectors; shown while they exist, also for a stopped run."""
    trained = job.result
    examples = example_words(trained.vectors)
    st.caption(
        f"Vectors learnt from {_plain(trained.corpus_title)}; "
        f"{len(trained.vectors):,} words in the vocabulary."
    )
    tabs = st.tabs(["Neighbours", "Analogies", "Similarity", "Map", "Evaluation", "Download"])
    with tabs[0]:
        neighbours_tab(trained.vectors, examples)
    with tabs[1]:
        analogy_tab(trained.vectors)
    with tabs[2]:
        similarity_tab(trained.vectors, examples)
    with tabs[3]:
        map_tab(trained)
    with tabs[4]:
        if job.evaluation is None:
            st.info("The evaluation did not finish; the message above says why.")
        else:
            evaluation_tab(trained, job.evaluation)
    with tabs[5]:
        download_tab(trained)
