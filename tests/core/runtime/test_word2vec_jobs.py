"""Word2vec as a job: the target's events on a tiny uploaded corpus, and one real child
process that trains and hands the vectors back."""

import queue
import threading

from core.data.corpora import corpus_from_upload
from core.models.word2vec import Word2VecConfig
from core.models.word_vectors import nearest
from core.runtime.word2vec_jobs import EVALUATING, READING, Word2VecJob, train_and_evaluate

QUICK = Word2VecConfig(vector_size=16, min_count=1, epochs=3)
TEXT = "\n".join(
    f"the {animal} {verb} on the {place} today"
    for animal in ("cat", "dog", "bird", "horse")
    for verb in ("sat", "slept", "stood")
    for place in ("mat", "rug", "floor", "bed")
)


def tiny_corpus_name() -> str:
    """A corpus a job finds by name from any process: stored as an upload."""
    return corpus_from_upload(TEXT.encode(), "tiny.txt").name


def events_of(corpus_name: str, config: Word2VecConfig, stopped: bool = False) -> list[tuple]:
    events, stop = queue.Queue(), threading.Event()
    if stopped:
        stop.set()
    train_and_evaluate(corpus_name, config, events, stop)
    return [events.get_nowait() for _ in range(events.qsize())]


def test_the_job_reports_phases_and_epochs_then_sends_the_vectors_and_their_scores():
    events = events_of(tiny_corpus_name(), QUICK)
    kinds = [event[0] for event in events]
    assert kinds == ["phase", "phase", "epoch", "epoch", "epoch"] + [
        "trained",
        "phase",
        "evaluated",
        "job-end",
    ]
    assert [events[0][1], events[1][1], events[6][1]] == [READING, "training", EVALUATING]
    assert [event[1]["epoch"] for event in events[2:5]] == [1, 2, 3]
    trained = events[5][1]
    assert trained.epochs_completed == 3 and len(trained.vectors) == 14
    assert events[7][1].analogies.total == 19_544


def test_a_stop_before_the_first_epoch_and_an_unknown_corpus_end_with_a_message():
    stopped = events_of(tiny_corpus_name(), QUICK, stopped=True)
    assert stopped[-2][0] == "failed" and "nothing was learnt" in stopped[-2][1]
    assert "trained" not in [event[0] for event in stopped]
    unknown = events_of("no-such-corpus", QUICK)
    assert [event[0] for event in unknown] == ["phase", "failed", "job-end"]
    assert "Unknown corpus 'no-such-corpus'" in unknown[1][1]


def test_a_job_in_a_child_process_hands_back_usable_vectors():
    job = Word2VecJob(tiny_corpus_name(), QUICK).start()
    assert job.wait(120), "the child process did not finish"
    assert job.error is None, job.error
    assert [record["epoch"] for record in job.history] == [1, 2, 3]
    assert job.result.corpus_title == "tiny.txt" and job.evaluation is not None
    assert len(nearest(job.result.vectors, "cat", topn=3)) == 3


def test_a_job_taken_out_of_the_queue_ends_with_the_reason():
    job = Word2VecJob("lee", QUICK)
    job.cancel("Not started: you left the queue.")
    assert job.done and job.result is None and job.error == "Not started: you left the queue."


def test_a_job_the_server_stopped_says_why_also_when_it_had_to_be_ended():
    reason = "Stopped at its deadline of 5 s on this shared server."
    job = Word2VecJob("lee", QUICK)
    job.request_stop(reason)
    job.deliver(("failed", "Stopped before the first epoch: nothing was learnt."))
    assert job.error == f"{reason} Stopped before the first epoch: nothing was learnt."
    ended = Word2VecJob("lee", QUICK)
    ended.request_stop(reason)
    ended.lose(None)  # killed after the grace period
    assert ended.done and ended.error.startswith(reason) and "its process was ended" in ended.error
