"""The Hacker News fetch as a job, on the recorded API answers (no network)."""

import queue
import threading

from core.data.hacker_news import cached_story_ids
from core.runtime.hacker_news_jobs import HOSTED_MAX_THREADS, FetchJob, fetch
from tests.core.data.test_hacker_news import FakeClock, client_for


def events_of(count: int, stopped: bool = False) -> list[tuple]:
    clock = FakeClock()
    client, _ = client_for(clock)
    events, stop = queue.Queue(), threading.Event()
    if stopped:
        stop.set()
    fetch(count, events, stop, client)
    return [events.get_nowait() for _ in range(events.qsize())]


def test_the_job_reports_each_thread_then_the_report_and_caches_them():
    events = events_of(3)
    assert [event[0] for event in events] == [
        "progress",
        "progress",
        "progress",
        "progress",
        "report",
        "job-end",
    ]
    assert [event[1] for event in events[:4]] == [0, 1, 2, 3]
    report = events[4][1]
    assert (report.fetched, report.pairs) == (3, 4)
    assert cached_story_ids() == {40000001, 40000002, 40000003}


def test_a_stopped_job_keeps_nothing_half_fetched_and_says_so():
    report = events_of(3, stopped=True)[-2][1]
    assert report.stopped and report.fetched == 0 and cached_story_ids() == set()


def test_hosted_mode_bounds_the_threads_of_one_fetch(monkeypatch):
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    events = events_of(HOSTED_MAX_THREADS + 1)
    assert [event[0] for event in events] == ["failed", "job-end"]
    assert f"at most {HOSTED_MAX_THREADS} threads" in events[0][1]


def test_the_page_side_follows_the_events_and_a_server_stop_says_why():
    job = FetchJob(3)
    job.deliver(("progress", 2, "Story 40000002: 3 items, 1 pairs"))
    assert (job.threads_done, job.message) == (2, "Story 40000002: 3 items, 1 pairs")
    job.request_stop("Stopped at its deadline of 600 s on this shared server.")
    job.lose(None)
    assert job.done and job.error.startswith("Stopped at its deadline of 600 s")
    left = FetchJob(3)
    left.cancel("Not started: you left the queue.")
    assert left.done and left.error == "Not started: you left the queue."
