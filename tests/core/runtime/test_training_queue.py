"""The line in front of hosted mode's job slots: order, capacity, leaving, forgetting, one job
per visitor, and the rules that end every running job: its deadline, a closed page, a kill
when a stop goes unheeded."""

import threading

import pytest

from core.runtime.training_queue import AlreadyQueued, TrainingQueue


class FakeJob:
    """Starts when told; finishes when the test says so, or when asked to stop if it heeds."""

    def __init__(self, name, visitor=None, deadline=None, heeds_stop=True):
        self.name, self.visitor, self.deadline, self.heeds_stop = (
            name,
            visitor,
            deadline,
            heeds_stop,
        )
        self.label = f"job {name}"
        self.started = self.finished = self.stop_requested = self.killed = False
        self.cancelled = self.stop_reason = None

    @property
    def done(self):
        return self.finished or self.cancelled is not None

    def start(self):
        self.started = True
        return self

    def cancel(self, message):
        self.cancelled = message

    def request_stop(self, reason=None):
        self.stop_requested, self.stop_reason = True, reason

    def kill(self):
        self.killed = self.finished = True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def fake_line(clock, capacity=1, **options):
    """A queue on the fake clock, its rules applied only when the test looks at it."""
    return TrainingQueue(capacity, patience=120, clock=clock, sweep_seconds=None, **options)


def test_jobs_over_capacity_wait_in_order_and_start_as_slots_free():
    queue = TrainingQueue(capacity=2)
    first, second, third, fourth = (FakeJob(name) for name in "abcd")
    for job in (first, second, third, fourth):
        queue.submit(job)
    assert [job.started for job in (first, second, third, fourth)] == [True, True, False, False]
    assert queue.ahead_of(first) is None  # running
    assert (queue.ahead_of(third), queue.ahead_of(fourth)) == (2, 3)
    second.finished = True
    assert queue.ahead_of(fourth) == 2 and third.started and not fourth.started
    first.finished = third.finished = True
    assert queue.ahead_of(fourth) is None and fourth.started
    assert queue.running == 1


def test_no_capacity_means_every_job_starts_at_once():
    queue = TrainingQueue(capacity=None)
    jobs = [FakeJob(name) for name in "abc"]
    for job in jobs:
        queue.submit(job)
    assert all(job.started for job in jobs) and queue.running == 3


def test_a_withdrawn_job_never_starts_and_the_next_moves_up():
    queue = TrainingQueue(capacity=1)
    running, leaving, staying = FakeJob("a"), FakeJob("b"), FakeJob("c")
    for job in (running, leaving, staying):
        queue.submit(job)
    assert queue.withdraw(leaving) and not queue.withdraw(running)
    assert queue.ahead_of(staying) == 1
    running.finished = True
    assert queue.ahead_of(staying) is None and staying.started and not leaving.started


def test_a_waiting_job_nobody_asks_about_leaves_the_line(clock):
    queue = fake_line(clock)
    running, forgotten, watched = FakeJob("a"), FakeJob("b"), FakeJob("c")
    for job in (running, forgotten, watched):
        queue.submit(job)
    clock.now = 100
    assert queue.ahead_of(watched) == 2  # the forgotten one is still within its patience
    clock.now = 121
    assert queue.ahead_of(watched) == 1
    assert "left the queue after 120 s" in forgotten.cancelled and not forgotten.started
    running.finished = True
    assert queue.ahead_of(watched) is None and watched.started


def test_a_visitor_has_one_job_in_the_line_at_a_time_and_others_are_served_in_turn(clock):
    queue = fake_line(clock)
    first, second = FakeJob("a", visitor="ann"), FakeJob("b", visitor="ann")
    bob = FakeJob("c", visitor="bob")
    queue.submit(first)
    with pytest.raises(AlreadyQueued, match="Your job a is still running: .* one job per visitor"):
        queue.submit(second)
    queue.submit(bob)
    bob_again = FakeJob("d", visitor="bob")
    with pytest.raises(AlreadyQueued, match="Your job c is still waiting in line"):
        queue.submit(bob_again)
    assert not second.started and queue.ahead_of(bob) == 1
    first.finished = True
    queue.submit(second)  # ann's first job ended: her next one queues, behind bob's
    assert bob.started and queue.ahead_of(second) == 1
    unnamed = [FakeJob(name) for name in "xy"]  # no visitor (outside hosted mode): no limit
    for job in unnamed:
        queue.submit(job)
    assert queue.ahead_of(unnamed[1]) == 3


def test_a_running_job_is_stopped_at_its_deadline_and_killed_if_it_does_not_heed(clock):
    queue = fake_line(clock, capacity=None, grace=20)
    heeds, ignores = FakeJob("a", deadline=600), FakeJob("b", deadline=900)
    queue.submit(heeds)
    queue.submit(ignores)
    clock.now = 599
    assert queue.running == 2 and not heeds.stop_requested
    clock.now = 601
    assert queue.running == 2
    assert heeds.stop_reason == "Stopped at its deadline of 600 s on this shared server."
    assert not ignores.stop_requested
    heeds.finished = True  # it heeded the request
    clock.now = 901
    assert queue.running == 1 and "deadline of 900 s" in ignores.stop_reason
    clock.now = 915
    assert queue.running == 1 and not ignores.killed  # within its grace
    clock.now = 922
    assert queue.running == 0 and ignores.killed and not heeds.killed


def test_a_stop_by_the_visitor_that_goes_unheeded_ends_in_a_kill(clock):
    queue = fake_line(clock, grace=20)
    job = FakeJob("a")
    queue.submit(job)
    job.request_stop()
    clock.now = 10
    assert queue.running == 1
    clock.now = 31
    assert queue.running == 0 and job.killed and job.stop_reason is None


def test_a_running_job_whose_page_is_gone_is_stopped_in_hosted_mode(clock):
    queue = fake_line(clock, capacity=2, stop_unwatched=True)
    watched, forgotten = FakeJob("a"), FakeJob("b")
    queue.submit(watched)
    queue.submit(forgotten)
    for second in range(0, 200, 10):
        clock.now = second
        assert queue.ahead_of(watched) is None  # its page asks every so often
    assert not watched.stop_requested
    assert forgotten.stop_reason == "Stopped: its page was closed (not looked at for 120 s)."
    local = fake_line(clock)  # outside hosted mode a running job runs on unwatched
    job = FakeJob("c")
    local.submit(job)
    clock.now += 1000
    assert local.running == 1 and not job.stop_requested


def test_a_visitor_reading_another_page_keeps_their_job(clock):
    """Any open page of the visitor says they are there; only their own jobs are kept."""
    queue = fake_line(clock, capacity=2, stop_unwatched=True)
    reading, gone = FakeJob("a", visitor="reader"), FakeJob("b", visitor="gone")
    queue.submit(reading)
    queue.submit(gone)
    for second in range(0, 300, 30):
        clock.now = second
        queue.visitor_seen("reader")  # the page's keep-alive, every 30 s
        assert queue.running == 2 or gone.stop_requested  # the line is looked at
    assert not reading.stop_requested
    assert gone.stop_reason == "Stopped: its page was closed (not looked at for 120 s)."


def test_the_queue_applies_its_rules_by_itself_while_it_holds_jobs():
    queue = TrainingQueue(capacity=None, grace=0.2, sweep_seconds=0.05)
    stuck = FakeJob("a", deadline=0.1)
    queue.submit(stuck)
    for _ in range(100):  # nobody looks at the line: its own thread stops, then kills
        if stuck.killed:
            break
        threading.Event().wait(0.05)
    assert "deadline of 0.1 s" in stuck.stop_reason and stuck.killed
