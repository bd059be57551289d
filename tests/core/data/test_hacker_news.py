"""The Hacker News loader on recorded API answers: a fake session, a fake clock, no network."""

import json
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from core.__main__ import main
from core.data import hacker_news
from core.data.hacker_news import (
    API,
    HackerNewsClient,
    cache_dir,
    cached_pairs,
    fetch_threads,
    html_to_text,
    item_text,
    thread_pairs,
)
from core.errors import DatasetUnavailable, InvalidConfig, UserFacingError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "hacker_news"
STORY, ASK_HN, QUIET = 40000001, 40000002, 40000003
COMMENT_TEXT = (
    "I'd argue the opposite.\n\nSee https://example.com/post and especially the part about "
    '"caching" & expiry.'
)
REPLY_TEXT = (
    "Fair, but it is one line:\n\n  cache = {}\n  if key not in cache: cache[key] = fetch(key)"
)
ASK_TEXT = (
    "Ask HN: How do you take notes?\n\nI keep forgetting what I read.\n\n"
    "What do you use to take notes?"
)


def recorded(path: str):
    """The recorded body of an API path such as `item/40000011.json`, decoded."""
    return json.loads((FIXTURES / "v0" / path).read_text("utf-8"))


def answer(status: int, body: bytes = b"", headers: dict | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers or {})
    return response


class FakeClock:
    """A monotonic clock that only moves when something sleeps, recording every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class Call:
    path: str
    headers: dict
    timeout: tuple
    at: float


class RecordedSession:
    """`Session.get` over the fixture files (no file: HTTP 404); `scripted` answers go first."""

    def __init__(self, clock: FakeClock, scripted: dict | None = None) -> None:
        self.clock = clock
        self.scripted = {path: list(outcomes) for path, outcomes in (scripted or {}).items()}
        self.calls: list[Call] = []

    def get(self, url: str, *, headers: dict, timeout: tuple) -> requests.Response:
        path = url.removeprefix(f"{API}/")
        self.calls.append(Call(path, headers, timeout, self.clock()))
        if self.scripted.get(path):
            outcome = self.scripted[path].pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        file = FIXTURES / "v0" / path
        return answer(200, file.read_bytes()) if file.exists() else answer(404, b'"Not Found"')

    @property
    def paths(self) -> list[str]:
        return [call.path for call in self.calls]


@pytest.fixture
def clock():
    return FakeClock()


def client_for(clock: FakeClock, scripted: dict | None = None):
    session = RecordedSession(clock, scripted)
    return HackerNewsClient(session, clock=clock, sleep=clock.sleep), session


def test_comment_html_becomes_plain_text_with_paragraphs_links_and_code():
    assert html_to_text(recorded("item/40000011.json")["text"]) == COMMENT_TEXT
    assert html_to_text(recorded("item/40000021.json")["text"]) == REPLY_TEXT
    # Escaped markup stays literal text: nothing from a comment is ever rendered as HTML.
    assert (
        html_to_text("a &lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
        == "a <script>alert(1)</script>"
    )


def test_a_story_is_its_title_plus_the_body_of_an_ask_hn():
    assert item_text(recorded("item/40000001.json")) == "Show HN: A tiny cache for HTTP APIs"
    assert item_text(recorded("item/40000002.json")) == ASK_TEXT
    assert item_text(recorded("item/40000012.json")) == ""  # deleted
    assert item_text(recorded("item/40000013.json")) == ""  # dead


def test_pairs_are_parent_then_direct_reply_skipping_deleted_and_dead():
    ids = (STORY, 40000011, 40000012, 40000013, 40000021, 40000023)
    items = [recorded(f"item/{item_id}.json") for item_id in ids]
    assert thread_pairs(items) == [
        ("Show HN: A tiny cache for HTTP APIs", COMMENT_TEXT),
        (COMMENT_TEXT, REPLY_TEXT),
    ]  # 40000023 answers a deleted comment, so it has no message to pair with


def test_fetch_caches_each_thread_as_json_once(clock):
    client, session = client_for(clock)
    progress = []
    report = fetch_threads(3, client=client, progress=lambda *call: progress.append(call))
    assert (report.fetched, report.already_cached, report.pairs) == (3, 0, 4)
    # Story 1: itself, 3 comments and 2 replies; 40000014 is a 404, 40000022 a null body.
    assert (report.items, report.deleted_or_dead, report.missing) == (10, 2, 2)
    assert report.error is None and not report.stopped
    assert [(done, total) for done, total, _ in progress] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert sorted(path.name for path in cache_dir().iterdir()) == [
        f"{STORY}.json",
        f"{ASK_HN}.json",
        f"{QUIET}.json",
    ]
    record = json.loads((cache_dir() / f"{STORY}.json").read_text("utf-8"))
    assert record["story_id"] == STORY and record["items"][0] == recorded(f"item/{STORY}.json")
    assert (
        len(cached_pairs()) == 4 and (ASK_TEXT, "Plain text files in a git repo.") in cached_pairs()
    )

    again, session = client_for(clock)
    report = fetch_threads(3, client=again)
    assert session.paths == ["topstories.json"]  # the list only: no item is fetched twice
    assert (report.fetched, report.already_cached) == (0, 3)


def test_cached_pairs_before_any_fetch_says_how_to_fetch():
    with pytest.raises(DatasetUnavailable, match="fetch-hn N"):
        cached_pairs()


def test_an_unreadable_cache_file_is_named(data_folder):
    cache_dir().mkdir(parents=True)
    (cache_dir() / "1.json").write_text("{not json", "utf-8")
    (cache_dir() / ".partial-x1.json").write_text("", "utf-8")  # a fetch under way: ignored
    with pytest.raises(DatasetUnavailable, match="1.json cannot be read"):
        cached_pairs()


def test_a_stop_keeps_finished_threads_and_drops_the_one_cut_short(clock):
    client, session = client_for(clock)
    # Story 1 takes the list and 8 item requests; stop after story 2's first item.
    report = fetch_threads(3, client=client, should_stop=lambda: len(session.calls) >= 10)
    assert report.stopped and report.fetched == 1
    assert {path.name for path in cache_dir().iterdir()} == {f"{STORY}.json"}

    client, session = client_for(clock)
    report = fetch_threads(2, client=client)
    assert (report.fetched, report.already_cached) == (2, 1)
    assert f"item/{STORY}.json" not in session.paths


def test_thread_size_and_depth_are_capped(clock, monkeypatch):
    monkeypatch.setattr(hacker_news, "MAX_DEPTH", 1)
    client, session = client_for(clock)
    fetch_threads(1, client=client)
    assert session.paths[1:] == [
        f"item/{item}.json" for item in (STORY, *range(40000011, 40000015))
    ]
    monkeypatch.setattr(hacker_news, "MAX_ITEMS_PER_THREAD", 2)
    client, session = client_for(clock)
    fetch_threads(1, client=client)
    record = json.loads((cache_dir() / f"{ASK_HN}.json").read_text("utf-8"))
    assert [item["id"] for item in record["items"]] == [ASK_HN, 40000031]


def test_http_429_waits_for_retry_after_then_succeeds(clock):
    limited = answer(429, b"", {"Retry-After": "3"})
    client, session = client_for(clock, {"topstories.json": [limited]})
    assert client.top_story_ids() == [STORY, ASK_HN, QUIET]
    assert clock.sleeps == [3.0] and len(session.calls) == 2


def test_a_huge_retry_after_is_capped(clock):
    limited = answer(429, b"", {"Retry-After": "3600"})
    client, _ = client_for(clock, {"topstories.json": [limited]})
    client.top_story_ids()
    assert clock.sleeps == [hacker_news.MAX_RETRY_AFTER_SECONDS]


def test_server_errors_back_off_exponentially_then_give_up_clearly(clock):
    client, session = client_for(clock, {"topstories.json": [answer(503)] * 4})
    with pytest.raises(
        UserFacingError, match=r"Gave up on .*topstories.json after 4 tries: HTTP 503"
    ):
        fetch_threads(1, client=client)
    assert clock.sleeps == [1.0, 2.0, 4.0] and len(session.calls) == 4


def test_timeouts_are_retried_and_reported(clock):
    client, _ = client_for(clock, {"topstories.json": [requests.ReadTimeout()]})
    assert client.top_story_ids() == [STORY, ASK_HN, QUIET]
    assert clock.sleeps == [1.0]
    client, _ = client_for(clock, {"topstories.json": [requests.ReadTimeout()] * 4})
    with pytest.raises(UserFacingError, match="no answer within 10 s"):
        client.top_story_ids()


def test_offline_fails_at_once_with_a_clear_message(clock):
    refused = requests.ConnectionError("[Errno 111] Connection refused")
    client, session = client_for(clock, {"topstories.json": [refused]})
    with pytest.raises(DatasetUnavailable, match="Cannot reach Hacker News.*internet connection"):
        fetch_threads(5, client=client)
    assert len(session.calls) == 1 and clock.sleeps == []


def test_a_connection_lost_mid_fetch_is_retried_then_ends_the_fetch_keeping_threads(clock):
    dropped = [requests.ConnectionError("Connection reset by peer")] * 4
    client, _ = client_for(clock, {f"item/{ASK_HN}.json": dropped})
    report = fetch_threads(3, client=client)
    assert (
        report.fetched == 1 and "Gave up on" in report.error and "connection failed" in report.error
    )
    assert {path.name for path in cache_dir().iterdir()} == {f"{STORY}.json"}
    assert "Ended early" in report.summary()


def test_a_refusal_is_not_retried(clock):
    client, session = client_for(clock, {"topstories.json": [answer(403)]})
    with pytest.raises(UserFacingError, match="HTTP 403"):
        client.top_story_ids()
    assert len(session.calls) == 1


def test_every_request_names_seqlab_and_has_a_timeout(clock):
    client, session = client_for(clock)
    fetch_threads(1, client=client)
    assert all("seqlab" in call.headers["User-Agent"] for call in session.calls)
    assert all(call.timeout == (5, 10) for call in session.calls)


def test_requests_are_spaced_by_the_rate_limit(clock):
    client, session = client_for(clock)
    fetch_threads(1, client=client)
    gaps = [
        later.at - earlier.at
        for earlier, later in zip(session.calls, session.calls[1:], strict=False)
    ]
    assert len(gaps) == 8 and min(gaps) == pytest.approx(1 / hacker_news.REQUESTS_PER_SECOND)


def test_fetching_nothing_is_refused():
    with pytest.raises(InvalidConfig):
        fetch_threads(0)


def test_the_command_line_fetches_and_summarises(clock, monkeypatch, capsys):
    monkeypatch.setattr(hacker_news, "HackerNewsClient", lambda: client_for(clock)[0])
    monkeypatch.setattr(signal, "signal", lambda *_: None)  # leave pytest's Ctrl-C alone
    assert main(["fetch-hn", "2"]) == 0
    assert capsys.readouterr().out.startswith("Fetched 2 of 2 threads")
