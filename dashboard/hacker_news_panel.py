"""Fetch Hacker News threads from the Replier page, with progress and Stop.

The fetch is a job (core/runtime/hacker_news_jobs.py) in the same line as every training: in a
child process, or in hosted mode in the model worker, where it is held to the job deadline and
to fewer threads. It reports after each thread, stops between requests on request, and keeps
every thread it finished in the cache.
"""

import streamlit as st

from core.data.hacker_news import cached_story_ids
from core.runtime.hacker_news_jobs import HOSTED_MAX_THREADS, MAX_THREADS, FetchJob
from dashboard import hosting
from dashboard.components import stop_button
from dashboard.highlight import escape_markdown

FETCH = "hacker_news_fetch"  # session_state key of the visitor's fetch


def fetch_panel() -> None:
    """How many threads are cached, a Fetch button, and the running or last fetch."""
    job: FetchJob | None = st.session_state.get(FETCH)
    running = job is not None and not job.done
    cached = len(cached_story_ids())
    st.caption(
        f"{cached} threads cached in the data folder. Fetching asks the public Hacker News "
        "API for the top stories' comment threads, politely (at most 10 requests a second, "
        "retries with back-off); each thread is fetched once."
    )
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    most = HOSTED_MAX_THREADS if hosting.settings().hosted else MAX_THREADS
    count = left.number_input(
        "Threads to fetch", min_value=1, max_value=most, value=30, key="reply.hn_count"
    )
    if right.button("Fetch threads", disabled=running, key="reply.hn_fetch"):
        job = FetchJob(int(count), hosting.model_worker(), visitor=hosting.visitor())
        if hosting.enqueue(job):
            st.session_state[FETCH] = job
            st.rerun()
    if running:
        _fetch_monitor(job)
    elif job is not None:
        if job.error:
            st.error(escape_markdown(job.error))
        elif job.report is not None:
            notice = st.warning if job.report.error or job.report.stopped else st.success
            summary = job.report.summary()
            notice(escape_markdown(f"{job.stop_reason} {summary}" if job.stop_reason else summary))


@st.fragment(run_every=1.0)
def _fetch_monitor(job: FetchJob) -> None:
    if job.done:
        st.rerun(scope="app")
    if hosting.waiting_in_line(job, key="reply.hn_leave_queue"):
        return
    st.progress(
        job.threads_done / job.count,
        text=f"{job.threads_done}/{job.count} threads: {escape_markdown(job.message)}",
    )
    stop_button(
        job,
        key="reply.hn_stop",
        help="Stops between requests; the threads already fetched stay cached.",
    )
