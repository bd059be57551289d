"""One process that does all of an app's TensorFlow work, so the app itself never loads it.

On a public host with about 1 GB (hosted mode), every process that imports TensorFlow holds
hundreds of MB of its own besides the library's shared pages: an app that tried the networks
itself and a child process per training held two copies, well over the limit (bench/README.md,
app_session.py and Figures formerly in code comments).
Here the app starts one worker process instead, shared by every visitor of that app:
- jobs (trainings, learning curves, line fits) run in it as threads, each reporting events
  and reading a stop request exactly as in a child process of its own (core/runtime/jobs.py);
- calls run a module-level function there and hand its result back: `RemoteModel` turns a
  trained network's methods into such calls, on a copy of the model the worker loads once and
  keeps among the last `MODELS_CACHED` used, whoever asked.

Requests and replies cross between the two processes through multiprocessing queues (pickled
between seqlab's own processes, never anything a user supplied). When the worker dies (most
likely out of memory), running calls raise `WorkerLost`, running jobs are marked lost like a
child process that died, and the next request starts a new worker.

The app also ends the worker itself, never waiting on it: when a job does not honour a stop
request in time (`end_job`: a thread stuck building a huge model or in one giant batch cannot
be interrupted), and when its memory watchdog sees the app and the worker together use more
than `memory_mb` (hosted mode's SEQLAB_MEMORY_MB). Both, because a container's limit holds for
both: watching the worker alone let the kernel kill it, and once the app too, before the
worker reached its own limit (bench/README.md, "Hosted load test in 1 GiB"). The watchdog runs
here in the app, reading both processes' anonymous resident memory from /proc
(`resident_mb`), so it works while the worker is stuck in C code: over the limit it asks the
running jobs to stop; still over after MEMORY_GRACE seconds, or over the limit by more than
HARD_LIMIT, it kills the worker. Should the kernel have to choose, the worker asks to be its
first choice (`_first_to_go`), so the app and its visitors survive.
"""

import itertools
import multiprocessing.connection
import os
import queue
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from core.errors import UserFacingError
from core.hosting import hosting_settings
from core.runtime.freed_memory import release_freed_memory

MODELS_CACHED = 6  # trained networks kept loaded in the worker, least recently used dropped
MEMORY_SAMPLE_SECONDS = 0.25  # how often the watchdog reads the worker's memory
MEMORY_GRACE = 3.0  # seconds the worker may stay over its limit after its jobs were asked to stop
# Over the limit by this factor, the worker is killed at once: the default limit times this is
# just under the ~1,000 MiB at which the kernel killed in a 1 GiB container.
HARD_LIMIT = 1.04
_REBUILT_ERRORS = {"UserFacingError": UserFacingError, "ValueError": ValueError}


class WorkerLost(UserFacingError):
    """The worker process ended while a call was waiting for it."""


class ModelWorker:
    """The app's side of the worker: starts it when first needed, routes its replies."""

    def __init__(self, memory_mb: float | None = None) -> None:
        """`memory_mb`: the watchdog's limit on the app's and the worker's anonymous memory
        together; None takes hosted mode's SEQLAB_MEMORY_MB there and watches nothing
        elsewhere."""
        hosting = hosting_settings()
        self.memory_mb = memory_mb or (hosting.memory_mb if hosting.hosted else None)
        self._lock = threading.Lock()
        self._process = None
        self._numbers = itertools.count()
        self._calls: dict[int, Future] = {}
        self._jobs: dict[int, Any] = {}  # number -> the core.runtime.jobs.ChildJob it runs

    def call(self, function: Callable, *args, **kwargs) -> Any:
        """`function(*args, **kwargs)` run in the worker; its result, or its error raised here
        (UserFacingError and ValueError as themselves, anything else as RuntimeError)."""
        future = Future()
        with self._lock:
            number = next(self._numbers)
            self._send(("call", number, function, args, kwargs))
            self._calls[number] = future
        return future.result()

    def run_job(self, job, target: Callable, args: tuple, stopped: bool = False) -> int:
        """Start `target(*args, events, stop)` in the worker for `job`, whose `deliver(event)`
        receives the events and `lose(exit_code)` hears of a worker that died (its stop flag
        already set when `stopped`); the job's number, for `stop_job`."""
        with self._lock:
            number = next(self._numbers)
            self._send(("job", number, target, args, stopped))
            self._jobs[number] = job
        return number

    def stop_job(self, number: int) -> None:
        with self._lock:
            if number in self._jobs:
                self._send(("stop", number))

    def end_job(self, number: int) -> None:
        """Kill the worker that runs job `number` (which did not honour its stop request):
        the job is lost as its `lose` says, the worker's other jobs and calls fail, and the
        next request starts a new worker. Returns at once."""
        with self._lock:
            if number in self._jobs:
                self._kill()

    def close(self) -> None:
        """End the worker (tests, and an app shutting down); running jobs are lost."""
        with self._lock:
            process = self._process
            if process is not None and process.is_alive():
                self._requests.put(("quit",))
        if process is not None:
            process.join(10)
            if process.is_alive():
                process.kill()

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs (memory measurements)."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def _send(self, request: tuple) -> None:
        """Put a request to the worker, starting one first if none runs; what a dead one still
        owed fails first (lock held, so its reply reader does not fail the new requests)."""
        if self._process is None or not self._process.is_alive():
            if self._process is not None:
                self._fail_outstanding(self._process.exitcode)
            self._start()
        self._requests.put(request)

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # forking a process with TF is unsafe
        self._requests, self._replies = context.Queue(), context.Queue()
        self._process = context.Process(
            target=_serve,
            args=(self._requests, self._replies),
            name="seqlab-model-worker",
            daemon=True,
        )
        self._process.start()
        threading.Thread(
            target=self._read_replies,
            args=(self._process, self._replies),
            name="seqlab-model-worker-replies",
            daemon=True,
        ).start()
        if self.memory_mb is not None:
            threading.Thread(
                target=self._watch_memory,
                args=(self._process,),
                name="seqlab-model-worker-memory",
                daemon=True,
            ).start()

    def _kill(self) -> None:
        """Kill the worker and fail what it owed now, without waiting for it to die (lock
        held); its reply reader reaps it, and the next request starts a new one."""
        process = self._process
        if process is None:
            return
        process.kill()
        self._requests.cancel_join_thread()  # what it was still sent must not hold up exit
        self._process = None
        self._fail_outstanding(-signal.SIGKILL)

    def _watch_memory(self, process) -> None:
        """The memory watchdog of one worker process, until it ends: when it and the app
        together hold more than `memory_mb`, the running jobs are asked to stop, saying so;
        the worker is killed if they are still over after MEMORY_GRACE seconds, or at once
        over HARD_LIMIT times the limit."""
        over_since = None
        while not multiprocessing.connection.wait([process.sentinel], MEMORY_SAMPLE_SECONDS):
            worker, app = resident_mb(process.pid), resident_mb(os.getpid())
            if worker is None or app is None:
                return  # no /proc here: nothing to watch with
            resident = worker + app
            if resident <= self.memory_mb:
                over_since = None
                continue
            if over_since is None:
                over_since = time.monotonic()
                self._stop_jobs(
                    "Stopped: it needed more memory than this shared server allows "
                    f"({resident:.0f} MB of {self.memory_mb:.0f} MB, with the app's)."
                )
            if (
                resident > self.memory_mb * HARD_LIMIT
                or time.monotonic() - over_since > MEMORY_GRACE
            ):
                with self._lock:
                    if process is self._process:
                        self._kill()
                return

    def _stop_jobs(self, reason: str) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.request_stop(reason)

    def _read_replies(self, process, replies) -> None:
        while True:
            try:
                reply = replies.get(timeout=0.5)
            except queue.Empty:
                if process.is_alive():
                    continue
                with self._lock:
                    if process is self._process:  # else a request already found it dead
                        self._fail_outstanding(process.exitcode)
                return
            kind, number = reply[0], reply[1]
            if kind == "event":
                job = self._jobs.get(number)
                if job is None:
                    continue
                if reply[2] == ("job-end",):
                    with self._lock:
                        self._jobs.pop(number, None)
                job.deliver(reply[2])
            elif kind == "lost":
                with self._lock:
                    job = self._jobs.pop(number, None)
                if job is not None:
                    job.lose(None)
            elif kind == "result":
                with self._lock:
                    future = self._calls.pop(number, None)
                if future is not None:  # else failed already, by a kill
                    future.set_result(reply[2])
            elif kind == "error":
                with self._lock:
                    future = self._calls.pop(number, None)
                if future is None:
                    continue
                name, message = reply[2], reply[3]
                error = _REBUILT_ERRORS.get(name)
                future.set_exception(
                    error(message) if error else RuntimeError(f"{name}: {message}")
                )

    def _fail_outstanding(self, exit_code: int | None) -> None:
        """The worker died: its calls raise WorkerLost, its jobs are lost (lock held)."""
        for future in self._calls.values():
            future.set_exception(
                WorkerLost(
                    f"The model worker ended unexpectedly (exit code {exit_code}); it may have "
                    "run out of memory. Try again: a new one starts."
                )
            )
        for job in self._jobs.values():
            job.lose(exit_code)
        self._calls.clear()
        self._jobs.clear()


def resident_mb(pid: int) -> float | None:
    """The anonymous resident memory of process `pid` in MB, from /proc; None where there is
    none (not Linux) or the process has ended.

    Anonymous memory is the process's own, which the kernel cannot reclaim but by killing it.
    The rest of its resident memory is file pages, mostly TensorFlow's libraries (about 370 MB
    of a worker's 650 MB with TensorFlow loaded and idle, on the project's machine): shared
    and reclaimable, counting them would trip the limit before any training began. Kernels
    before 4.5 report no RssAnon; there it is VmRSS, all of it.
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status)
        kilobytes = fields.get("RssAnon") or fields["VmRSS"]
        return int(kilobytes.split()[0]) / 1024
    except (OSError, ValueError, KeyError, IndexError):
        return None


class RemoteModel:
    """A trained network that lives in the worker: calling a method on it calls the
    worker's copy, loaded from `run`'s stored file on first use."""

    def __init__(self, run, worker: ModelWorker) -> None:
        self.run, self.worker = run, worker

    def __deepcopy__(self, memo: dict) -> "RemoteModel":
        """Itself: a handle on the worker's one copy (Streamlit deep-copies widget options)."""
        return self

    def __getattr__(self, method: str) -> Callable:
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args, **kwargs: self.worker.call(
            _call_method, self.run, method, args, kwargs
        )

    def apply(self, function: Callable, *args) -> Any:
        """`function(model, *args)` run in the worker on its copy of the model."""
        return self.worker.call(_apply_to_model, self.run, function, args)


# ---- in the worker process ----

_models: OrderedDict = OrderedDict()  # run id -> loaded model, most recently used last
_models_lock = threading.Lock()


def _loaded(run):
    """The worker's copy of `run`'s model (its checksum verified on loading)."""
    from core.tasks.training import load_trained_model

    with _models_lock:
        if run.id in _models:
            _models.move_to_end(run.id)
            return _models[run.id]
    model = load_trained_model(run)
    with _models_lock:
        _models[run.id] = model
        while len(_models) > MODELS_CACHED:
            _models.popitem(last=False)
    return model


def _call_method(run, method: str, args: tuple, kwargs: dict) -> Any:
    return getattr(_loaded(run), method)(*args, **kwargs)


def _apply_to_model(run, function: Callable, args: tuple) -> Any:
    return function(_loaded(run), *args)


class _JobEvents:
    """A job's `events` in the worker: what it puts goes to the app, tagged with its number."""

    def __init__(self, replies, number: int) -> None:
        self.replies, self.number = replies, number

    def put(self, event: tuple) -> None:
        self.replies.put(("event", self.number, event))


def _rebuilt_name(error: Exception) -> str:
    """The name the app rebuilds `error` as: a UserFacingError of any kind (a dataset that
    cannot be loaded, a setting out of bounds) stays one, so its message is shown as such."""
    for kind in _REBUILT_ERRORS.values():
        if isinstance(error, kind):
            return kind.__name__
    return type(error).__name__


def _answer(replies, number: int, function: Callable, args: tuple, kwargs: dict) -> None:
    try:
        result = function(*args, **kwargs)
    except Exception as error:  # handed back to the caller, which shows its message
        replies.put(("error", number, _rebuilt_name(error), str(error)))
    else:
        replies.put(("result", number, result))


def _run_job(replies, number: int, target: Callable, args: tuple, stops: dict) -> None:
    try:
        target(*args, _JobEvents(replies, number), stops[number])
    except BaseException:  # the targets report their own failures; this one escaped them
        replies.put(("lost", number))
        raise
    finally:
        del stops[number]
        _release_freed_memory()


def _release_freed_memory() -> None:
    """After a job: drop the data it loaded (core/runtime/data_caches.py) and return what it
    freed."""
    from core.runtime.data_caches import clear_data_caches

    clear_data_caches()
    release_freed_memory()


def _exit_with_parent() -> None:
    """End this worker when the app that started it ends, however it ends: a killed app
    sends no "quit", and the worker's own copy of the request queue keeps it open, so
    `requests.get()` alone would wait forever, holding TensorFlow's memory."""
    parent = multiprocessing.parent_process()
    multiprocessing.connection.wait([parent.sentinel])
    os._exit(0)


def _first_to_go() -> None:
    """Ask the kernel to end this worker first when memory runs out: the app then lives on,
    its visitors see what was running end with a message, and the next request starts a new
    worker. Raising one's own score needs no privilege."""
    try:
        with open("/proc/self/oom_score_adj", "w") as score:
            score.write("1000")
    except OSError:
        pass  # not Linux, or /proc read-only: the kernel chooses as it will


def _serve(requests, replies) -> None:
    """The worker's main loop: each call and each job in a thread of its own."""
    _first_to_go()
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    stops: dict[int, threading.Event] = {}
    while True:
        request = requests.get()
        kind = request[0]
        if kind == "quit":
            return
        if kind == "call":
            _, number, function, args, kwargs = request
            threading.Thread(
                target=_answer, args=(replies, number, function, args, kwargs), daemon=True
            ).start()
        elif kind == "job":
            _, number, target, args, stopped = request
            stops[number] = threading.Event()
            if stopped:
                stops[number].set()
            threading.Thread(
                target=_run_job, args=(replies, number, target, args, stops), daemon=True
            ).start()
        elif kind == "stop" and (stop := stops.get(request[1])) is not None:
            stop.set()
