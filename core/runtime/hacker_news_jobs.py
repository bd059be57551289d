"""A Hacker News fetch (core/data/hacker_news.py) as a job: in a child process, or in hosted mode
in the model worker, behind the same queue as every training.

A fetch is network waiting and disk writing, not computing, but on a shared server it is still
work one visitor makes the server do: so it waits its turn, is held to the job deadline, and
fetches at most `HOSTED_MAX_THREADS` threads (each at most 200 items, about 200 KB cached). It
reports after each thread and stops between requests; every thread it finished stays cached.
"""

from core.data.hacker_news import FetchReport, HackerNewsClient, fetch_threads
from core.data.replies import load_reply_data
from core.errors import InvalidConfig, UserFacingError
from core.hosting import hosting_settings
from core.runtime.jobs import ChildJob

MAX_THREADS = 500  # the top stories list holds at most 500
HOSTED_MAX_THREADS = 50


def fetch(count: int, events, stop, client: HackerNewsClient | None = None) -> None:
    """The job: fetch and cache `count` threads, reporting each; `client` is for tests."""
    try:
        most = HOSTED_MAX_THREADS if hosting_settings().hosted else MAX_THREADS
        if count > most:
            raise InvalidConfig(f"Fetch at most {most} threads at a time here; got {count}.")
        report = fetch_threads(
            count,
            progress=lambda done, total, message: events.put(("progress", done, message)),
            should_stop=stop.is_set,
            client=client,
        )
        events.put(("report", report))
    except UserFacingError as error:
        events.put(("failed", str(error)))
    except Exception as error:  # shown to the user as a message, not a traceback
        events.put(("failed", f"{type(error).__name__}: {error}"))
    events.put(("job-end",))


class FetchJob(ChildJob):
    """One fetch as the Replier page sees it: threads done and the latest message while it
    runs, then its `report` or the `error` that ended it."""

    def __init__(self, count: int, worker=None, *, visitor: str | None = None) -> None:
        self.count, self.threads_done, self.message = count, 0, "waiting to start"
        self.report: FetchReport | None = None
        self.error: str | None = None
        super().__init__(
            fetch, (count,), name="seqlab-hacker-news-fetch", worker=worker, visitor=visitor
        )

    def cancel(self, message: str) -> None:
        """End a fetch that never started (taken out of the queue)."""
        self.error = message
        self._cancelled = True

    def _apply(self, event: tuple) -> None:
        kind = event[0]
        if kind == "progress":
            self.threads_done, self.message = event[1], event[2]
        elif kind == "report":
            self.report = event[1]
            load_reply_data.cache_clear()  # this process's reply data now lacks the new threads
        elif kind == "failed":
            self.error = self._with_reason(event[1])

    def _mark_lost(self, exit_code: int | None) -> None:
        self.error = (
            f"The fetch's process ended unexpectedly (exit code {exit_code}); the threads it "
            "finished stay cached."
        )

    def _mark_ended(self, message: str) -> None:
        self.error = message
