"""The line in front of hosted mode's training slots: order, capacity, leaving, forgetting."""

from core.runtime.training_queue import TrainingQueue


class FakeJob:
    """Starts when told; finishes when the test says so."""

    def __init__(self, name):
        self.name, self.started, self.finished, self.cancelled = name, False, False, None

    @property
    def done(self):
        return self.finished or self.cancelled is not None

    def start(self):
        self.started = True
        return self

    def cancel(self, message):
        self.cancelled = message


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


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


def test_a_waiting_job_nobody_asks_about_leaves_the_line():
    clock = Clock()
    queue = TrainingQueue(capacity=1, patience=120, clock=clock)
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
