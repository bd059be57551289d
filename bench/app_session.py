"""The dashboard as a visitor meets it, in headless Chromium: cold start, page switches, the
predictive keyboard's per-keystroke latency, and the app's peak memory over a session that
trains and uses one model of each task.

- Cold start: from launching `streamlit run dashboard/app.py` (fresh data folder) to the
  Home page's title rendered in an already open browser; several starts, median.
- Page switch: a click on each sidebar link until that page's title is rendered; p50/p95.
- Keystroke: on Predictive text, after training the n-gram and a 1-epoch word LSTM on the
  polarity corpus, each keystroke inside a word until every model's column shows
  "completing '<the word so far>'": what the visitor waits for, browser and rerun included.
- Memory: the resident memory of the server process, and the proportional memory of it with
  all its children (in hosted mode the model worker, which does all TensorFlow work; shared
  libraries counted once),
  sampled every 0.25 s over the whole session; the hosted platform guarantees about 1 GB, so
  this session's server runs in hosted mode (SEQLAB_HOSTED=1, default caps: one training at
  a time), as deployed. Page switches and keystrokes are measured on that server too.

Every model trains for one epoch: this measures the app, not the models. Usage:

    .venv/bin/python bench/app_session.py [--starts 3] [--rounds 3]

`--load` runs the hosted load test instead (bench/hosted_load.py).
"""

import argparse
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUDGET_BYTES = 1 << 30  # the hosted platform's guarantee
PAGES = {  # sidebar link -> the page's title
    "Sequence classification": "Sequence classification",
    "Text classification": "Text classification",
    "Predictive text": "Predictive text",
    "Sequence labelling": "Sequence labelling",
    "Replier": "Replier",
    "Word2vec": "Word2vec",
    "Compare": "Compare",
    "Tensors": "Learn: tensors",
    "Perceptron": "Learn: the perceptron",
    "Home": "seqlab: do I need a neural net?",
}
# One model of each task, trained through the page's own Train button (settings by link),
# then used on that page, in the same browser session (a new page load is a new session).
TRAININGS = [
    ("sequence-classification?models=lstm&lstm.epochs=1", "LSTM"),
    ("text-classification?dataset=polarity&models=lstm&lstm.epochs=1", "LSTM"),
    ("sequence-labelling?corpus=hamlet&models=bilstm&bilstm.epochs=1", "Bidirectional LSTM tagger"),
    ("replier?models=dual-encoder&dual-encoder.epochs=1", "LSTM dual encoder"),
    (
        "predictive-text?corpus=dataset:polarity&models=ngram,word-lstm&word-lstm.epochs=1",
        "Word LSTM",
    ),
]
TYPED = "the film is a masterpiece of suspense and the acting is wonderful"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    return children


def _memory(pid: int) -> tuple[int, int, int]:
    """A process's resident, proportional and anonymous set sizes in bytes (zeros once it
    has ended).

    Resident memory counts a shared library in full in every process that maps it, so the
    children's TensorFlow libraries would be counted twice; the proportional size splits
    shared pages among the processes sharing them, so a process tree's sizes add up.
    Anonymous memory (heaps, stacks) is the part the kernel cannot drop and read back from
    disk under memory pressure, as it can the pages of library code."""
    sizes = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("Rss", "Pss", "Anonymous"):
                sizes[name] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return sizes.get("Rss", 0), sizes.get("Pss", 0), sizes.get("Anonymous", 0)


class MemorySampler(threading.Thread):
    """Peak resident memory of a process, and peak proportional and anonymous memory of it
    with all its descendants (in hosted mode the model worker)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_server, self.peak_tree, self.peak_anonymous = pid, 0, 0, 0
        self.step = self.peak_step = "start"  # what the session was doing (set by main)
        # (time, the tree's proportional, its anonymous, the server's anonymous, the children)
        self.timeline: list[tuple[float, int, int, int, tuple[int, ...]]] = []
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.wait(0.25):
            tree, pending = [], [self.pid]
            children = _children()
            while pending:
                pid = pending.pop()
                tree.append(pid)
                pending += children.get(pid, [])
            sizes = [_memory(pid) for pid in tree]
            self.peak_server = max(self.peak_server, sizes[0][0])
            if sum(size[1] for size in sizes) > self.peak_tree:
                self.peak_tree, self.peak_step = sum(size[1] for size in sizes), self.step
            self.peak_anonymous = max(self.peak_anonymous, sum(size[2] for size in sizes))
            self.timeline.append(
                (
                    time.monotonic(),
                    sum(size[1] for size in sizes),
                    sum(size[2] for size in sizes),
                    sizes[0][2],
                    tuple(tree[1:]),
                )
            )


class MemoryCage:
    """A cgroup (v1 memory controller) holding the server and its children under a memory
    limit, as the hosted platform's container does: there the kernel first reclaims page
    cache and library pages, and kills a process only when what it cannot reclaim is over
    the limit. Reports the group's peak charge and its out-of-memory kills. Needs a writable
    /sys/fs/cgroup/memory (root); `available` is False otherwise."""

    ROOT = Path("/sys/fs/cgroup/memory")

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        self.path = self.ROOT / f"seqlab-bench-{os.getpid()}"
        try:
            self.path.mkdir()
            (self.path / "memory.limit_in_bytes").write_text(str(limit_bytes))
            self.available = True
        except OSError:
            self.available = False

    def drop_page_cache(self) -> None:
        """Empty the machine's page cache, so the libraries the server reads are charged to
        the group, as in a fresh container (a page is charged to the group that reads it
        first)."""
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3")

    def enter(self) -> None:
        """Move the calling process (a server about to exec) into the group."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def report(self) -> str:
        peak = int((self.path / "memory.max_usage_in_bytes").read_text())
        kills = dict(
            line.split() for line in (self.path / "memory.oom_control").read_text().splitlines()
        ).get("oom_kill", "0")
        return (
            f"in a {self.limit_bytes / 2**20:,.0f} MiB memory cgroup, page cache emptied "
            f"before the server started: peak charge "
            f"{peak / 2**20:,.0f} MiB (page cache included, which the kernel reclaims at the "
            f"limit), {kills} process(es) killed for memory"
        )

    def remove(self) -> None:
        """Kill what is left in the group (a worker outliving its killed server), remove it."""
        for _ in range(50):
            pids = (self.path / "cgroup.procs").read_text().split()
            if not pids:
                break
            for pid in pids:
                with suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            time.sleep(0.1)
        self.path.rmdir()


@contextmanager
def served(
    page_ready=None,
    hosted: bool = False,
    cage: MemoryCage | None = None,
    log: Path | None = None,
):
    """A fresh dashboard on a free port (in hosted mode if `hosted`: SEQLAB_HOSTED=1 with
    its default caps; inside `cage` if given; its output written to `log` if given); yields
    (url, process, seconds from launch until `page_ready(url)` returned, or None)."""
    port = _free_port()
    with (
        tempfile.TemporaryDirectory() as data,
        open(log or os.devnull, "w") as output,
    ):
        started = time.perf_counter()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboard/app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
            ],
            cwd=REPO,
            env={**os.environ, "SEQLAB_DATA_DIR": data, "SEQLAB_HOSTED": "1" if hosted else "0"},
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=cage.enter if cage else None,
        )
        url = f"http://localhost:{port}"
        try:
            seconds = None
            if page_ready is not None:
                page_ready(url)
                seconds = time.perf_counter() - started
            yield url, server, seconds
        finally:
            server.kill()
            server.wait()


def _open_when_up(page, url: str, title: str) -> None:
    while True:
        try:
            page.goto(url, timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - the server is not listening yet
            time.sleep(0.05)
    page.get_by_role("heading", name=title).wait_for(timeout=120_000)


def cold_starts(browser, count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        page = browser.new_page()
        with served(lambda url, page=page: _open_when_up(page, url, PAGES["Home"])) as (
            _,
            _,
            took,
        ):
            seconds.append(took)
        page.close()
    return seconds


def page_switches(page, rounds: int) -> dict[str, list[tuple[float, float]]]:
    """Per page, (title shown, script run finished) seconds after its sidebar link's click;
    the first round pays for first imports (gensim, TensorFlow), later rounds do not."""
    times: dict[str, list[tuple[float, float]]] = {link: [] for link in PAGES}
    sidebar = page.locator('[data-testid="stSidebarNav"]')
    running = page.locator('[data-testid="stStatusWidget"]')
    for _ in range(rounds):
        for link, title in PAGES.items():
            started = time.perf_counter()
            sidebar.get_by_role("link", name=link, exact=True).click()
            page.get_by_role("heading", name=title).wait_for(timeout=120_000)
            shown = time.perf_counter() - started
            running.wait_for(state="hidden", timeout=120_000)
            times[link].append((shown, time.perf_counter() - started))
    return times


def train_one(page, url: str, link: str, title: str) -> None:
    page.goto(f"{url}/{link}")
    train = page.get_by_role("button", name="Train", exact=True)
    train.wait_for(timeout=120_000)
    page.wait_for_timeout(1500)  # the link's settings applied
    train.click()
    finished = page.get_by_text(f"{title}: finished.")
    finished.or_(page.get_by_text("ended unexpectedly")).first.wait_for(timeout=900_000)
    if not finished.count():
        raise SystemExit(f"{title} did not finish: its model worker ended (out of memory?)")


def keystrokes(page, models: int) -> list[float]:
    """Milliseconds from a keystroke inside a word until every model shows its completions."""
    box = page.locator('[data-testid="stBidiComponentIsolated"] input').first
    box.scroll_into_view_if_needed()
    box.click()
    waits = []
    for position, character in enumerate(TYPED):
        word = TYPED[: position + 1].split(" ")[-1]
        started = time.perf_counter()
        page.keyboard.type(character)
        if not word:
            page.get_by_text("next word", exact=True).nth(models - 1).wait_for(timeout=30_000)
            continue
        page.get_by_text(f"completing '{word}'", exact=True).nth(models - 1).wait_for(
            timeout=30_000
        )
        waits.append((time.perf_counter() - started) * 1000)
    return waits


def ask(page, box_label: str, text: str) -> None:
    """Type into a page's try-it box and submit it, as a visitor would."""
    box = page.get_by_role("textbox", name=box_label)
    box.scroll_into_view_if_needed()
    box.fill(text)
    box.press("Control+Enter")
    page.wait_for_timeout(3000)


USES = {  # what a visitor does with the model just trained, on the same page
    "text-classification": lambda page: ask(page, "Type or paste a text", "a gripping film"),
    "replier": lambda page: ask(page, "Your message", "What is your favorite movie?"),
}


def train_in_server(page, url: str) -> None:
    """Word2vec, which trains inside the server process, and the perceptron (in the model
    worker, in hosted mode)."""
    page.goto(f"{url}/word2vec")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Trained ").first.wait_for(timeout=900_000)
    page.goto(f"{url}/perceptron")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Cost: gradient descent").wait_for(timeout=300_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=3, help="cold starts timed")
    parser.add_argument("--rounds", type=int, default=4, help="passes over every page (>= 2)")
    parser.add_argument(
        "--memory-limit",
        type=int,
        default=1024,
        help="MiB the session's server and its children may use, enforced by a memory cgroup "
        "when this runs as root (0: no limit)",
    )
    parser.add_argument(
        "--load",
        action="store_true",
        help="the hosted load test instead (bench/hosted_load.py): one visitor at the bounds, "
        "three small ones, in the memory cgroup",
    )
    arguments = parser.parse_args()
    if arguments.load:
        from hosted_load import load_test  # it imports this module's helpers

        load_test(arguments.memory_limit)
        return
    if arguments.rounds < 2 or arguments.starts < 1:
        parser.error(
            "--rounds must be at least 2 (the first visit is reported apart), --starts at least 1"
        )
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=BROWSER_FLAGS
        )
        starts = cold_starts(browser, arguments.starts)
        print(
            f"\ncold start (launch to Home rendered), {len(starts)} starts: median "
            f"{np.median(starts):.1f} s (min {min(starts):.1f}, max {max(starts):.1f})"
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        cage = MemoryCage(arguments.memory_limit * 2**20) if arguments.memory_limit else None
        if cage and not cage.available:
            print(f"\n(no memory cgroup: {MemoryCage.ROOT} is not writable; no limit enforced)")
            cage = None
        if cage:
            cage.drop_page_cache()
        with served(
            lambda url: _open_when_up(page, url, PAGES["Home"]), hosted=True, cage=cage
        ) as (
            url,
            server,
            _,
        ):
            sampler = MemorySampler(server.pid)
            sampler.start()
            switches = page_switches(page, arguments.rounds)
            print(
                f"\npage switch, click to title shown / to the page's run finished (ms); "
                f"first visit, then p50 and p95 over the {arguments.rounds - 1} later rounds"
            )
            print(f"{'page':24} {'first':>13} {'p50':>13} {'p95':>13}")
            for link, seconds in switches.items():
                shown, idle = (np.array(column) * 1000 for column in zip(*seconds, strict=True))
                print(
                    f"{link:24} {shown[0]:6.0f}/{idle[0]:6.0f} "
                    + " ".join(
                        f"{np.percentile(shown[1:], q):6.0f}/{np.percentile(idle[1:], q):6.0f}"
                        for q in (50, 95)
                    )
                )

            for link, title in TRAININGS:
                sampler.step = f"training {title}"
                train_one(page, url, link, title)
                use = USES.get(link.split("?")[0])
                if use:
                    sampler.step = f"using {title}"
                    use(page)
            sampler.step = "typing"
            waits = keystrokes(page, models=2)  # the last one trained: predictive text
            print(
                f"\nkeystroke to both models' completions shown, {len(waits)} keystrokes: "
                f"p50 {np.percentile(waits, 50):.0f} ms, p95 {np.percentile(waits, 95):.0f} ms, "
                f"max {max(waits):.0f} ms"
            )
            sampler.step = "word2vec and the perceptron"
            train_in_server(page, url)
            sampler.finished.set()
            sampler.join()
        print(
            f"\npeak memory over the session: server {sampler.peak_server / 2**20:,.0f} MiB "
            f"resident; server with its children (the model worker) "
            f"{sampler.peak_tree / 2**20:,.0f} MiB proportional "
            f"({sampler.peak_tree / BUDGET_BYTES:.2f}x the 1 GiB budget), "
            f"{sampler.peak_anonymous / 2**20:,.0f} MiB anonymous "
            f"({sampler.peak_anonymous / BUDGET_BYTES:.2f}x); the proportional peak came "
            f"while {sampler.peak_step}"
        )
        if cage:
            print(cage.report())
            cage.remove()
        browser.close()


if __name__ == "__main__":
    main()
