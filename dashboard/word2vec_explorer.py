"""The word2vec page's explorer: tabs over the trained vectors, shown also for a stopped run.

Neighbours, analogies and similarity answer one query each; the map projects the most
frequent words to 2 or 3 dimensions; evaluation scores the vectors on standard benchmarks;
download hands the vectors over in word2vec's text format.
"""

import pandas as pd
import streamlit as st

from core.models.word2vec import TrainedWord2Vec
from core.models.word_vectors import (
    AnalogyScores,
    Evaluation,
    Projection,
    analogy,
    example_words,
    nearest,
    projection,
    similarity,
    vectors_text,
)
from core.runtime.word2vec_jobs import Word2VecJob
from dashboard.charts import word_map
from dashboard.components import attempt
from dashboard.highlight import escape_markdown

NEIGHBOURS_ON_MAP = 10
GOOGLE_NEWS_WORDS = 6e9  # the corpus behind questions-words' published results
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE"}


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
        st.caption(f"Frequent words to try: {escape_markdown(', '.join(examples))}.")
    if word.strip():
        found = attempt(lambda: nearest(vectors, word, topn))
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
        found = attempt(lambda: analogy(vectors, *words, topn=10))
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
        value = attempt(lambda: similarity(vectors, first, second))
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
        found = attempt(lambda: nearest(vectors, search, NEIGHBOURS_ON_MAP))
        if found:
            searched, neighbours = search.strip().lower(), [word for word, _ in found]
    highlighted = [searched, *neighbours] if searched else []
    words = tuple(dict.fromkeys([*vectors.index_to_key[:top], *highlighted]))
    mapped = attempt(
        lambda: _projection(trained.id, vectors, words, method, dimensions, trained.config.seed)
    )
    if mapped is None:
        return
    st.plotly_chart(
        word_map(mapped, METHOD_NAMES[method], searched, neighbours), key="word2vec.map"
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
        f"words ({escape_markdown(trained.corpus_title)}) and know {vocabulary:,} of them. Only "
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
        f"Vectors learnt from {escape_markdown(trained.corpus_title)}; "
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
