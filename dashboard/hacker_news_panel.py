"""Fetch Hacker News threads in the background of the Replier page, with progress and Stop.

The fetch (core/data/hacker_news.py) is network waiting, not computing, so a thread suffices; it
belongs to the visitor's session, reports after each thread, stops between requests on
request, and keeps every thread it finished in the cache.
"""

import threading
from dataclasses import dataclass, field

import streamlit as st

from core.data.hacker_news import FetchReport, cached_story_ids, fetch_threads
from core.data.replies import load_reply_data
from core.errors import UserFacingError
from core.progress import StopFlag
from dashboard.highlight import escape_markdown

FETCH = "hacker_news_fetch"  # session_state key of the visitor's fetch
MAX_THREADS = 500


@dataclass
class FetchJob:
    """One background fetch: its progress, then its report or the reason it failed."""

    count: int
    stop: StopFlag = field(default_factory=StopFlag)
    done: int = 0
    message: str = "starting"
    report: FetchReport | None = None
    error: str | None = None
    finished: bool = False

    def start(self) -> "FetchJob":
        threading.Thread(target=self._run, daemon=True, name="hacker-news-fetch").start()
        return self

    def _run(self) -> None:
        try:
            self.report = fetch_threads(
                self.count, progress=self._progress, should_stop=self.stop.should_stop
            )
        except UserFacingError as error:
            self.error = str(error)
        finally:
            load_reply_data.cache_clear()  # the dataset now holds the new threads
            self.finished = True

    def _progress(self, done: int, total: int, message: str) -> None:
        self.done, self.message = done, message


def fetch_panel() -> None:
    """How many threads are cached, a Fetch button, and the running or last fetch."""
    job: FetchJob | None = st.session_state.get(FETCH)
    running = job is not None and not job.finished
    cached = len(cached_story_ids())
    st.caption(
        f"{cached} threads cached in the data folder. Fetching asks the public Hacker News "
        "API for the top stories' comment threads, politely (at most 10 requests a second, "
        "retries with back-off); each thread is fetched once."
    )
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    count = left.number_input(
        "Threads to fetch", min_value=1, max_value=MAX_THREADS, value=30, key="reply.hn_count"
    )
    if right.button("Fetch threads", disabled=running, key="reply.hn_fetch"):
        st.session_state[FETCH] = FetchJob(int(count)).start()
        st.rerun()
    if running:
        _fetch_monitor(job)
    elif job is not None:
        if job.error:
            st.error(escape_markdown(job.error))
        elif job.report is not None:
            notice = st.warning if job.report.error or job.report.stopped else st.success
            notice(escape_markdown(job.report.summary()))


@st.fragment(run_every=1.0)
def _fetch_monitor(job: FetchJob) -> None:
    if job.finished:
        st.rerun(scope="app")
    st.progress(
        job.done / job.count, text=f"{job.done}/{job.count} threads: {escape_markdown(job.message)}"
    )
    st.button(
        "Stopping..." if job.stop.should_stop() else "Stop fetching",
        on_click=job.stop.request_stop,
        disabled=job.stop.should_stop(),
        key="reply.hn_stop",
        help="Stops between requests; the threads already fetched stay cached.",
    )
