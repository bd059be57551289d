"""Hacker News comment threads as (message, reply) pairs, fetched politely and cached once.

The public Firebase API (https://github.com/HackerNews/API) serves one item per request, so a
thread of 200 comments is 200 requests. The client is polite about it: a User-Agent that
names seqlab, a timeout on every request, at most `REQUESTS_PER_SECOND`, and retries with
exponential back-off (honouring `Retry-After`) on timeouts, dropped connections, HTTP 429
and 5xx. Each thread is written to the cache as soon as it is complete, one JSON file per
story, so a stopped or failed fetch keeps what it finished and no thread is fetched twice.

Cache layout, under `data_dir() / "hacker-news"`: `<story id>.json` holding
`{"story_id": int, "fetched_at": ISO time, "source": API URL, "items": [API items]}`, the
items as the API returned them (deleted and dead ones included), breadth first from the
story. Pairs are derived when read, so the HTML conversion applies to old caches too.

A pair is (parent text, reply text): a story's text is its title (and its body for an Ask
HN), a comment's its body converted from HTML to plain text. Deleted, dead and empty items
give no pair.
"""

import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import requests

from core.errors import DatasetUnavailable, InvalidConfig, UserFacingError
from core.files import write_atomically
from core.paths import data_dir

API = "https://hacker-news.firebaseio.com/v0"
USER_AGENT = (
    "seqlab/0.1 (teaching dashboard; fetches a few Hacker News threads once for a "
    "message -> reply dataset, cached locally)"
)
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 10
REQUESTS_PER_SECOND = 10
TRIES = 4  # one request and three retries, waiting 1, 2 and 4 s between them
FIRST_BACKOFF_SECONDS = 1.0
MAX_RETRY_AFTER_SECONDS = 60.0  # a longer Retry-After is waited this long, then tried again
# A busy front-page thread has over a thousand comments; the first 200 breadth first cover
# the top-level discussion and its direct replies, which is where the pairs read best.
MAX_ITEMS_PER_THREAD = 200
MAX_DEPTH = 8


class _PlainText(HTMLParser):
    """Collects the text of HN comment HTML: `<p>` separates paragraphs, `<pre>` keeps lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("p", "pre"):
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "pre"):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HN `text` field: entities decoded, tags dropped, links keep their text."""
    parser = _PlainText()
    parser.feed(html or "")
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


def removed(item: dict) -> bool:
    """True for a deleted item (no text left) or a dead one (flagged or killed by moderators)."""
    return bool(item.get("deleted") or item.get("dead"))


def item_text(item: dict) -> str:
    """What an item says: "" when removed, else its title and its body as text."""
    if removed(item):
        return ""
    parts = (item.get("title", ""), html_to_text(item.get("text", "")))
    return "\n\n".join(part.strip() for part in parts if part.strip())


def thread_pairs(items: list[dict]) -> list[tuple[str, str]]:
    """(parent text, reply text) for every comment whose parent is in `items`, both non-empty."""
    texts = {item["id"]: item_text(item) for item in items}
    pairs = []
    for item in items:
        parent_text = texts.get(item.get("parent"), "")
        if item.get("type") == "comment" and parent_text and texts[item["id"]]:
            pairs.append((parent_text, texts[item["id"]]))
    return pairs


def cache_dir() -> Path:
    """The folder of cached threads, one `<story id>.json` each."""
    return data_dir() / "hacker-news"


def _thread_paths() -> list[Path]:
    # By stem, so write_atomically's `.partial-*.json` of a fetch under way is never read.
    return sorted(path for path in cache_dir().glob("*.json") if path.stem.isdigit())


def cached_story_ids() -> set[int]:
    """The stories whose threads are cached."""
    return {int(path.stem) for path in _thread_paths()}


def cached_pairs() -> list[tuple[str, str]]:
    """Every pair of every cached thread; DatasetUnavailable when none was fetched yet."""
    paths = _thread_paths()
    if not paths:
        raise DatasetUnavailable(
            "No Hacker News threads fetched yet: use 'Fetch threads' on the Replier page or "
            "`python -m core fetch-hn N` (needs the internet once; threads are cached in "
            f"{cache_dir()})."
        )
    pairs = []
    for path in paths:
        try:
            items = json.loads(path.read_text("utf-8"))["items"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DatasetUnavailable(
                f"The cached thread {path} cannot be read ({error}); delete it and fetch again."
            ) from error
        pairs.extend(thread_pairs(items))
    return pairs


class HackerNewsClient:
    """GETs JSON from the HN API politely; `session`, `clock` and `sleep` are for tests."""

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session or requests.Session()
        self.clock = clock
        self.sleep = sleep
        self._last_request: float | None = None
        self._reached = False  # set by the first answer: later connection errors are retried

    def top_story_ids(self) -> list[int]:
        """The ids of the current top stories, best first (up to 500)."""
        ids = self._get_json(f"{API}/topstories.json")
        if not isinstance(ids, list):
            raise UserFacingError(f"{API}/topstories.json did not answer with a list of ids.")
        return ids

    def item(self, item_id: int) -> dict | None:
        """One story or comment as the API has it; None when missing (HTTP 404 or null)."""
        item = self._get_json(f"{API}/item/{item_id}.json")
        return item if isinstance(item, dict) else None

    def _wait_turn(self) -> None:
        if self._last_request is not None:
            wait = 1 / REQUESTS_PER_SECOND - (self.clock() - self._last_request)
            if wait > 0:
                self.sleep(wait)
        self._last_request = self.clock()

    def _get_json(self, url: str):
        """The decoded body of `url`, None on 404; retries, then UserFacingError naming `url`."""
        for attempt in range(1, TRIES + 1):
            self._wait_turn()
            wait = FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1)
            try:
                response = self.session.get(
                    url,
                    headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                    timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
                )
            except requests.ConnectionError as error:
                if not self._reached:
                    # Offline (DNS failure, refused, no connection within 5 s): say so now.
                    raise DatasetUnavailable(
                        f"Cannot reach Hacker News ({API}): {type(error).__name__}. Check the "
                        "internet connection; threads fetched before stay cached."
                    ) from error
                problem = f"the connection failed ({type(error).__name__})"
            except requests.Timeout:
                problem = f"no answer within {READ_TIMEOUT_SECONDS} s"
            else:
                self._reached = True
                if response.status_code == 404:
                    return None
                if response.status_code == 200:
                    try:
                        return response.json()
                    except ValueError:
                        problem = "the answer was not JSON"
                elif response.status_code == 429 or response.status_code >= 500:
                    problem = f"HTTP {response.status_code}"
                    wait = _retry_after(response.headers.get("Retry-After")) or wait
                else:
                    raise UserFacingError(
                        f"Hacker News refused {url} with HTTP {response.status_code}."
                    )
            if attempt < TRIES:
                self.sleep(wait)
        raise UserFacingError(f"Gave up on {url} after {TRIES} tries: {problem}.")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped; else None."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


@dataclass
class FetchReport:
    """What a fetch did; counts cover the threads it cached (a cut-short thread is dropped)."""

    requested: int
    fetched: int = 0  # threads fetched and cached now
    already_cached: int = 0  # top stories passed over because their thread was cached
    items: int = 0  # items in the threads cached now, deleted and dead ones included
    pairs: int = 0
    deleted_or_dead: int = 0
    missing: int = 0  # items the API answered with 404 or null
    stopped: bool = False
    error: str | None = None  # why the fetch ended early, when it gave up on a request

    def summary(self) -> str:
        """One line for the page and the command line."""
        done = (
            f"Fetched {self.fetched} of {self.requested} threads ({self.items:,} items, "
            f"{self.pairs:,} pairs; {self.deleted_or_dead} deleted or dead and {self.missing} "
            f"missing items skipped); {self.already_cached} top stories were already cached."
        )
        if self.stopped:
            return f"{done} Stopped on request."
        return f"{done} Ended early: {self.error}" if self.error else done


def _fetch_thread(
    client: HackerNewsClient, story_id: int, should_stop: Callable[[], bool]
) -> tuple[list[dict], int] | None:
    """(items breadth first from the story, missing count), or None when a stop came first."""
    items, missing = [], 0
    queue = deque([(story_id, 0)])
    while queue and len(items) < MAX_ITEMS_PER_THREAD:
        if should_stop():
            return None
        item_id, depth = queue.popleft()
        item = client.item(item_id)
        if item is None:
            missing += 1
            continue
        items.append(item)
        if depth < MAX_DEPTH:
            queue.extend((kid, depth + 1) for kid in item.get("kids", []))
    return items, missing


def _write_thread(story_id: int, items: list[dict]) -> None:
    record = {
        "story_id": story_id,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": f"{API}/item/{story_id}.json",
        "items": items,
    }
    write_atomically(
        cache_dir() / f"{story_id}.json",
        lambda temporary: temporary.write_text(json.dumps(record), "utf-8"),
    )


def fetch_threads(
    count: int,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    client: HackerNewsClient | None = None,
) -> FetchReport:
    """Fetch and cache the threads of the first `count` top stories not cached yet.

    `progress(done, count, message)` is called after each thread and `should_stop` before
    each item request. Raises UserFacingError when nothing can be fetched (offline, or the top
    stories list fails); a request given up on later ends the fetch with `report.error` set,
    keeping the threads already cached.
    """
    if count < 1:
        raise InvalidConfig(f"Fetch at least one thread, not {count}.")
    client = client or HackerNewsClient()
    progress = progress or (lambda done, total, message: None)
    should_stop = should_stop or (lambda: False)
    report = FetchReport(requested=count)
    cached = cached_story_ids()
    progress(0, count, "Reading the top stories list")
    attempted = 0
    for story_id in client.top_story_ids():
        if attempted == count:
            break
        if story_id in cached:
            report.already_cached += 1
            continue
        try:
            thread = _fetch_thread(client, story_id, should_stop)
        except UserFacingError as error:
            report.error = str(error)
            break
        if thread is None:
            report.stopped = True
            break
        attempted += 1
        items, missing = thread
        pairs = len(thread_pairs(items))
        report.missing += missing
        if items:  # an empty thread is a missing story: nothing to cache
            _write_thread(story_id, items)
            report.fetched += 1
            report.items += len(items)
            report.pairs += pairs
            report.deleted_or_dead += sum(removed(item) for item in items)
        progress(attempted, count, f"Story {story_id}: {len(items)} items, {pairs} pairs")
    return report
