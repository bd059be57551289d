"""A sweep and a contest in a spawned process: trials arrive as they end, the sweep or the
judged result comes back, and a stop keeps what finished."""

from core.paths import store_url
from core.runs.store import RunStore
from core.runtime.contest_jobs import ContestJob, ContestRequest
from core.task_names import SEQUENCE_CLASSIFICATION


def test_a_sweep_job_reports_each_trial_and_returns_the_sweep():
    request = ContestRequest(SEQUENCE_CLASSIFICATION, "digits", 8, model="logreg")
    job = ContestJob(request, RunStore(store_url())).start()
    assert job.kind == "tune" and job.label == "tuning of Logistic regression"
    assert job.wait(180), "the sweep did not finish"
    assert not job.error and job.fraction_done == 1.0
    assert [seen.trial for seen in job.trials] == list(job.sweep.trials)
    assert job.sweep.trials[0].settings == {"inverse_regularization": 1.0}  # the defaults


def test_a_contest_stopped_before_it_starts_is_judged_on_nothing_and_says_so():
    job = ContestJob(ContestRequest(SEQUENCE_CLASSIFICATION, "digits", 20), RunStore(store_url()))
    job.request_stop()
    assert job.start().wait(180), "the contest did not end"
    assert not job.error and job.trials == []
    assert job.result.stopped and job.result.contenders == {}
    assert job.result.verdict == (
        "No verdict on digits: no baseline or neural rung finished a trial before the "
        "contest was stopped."
    )
