"""The word2vec page's first half: the corpus, the settings, training in the background.

Training is a job (core/runtime/word2vec_jobs.py) in a child process, or in hosted mode in the
model worker, waiting in the same line as every other training; the trained vectors come back
to this session for the tabs that explore them (dashboard/word2vec_explorer.py).

Session state: this page keeps its own single key, JOB (the visitor's latest Word2VecJob,
whose `result` holds the trained vectors), here rather than in dashboard/state.py because no
other page reads it.
"""

import streamlit as st

from core.configs import with_overrides
from core.data.corpora import Corpus
from core.models.word2vec import CorpusStats, Word2VecConfig, corpus_stats
from core.runtime.word2vec_jobs import Word2VecJob
from dashboard import hosting
from dashboard.charts import word2vec_loss
from dashboard.components import settings_form, validated
from dashboard.highlight import escape_markdown

JOB = "word2vec.job"  # session_state: the visitor's latest training job and its vectors


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
        f"Source: {escape_markdown(corpus.source)}. Words are lower-cased runs of 2 to 30 letters; "
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
        job = Word2VecJob(corpus.name, config, hosting.model_worker(), visitor=hosting.visitor())
        if hosting.enqueue(job):  # in hosted mode it may wait for a free slot
            st.session_state[JOB] = job
            st.rerun()


@st.fragment(run_every=0.5)
def training_monitor(job: Word2VecJob) -> None:
    """Progress per epoch, the live loss curve and Stop, refreshed twice a second; while
    every training slot is taken (hosted mode), the job's place in the line instead."""
    if job.done:
        st.rerun(scope="app")
    if hosting.waiting_in_line(job, key="word2vec.leave_queue"):
        return
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
        st.plotly_chart(word2vec_loss(history), key="word2vec.live_loss")
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
        st.error(escape_markdown(job.error))
        return
    trained = job.result
    seconds = sum(record["seconds"] for record in trained.history)
    summary = (
        f"{len(trained.vectors):,} words, {trained.config.vector_size} dimensions, "
        f"{trained.config.architecture}, {seconds:.1f} s of training"
    )
    if trained.stopped:
        stopped = (
            f"Stopped after {trained.epochs_completed} of {trained.config.epochs} epochs "
            f"({summary}): the vectors below are what was learnt so far."
        )
        st.warning(f"{job.stop_reason} {stopped}" if job.stop_reason else stopped)
    else:
        epochs = trained.epochs_completed
        st.success(f"Trained {epochs} epoch{'s' if epochs != 1 else ''} ({summary}).")
    with st.expander("Loss per epoch"):
        st.plotly_chart(word2vec_loss(trained.history), key="word2vec.final_loss")
        st.caption(
            "gensim's training loss per word: how badly the model tells the true context words "
            "from random ones (lower is better)."
        )
