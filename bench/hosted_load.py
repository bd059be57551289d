"""The hosted load test (issue 20): one visitor who asks for the most a shared server still
accepts, three others who train and use small models at the same time, all on one hosted
server in a 1 GiB memory cgroup, as on the platform.

- Visitor A opens the worst sequence-classification link the page does not refuse (the LSTM on
  mnist-5k at the largest units, layers and batch whose Train button stays enabled; the
  refused ones are reported with the page's reasons) and trains it; tries word2vec and a
  learning curve from the same browser (one job per visitor: refused); then, as two more
  visitors, word2vec on the largest corpus and a learning curve, every setting at its hosted
  bound.
- Visitors B, C and D, once A's jobs are in line: the logistic regression and a 1-epoch LSTM
  on digits, then a drawn digit; TF-IDF on sms-spam, then a typed text; the n-gram on
  polarity, then keystrokes. Each then opens Compare and must see none of the others' runs,
  nor, with its settings, the curve A computed.
- Measured: the server's health every 2 s, each job's wait in line, run and outcome (the
  page's message: finished, stopped at its deadline or by the memory watchdog), peak
  proportional and anonymous memory of the server and the model worker against 1 GiB, the
  cgroup's peak charge and its out-of-memory kills.

Usage (as root, for the cgroup; SEQLAB_JOB_SECONDS shortens every job's deadline):

    SEQLAB_JOB_SECONDS=180 .venv/bin/python bench/app_session.py --load
"""

import os
import re
import sys
import threading
import time
import traceback
import urllib.request
from collections.abc import Callable
from pathlib import Path

from app_session import (
    BROWSER_FLAGS,
    BUDGET_BYTES,
    REPO,
    MemoryCage,
    MemorySampler,
    _open_when_up,
    ask,
    served,
)
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.hosting import hosting_settings  # noqa: E402

RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
CELLS = '[data-testid="stDataFrame"] [data-testid^="glide-cell-"]'
ALERTS = '[data-testid="stAlert"]'
STOP = re.compile("^Stop")  # the Stop button shows once a job has left the line and runs
PATIENCE_MS = 60 * 60 * 1000  # a visitor waits behind every job of A's, each to its deadline
SCREENSHOTS = REPO / ".reports" / "load"
# The worst first: the most units, then layers, then the largest batch.
WORST_LINKS = [
    "sequence-classification?dataset=mnist-5k&models=lstm"
    f"&lstm.units={units}&lstm.layers={layers}&lstm.batch_size={batch}"
    for units in (256, 128)
    for layers in (3, 2, 1)
    for batch in (1024, 512, 256)
]
# Word2vec at its hosted bounds on the largest corpus, every word kept, skip-gram (the slower).
WORD2VEC_LINK = (
    "word2vec?corpus=movie-dialogs&architecture=skip-gram"
    "&vector_size=300&window=10&epochs=50&negative=20&min_count=1"
)
CURVE_LINK = (  # at its hosted bounds: 5 fractions, 3 seeds, the epoch cap
    "compare?curve.task=sequence-classification&curve.sequence-classification.dataset={}"
    "&curve.sequence-classification.baseline=logreg&curve.sequence-classification.neural=lstm"
    "&curve.fractions=0.1,0.25,0.5,0.75,1&curve.seeds=3&curve.epochs=10"
)
CURVE_DATASETS = ("mnist-5k", "digits")  # the next tried only if the first is refused
CURVE_BUTTON = "Compute the learning curve"


class Log:
    """Timestamped events of every visitor, printed as they come; the jobs' spans."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.events: list[tuple[float, str, str]] = []
        self.jobs: list[tuple[str, float, float]] = []  # (who: what, started, ended)

    def now(self) -> float:
        return time.monotonic() - self.started

    def __call__(self, who: str, what: str) -> None:
        with self.lock:
            self.events.append((self.now(), who, what))
            print(f"{self.now():7.1f} s  {who:3} {what}", flush=True)


def alerts(page, after: str | None = None) -> list[str]:
    """The page's messages, or only those below the heading `after`."""
    found = (
        page.locator(f"xpath=//h2[contains(., '{after}')]/following::*[@data-testid='stAlert']")
        if after
        else page.locator(ALERTS)
    )
    return [" ".join(text.split()) for text in found.all_inner_texts()]


def start_job(page, button_name: str) -> str | None:
    """Click the button; None once the job is taken (the button goes disabled while it waits
    or runs), else the page's refusal."""
    button = page.get_by_role("button", name=button_name, exact=True)
    button.wait_for(timeout=300_000)
    page.wait_for_timeout(1500)  # the link's settings applied
    before = alerts(page)
    button.click()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        refusal = page.locator(ALERTS).filter(has_text="one job per visitor")
        if refusal.count():
            return " ".join(refusal.first.inner_text().split())
        if button.is_disabled() or alerts(page) != before:  # waiting, running or ended
            return None
        page.wait_for_timeout(500)
    raise RuntimeError(f"{button_name}: neither taken nor refused after 120 s")


def wait_job(
    page, button_name: str, log: Log, who: str, label: str, clicked: float | None = None
) -> tuple[float, float]:
    """Seconds the job waited in line since `clicked` (by default now) and ran, watched
    until its button is enabled again."""
    button = page.get_by_role("button", name=button_name, exact=True)
    clicked, began, settled = log.now() if clicked is None else clicked, None, 0
    deadline = time.monotonic() + PATIENCE_MS / 1000
    while time.monotonic() < deadline:
        running = page.get_by_role("button", name=STOP).count() > 0
        if began is None and (running or button.is_enabled()):
            began = log.now()
            log(who, f"{label}: started after {began - clicked:.0f} s in line")
        settled = settled + 1 if began is not None and button.is_enabled() else 0
        if settled == 2:
            ended = log.now()
            with log.lock:
                log.jobs.append((f"{who}: {label}", began, ended))
            log(who, f"{label}: ended after {ended - began:.0f} s: {alerts(page)}")
            return began - clicked, ended - began
        page.wait_for_timeout(1000)
    raise RuntimeError(f"{label} did not end within {PATIENCE_MS / 60_000:.0f} min")


def compare_runs(page, url: str) -> set[str]:
    """The run ids this visitor's Compare page lists (the grid keeps an accessible copy of
    the cells it shows; its "whose" column is off screen, to the right)."""
    page.goto(f"{url}/compare")
    page.get_by_text("Is the difference real?").wait_for(timeout=300_000)
    page.locator(CELLS).first.wait_for(state="attached", timeout=120_000)
    page.wait_for_timeout(2000)
    return {text for text in page.locator(CELLS).all_inner_texts() if RUN_ID.match(text.strip())}


def sees_curve(page, url: str, dataset: str) -> bool:
    """Whether Compare, set to A's curve, shows this visitor a curve it never computed."""
    page.goto(f"{url}/{CURVE_LINK.format(dataset)}")
    page.get_by_role("button", name=CURVE_BUTTON, exact=True).wait_for(timeout=300_000)
    page.wait_for_timeout(3000)
    return page.get_by_text("The last curve computed for these models").count() > 0


class Visitors:
    """Everything the visitors found, filled in by their threads."""

    def __init__(self, url: str, log: Log) -> None:
        self.url, self.log = url, log
        self.found: dict[str, dict] = {}
        # Each of A's visitors queues after the one before; B, C and D after all three.
        self.in_line = {who: threading.Event() for who in ("A", "A2", "A3")}
        self.curve_dataset: str | None = None  # the curve A computed, for the probe

    def note(self, who: str, **found) -> None:
        with self.log.lock:
            self.found.setdefault(who, {}).update(found)

    def visitor(self, browser):
        context = browser.new_context(viewport={"width": 1400, "height": 3000})
        context.set_default_navigation_timeout(120_000)  # a page can take a minute under load
        return context.new_page()

    def worst_link(self, browser) -> None:
        """Visitor A: the worst link still accepted, trained; the same visitor's word2vec and
        curve, tried from a second tab (refused: one job per visitor)."""
        url, log = self.url, self.log
        page = self.visitor(browser)
        refused = []
        for link in WORST_LINKS:
            page.goto(f"{url}/{link}")
            page.get_by_text("Estimated:").first.wait_for(timeout=600_000)
            page.wait_for_timeout(1500)
            if page.get_by_role("button", name="Train", exact=True).is_enabled():
                break
            refused.append((link.split("&lstm.", 1)[1], alerts(page)[0]))
            log("A", f"refused: {refused[-1][0]}")
        else:
            raise RuntimeError("every candidate link was refused")
        log("A", f"worst accepted link: {link}")
        estimate = page.get_by_text("Estimated:").first.inner_text()
        self.note("A", link=link, refused=refused, estimate=estimate)
        clicked = log.now()
        if (why := start_job(page, "Train")) is not None:
            raise RuntimeError(f"the accepted link's job was refused: {why}")
        second_tab = page.context.new_page()  # the same visitor, in another tab
        for other, button in (
            (WORD2VEC_LINK, "Train"),
            (CURVE_LINK.format("digits"), CURVE_BUTTON),
        ):
            second_tab.goto(f"{url}/{other}")
            self.note(
                "A", **{f"same visitor's {other.split('?')[0]}": start_job(second_tab, button)}
            )
        second_tab.close()
        self.in_line["A"].set()
        self.note(
            "A",
            times=wait_job(page, "Train", log, "A", "worst LSTM", clicked),
            outcome=alerts(page),
        )
        self.note("A", compare=compare_runs(page, url))

    def word2vec_at_bounds(self, browser) -> None:
        """Visitor A2: word2vec with every setting at its hosted bound."""
        page = self.visitor(browser)
        page.goto(f"{self.url}/{WORD2VEC_LINK}")
        page.get_by_text("Distinct words").first.wait_for(timeout=300_000)
        self.in_line["A"].wait()
        self.note("A2", refused=start_job(page, "Train"))
        self.in_line["A2"].set()
        times = wait_job(page, "Train", self.log, "A2", "word2vec")
        self.note("A2", times=times, outcome=alerts(page))

    def curve_at_bounds(self, browser) -> None:
        """Visitor A3: a learning curve at its hosted bounds, on mnist-5k, then on digits if
        that is refused (a new job, at the back of the line)."""
        page = self.visitor(browser)
        self.in_line["A2"].wait()
        for dataset in CURVE_DATASETS:
            opened = self.log.now()
            page.goto(f"{self.url}/{CURVE_LINK.format(dataset)}")
            page.get_by_role("button", name=CURVE_BUTTON, exact=True).wait_for(timeout=300_000)
            self.log("A3", f"Compare shown {self.log.now() - opened:.0f} s after opening it")
            self.note("A3", **{f"{dataset} refused": start_job(page, CURVE_BUTTON)})
            self.in_line["A3"].set()
            times = wait_job(page, CURVE_BUTTON, self.log, "A3", f"curve on {dataset}")
            outcome = alerts(page, after="Learning curve")
            self.note("A3", **{dataset: (times, outcome)})
            if not any("would take" in text or "would need" in text for text in outcome):
                self.curve_dataset = dataset
                return

    def trains_and_uses(
        self, browser, who: str, link: str, finished: list[str], use: Callable
    ) -> None:
        """A small visitor: train `link`'s models, use them, then look at Compare."""
        url, log = self.url, self.log
        page = self.visitor(browser)
        page.goto(f"{url}/{link}")
        page.get_by_role("button", name="Train", exact=True).wait_for(timeout=300_000)
        self.in_line["A3"].wait()
        clicked = log.now()
        self.note(who, refused=start_job(page, "Train"))
        waited, ran = wait_job(page, "Train", log, who, link.split("?")[0])
        for title in finished:
            page.get_by_text(f"{title}: finished.").wait_for(timeout=60_000)
        started = log.now()
        use(page)
        answered = log.now()
        log(who, f"answered {answered - started:.1f} s after asking")
        self.note(
            who,
            times=(waited, ran),
            answer_seconds=answered - started,
            click_to_answer=answered - clicked,
            outcome=alerts(page),
        )
        self.note(who, compare=compare_runs(page, url))
        if self.curve_dataset:
            self.note(who, sees_a_curve=sees_curve(page, url, self.curve_dataset))

    def run(self, who: str, session: Callable) -> None:
        """One visitor in a thread with its own browser (playwright's API is per thread)."""
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=BROWSER_FLAGS
            )
            try:
                session(browser)
            except Exception as error:  # noqa: BLE001 - reported with the others' findings
                self.log(who, f"FAILED: {error}")
                self.note(who, failed=traceback.format_exc(limit=3))
                for turn in self.in_line.values():  # a failed visitor leaves nobody waiting
                    turn.set()
                for index, context in enumerate(browser.contexts):
                    for number, page in enumerate(context.pages):
                        page.screenshot(
                            path=SCREENSHOTS / f"{who}-{index}-{number}.png", full_page=True
                        )
            finally:
                browser.close()


def draw_digit(page) -> None:
    canvas = page.locator('[data-testid="stBidiComponentIsolated"] canvas').last
    canvas.wait_for(timeout=60_000)
    page.wait_for_timeout(2000)  # the reruns after the training have drawn the page
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.8, steps=15)
    page.mouse.up()
    page.get_by_text("what the models see").wait_for(timeout=300_000)


def classify_text(page) -> None:
    ask(page, "Type or paste a text", "WINNER! You have won a free prize, call now to claim")
    page.get_by_text("Green words push").wait_for(timeout=300_000)


def type_words(page) -> None:
    box = page.locator('[data-testid="stBidiComponentIsolated"] input').first
    box.wait_for(timeout=120_000)  # the keyboard component loads after the page's reruns
    box.scroll_into_view_if_needed(timeout=120_000)
    box.click()
    page.keyboard.type("the film is s", delay=60)
    page.get_by_text("completing 's'").first.wait_for(timeout=300_000)


class Health(threading.Thread):
    """The server's process and its health endpoint every 2 s: failures, slowest answer."""

    def __init__(self, url: str, server) -> None:
        super().__init__(daemon=True)
        self.url, self.server = url, server
        self.checks, self.failures, self.slowest, self.exited = 0, [], 0.0, None
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.wait(2.0):
            self.checks += 1
            if self.server.poll() is not None:
                self.exited = self.server.returncode
                return
            started = time.perf_counter()
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=30).read()
            except OSError as error:
                self.failures.append(str(error))
            self.slowest = max(self.slowest, time.perf_counter() - started)


def _peak(timeline, column: int, log: Log) -> str:
    """The peak of one timeline column (1: proportional, 2: anonymous), when it came and
    which jobs ran then."""
    sample = max(timeline, key=lambda sample: sample[column])
    at, size = sample[0] - log.started, sample[column]
    running = [who for who, began, ended in log.jobs if began <= at <= ended] or ["none"]
    return (
        f"{size / 2**20:,.0f} MiB ({size / BUDGET_BYTES:.2f}x the 1 GiB) at {at:.0f} s "
        f"(the server's own anonymous memory {sample[3] / 2**20:,.0f} MiB), "
        f"running: {', '.join(running)}"
    )


def load_test(memory_limit_mb: int) -> None:
    settings = hosting_settings({**os.environ, "SEQLAB_HOSTED": "1"})
    print(
        f"# hosted load test: job deadline {settings.job_seconds:.0f} s, memory watchdog "
        f"{settings.memory_mb:.0f} MB, {settings.max_trainings} training(s) at once"
    )
    cage = MemoryCage(memory_limit_mb * 2**20) if memory_limit_mb else None
    if cage and not cage.available:
        print(f"(no memory cgroup: {MemoryCage.ROOT} is not writable; no limit enforced)")
        cage = None
    if cage:
        cage.drop_page_cache()
    log = Log()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # screenshots of failures, the server's log
    for stale in SCREENSHOTS.glob("*.png"):  # an earlier run's
        stale.unlink()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=BROWSER_FLAGS
        )
        home = browser.new_page()
        with served(
            lambda url: _open_when_up(home, url, "seqlab: do I need a neural net?"),
            hosted=True,
            cage=cage,
            log=SCREENSHOTS / "server.log",
        ) as (url, server, seconds):
            log("-", f"server up in {seconds:.0f} s")
            sampler, health = MemorySampler(server.pid), Health(url, server)
            sampler.start()
            health.start()
            visitors = Visitors(url, log)
            sessions = {
                "A": visitors.worst_link,
                "A2": visitors.word2vec_at_bounds,
                "A3": visitors.curve_at_bounds,
                "B": lambda browser: visitors.trains_and_uses(
                    browser,
                    "B",
                    "sequence-classification?dataset=digits&models=logreg,lstm&lstm.epochs=1",
                    ["Logistic regression", "LSTM"],
                    draw_digit,
                ),
                "C": lambda browser: visitors.trains_and_uses(
                    browser,
                    "C",
                    "text-classification?dataset=sms-spam&models=tfidf-logreg",
                    ["TF-IDF + logistic regression"],
                    classify_text,
                ),
                "D": lambda browser: visitors.trains_and_uses(
                    browser,
                    "D",
                    "predictive-text?corpus=dataset:polarity&models=ngram",
                    ["Kneser-Ney n-gram"],
                    type_words,
                ),
            }
            threads = [
                threading.Thread(target=visitors.run, args=(who, session), name=who)
                for who, session in sessions.items()
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            sampler.finished.set()
            health.finished.set()
            sampler.join()
            health.join()
            report(visitors, sampler, health, log)
        browser.close()
    if cage:
        print(cage.report())
        cage.remove()


def report(visitors: Visitors, sampler: MemorySampler, health: Health, log: Log) -> None:
    found = visitors.found
    print("\n## Server")
    print(
        f"alive throughout: {health.exited is None} ({health.checks} checks every 2 s, "
        f"{len(health.failures)} failed, slowest answer {health.slowest:.1f} s)"
        + (f"; exited with {health.exited}" if health.exited is not None else "")
    )
    workers = sorted({pid for *_, children in sampler.timeline for pid in children})
    print(f"processes under the server over the run (model worker and any restarts): {workers}")
    print("\n## Visitors")
    for who in sorted(found):
        print(f"{who}: {found[who]}")
    print("\n## Cross-talk")
    listed = {who: found[who]["compare"] for who in found if "compare" in found[who]}
    shared = set.intersection(*listed.values()) if listed else set()
    print(f"listed to every visitor (the reference runs): {len(shared)}")
    own = {who: runs - shared for who, runs in listed.items()}
    for who, runs in own.items():
        others = set().union(*(own[other] for other in own if other != who))
        leaked = runs & others
        print(
            f"{who}: {len(listed[who])} runs listed, {len(runs)} its own, "
            f"{len(leaked)} also listed to another visitor{': ' + str(leaked) if leaked else ''}; "
            f"shown A's curve: {found[who].get('sees_a_curve', 'not probed')}"
        )
    print("\n## Memory (server + model worker)")
    print(f"peak proportional: {_peak(sampler.timeline, 1, log)}")
    print(f"peak anonymous: {_peak(sampler.timeline, 2, log)}")
    print(f"server alone, peak resident: {sampler.peak_server / 2**20:,.0f} MiB")
    print("\njobs (who: what, started s, ended s):")
    for job in log.jobs:
        print(f"  {job[0]}: {job[1]:.0f} - {job[2]:.0f}")
