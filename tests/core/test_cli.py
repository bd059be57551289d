"""The command line as a script would use it: a real subprocess, stdout JSON, exit codes."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util.tensor_util import make_ndarray

from core.paths import REPO_ROOT, curves_dir, store_url
from core.runs.store import RunStore


def run_cli(*arguments):
    return subprocess.run(
        [sys.executable, "-m", "core", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_datasets_lists_bundled_and_network_ones():
    result = run_cli("datasets")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any(line.startswith("digits") and "bundled" in line for line in lines)
    assert any(line.startswith("mnist ") and "network" in line for line in lines)


def test_train_stores_a_run_that_runs_lists():
    trained = run_cli(
        "train", "sequence-classification", "digits", "logreg", "--epochs", "5", "--json"
    )
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert {"run_id", "task", "dataset", "model", "metrics", "train_seconds"} <= set(summary)
    assert summary["status"] == "finished" and 0.5 < summary["metrics"]["accuracy"] <= 1
    assert "epoch 1:" in trained.stderr  # progress goes to stderr, JSON alone to stdout

    listed = run_cli("runs", "--json")
    assert [run["run_id"] for run in json.loads(listed.stdout)] == [summary["run_id"]]
    assert summary["run_id"] in run_cli("runs").stdout


def test_bad_settings_give_a_message_and_exit_2(data_folder):
    for arguments, message in (
        (["--epochs", "0"], "epochs must be at least 1"),
        (["--set", "units"], "--set takes key=value"),
        (["--set", "colour=red"], "Unknown setting 'colour'"),
    ):
        result = run_cli("train", "sequence-classification", "digits", "lstm", *arguments)
        assert result.returncode == 2
        assert message in result.stderr and "Traceback" not in result.stderr
    result = run_cli("train", "sequence-classification", "digits", "transformer")
    assert result.returncode == 2 and "choose one of logreg, " in result.stderr
    assert (
        not (data_folder / "runs.sqlite3").exists()
        or "[]" == run_cli("runs", "--json").stdout.strip()
    )


HOSTED_REFUSALS = (
    (
        ["--set", "units=2048", "--set", "layers=4", "--set", "batch_size=4096"],
        "units must be at most 256 on this shared server (hosted mode); got 2048.",
    ),
    (
        [
            "--set",
            "units=256",
            "--set",
            "layers=3",
            "--set",
            "batch_size=1024",
            "--set",
            "bidirectional=true",
        ],
        "This model would need about",
    ),
    (["--set", "learning_rate=nan"], "learning_rate must be a finite number; got nan."),
)


@pytest.mark.parametrize("settings, message", HOSTED_REFUSALS)
def test_a_shared_server_refuses_out_of_bounds_or_over_budget_before_tensorflow_loads(
    settings, message
):
    """Issue 20's command: in hosted mode it ends with exit 2 and the bound or the cost, and
    TensorFlow (seconds and 650 MB on a shared server) never loads."""
    command = [
        "core",
        "train",
        "sequence-classification",
        "digits",
        "lstm",
        *settings,
        "--epochs",
        "1",
    ]
    script = (
        "import runpy, sys\n"
        f"sys.argv = {command!r}\n"
        "try:\n"
        "    runpy.run_module('core', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as end:\n"
        "    print(end.code, 'tensorflow' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "SEQLAB_HOSTED": "1"},
    )
    assert result.stdout.split() == ["2", "False"], result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def start_long_training(model: str, epochs_to_wait_for: int) -> subprocess.Popen:
    """A 500-epoch CLI run of a tiny model, returned once its history has some epochs."""
    from core.paths import store_url
    from core.runs.store import RunStore

    command = [
        "train",
        "sequence-classification",
        "digits",
        model,
        "--set",
        "units=8",
        "--set",
        "layers=1",
        "--epochs",
        "500",
        "--json",
        "--quiet",
    ]
    training = subprocess.Popen(
        [sys.executable, "-m", "core", *command], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs = RunStore(store_url()).list_runs()
        if runs and len(runs[0].history) >= epochs_to_wait_for:
            return training
        time.sleep(0.5)
    training.kill()
    raise AssertionError("training never reached the wanted epoch")


def test_a_killed_training_run_is_recorded_as_abandoned_with_its_history():
    """kill -9 leaves no chance to clean up; the next listing closes the run honestly."""
    training = start_long_training("lstm", epochs_to_wait_for=2)
    training.send_signal(signal.SIGKILL)
    training.communicate()
    [run] = json.loads(run_cli("runs", "--json").stdout)
    assert run["status"] == "failed" and "Abandoned" in run["message"]
    assert run["epochs"] >= 2


def test_ctrl_c_stops_between_batches_and_records_the_partial_model():
    training = start_long_training("gru", epochs_to_wait_for=1)
    training.send_signal(signal.SIGINT)
    output, _ = training.communicate(timeout=120)
    assert training.returncode == 0
    summary = json.loads(output)
    assert summary["status"] == "stopped" and "partially trained" in summary["message"]
    assert 0 < summary["epochs"] < 500 and 0 <= summary["metrics"]["accuracy"] <= 1
    assert summary["artifact_path"].endswith(".keras")


def test_regression_reports_gradient_descent_and_closed_form_weights_and_cost():
    result = run_cli("train", "regression", "synthetic", "perceptron", "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)["metrics"]
    assert {"weights", "closed_form_weights", "final_cost", "closed_form_cost"} <= set(metrics)
    assert metrics["within_1_percent"] is True
    wrong = run_cli("train", "regression", "digits", "perceptron")
    assert wrong.returncode == 2 and "use the dataset 'synthetic'" in wrong.stderr


def labelled_csv(path, rows=30):
    lines = ["message,kind"]
    for number in range(rows // 2):
        lines += [f'"great product, loved it {number}",pos', f'"broke after a day {number}",neg']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_on_a_csv_file_stores_it_as_a_dataset(tmp_path, data_folder):
    csv = labelled_csv(tmp_path / "reviews.csv")
    trained = run_cli(
        "train", "text-classification", "tfidf-logreg", "--file", str(csv),
        "--text-column", "message", "--label-column", "kind", "--json",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert summary["dataset"].startswith("upload-") and summary["status"] == "finished"
    assert summary["split"]["test"] == 6
    again = run_cli(
        "train", "text-classification", "tfidf-knn", "--file", str(csv),
        "--text-column", "message", "--label-column", "kind", "--json",
    )  # fmt: skip
    assert json.loads(again.stdout)["dataset"] == summary["dataset"]  # same file, same dataset


def test_a_wrong_column_or_a_missing_file_is_a_message_and_exit_2(tmp_path):
    csv = labelled_csv(tmp_path / "reviews.csv")
    wrong = run_cli(
        "train", "text-classification", "lstm", "--file", str(csv),
        "--text-column", "msg", "--label-column", "kind",
    )  # fmt: skip
    assert wrong.returncode == 2
    assert "no column 'msg'; the columns are 'message', 'kind'" in wrong.stderr
    missing = run_cli(
        "train", "text-classification", "lstm", "--file", str(tmp_path / "nope.csv"),
        "--text-column", "a", "--label-column", "b",
    )  # fmt: skip
    assert missing.returncode == 2 and "Cannot read" in missing.stderr
    assert "Traceback" not in wrong.stderr + missing.stderr


CONLLU = """# sent_id = {index}
# text = The cat sat.
1\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_
2\tcat\tcat\tNOUN\tNN\t_\t3\tnsubj\t_\t_
3\tsat\tsit\tVERB\tVBD\t_\t0\troot\t_\tSpaceAfter=No
4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

"""


def test_train_a_tagger_on_a_conllu_file_and_segmentation_prints_boundary_f1(tmp_path):
    treebank = tmp_path / "tiny.conllu"
    treebank.write_text("".join(CONLLU.format(index=i) for i in range(12)), encoding="utf-8")
    tagged = run_cli(
        "train", "sequence-labelling", "logreg-window", "--file", str(treebank),
        "--set", "hash_bits=12", "--json",
    )  # fmt: skip
    assert tagged.returncode == 0, tagged.stderr
    summary = json.loads(tagged.stdout)
    assert summary["dataset"].startswith("tagged-upload-") and summary["status"] == "finished"
    assert set(summary["metrics"]["per_class_f1"]) <= {"DET", "NOUN", "VERB", "PUNCT"}
    segmented = run_cli(
        "train", "sequence-labelling", "segmentation:dataset:polarity", "logreg-window",
        "--set", "hash_bits=12", "--epochs", "2",
    )  # fmt: skip
    assert segmented.returncode == 0, segmented.stderr
    assert "word-boundary F1" in segmented.stdout and "95% CI" in segmented.stdout
    broken = tmp_path / "broken.txt"
    broken.write_text("The DET\ncat\n\n", encoding="utf-8")
    refused = run_cli("train", "sequence-labelling", "bilstm", "--file", str(broken))
    assert refused.returncode == 2 and "Line 2 of 'broken.txt'" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_train_a_replier_reports_recall_at_1_2_and_5(tmp_path):
    trained = run_cli("train", "reply", "chatterbot", "tfidf-retrieval", "--json", "--quiet")
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    metrics = summary["metrics"]
    assert summary["status"] == "finished" and summary["split"]["grouped_by"] == "message"
    assert 0.1 < metrics["recall_at_1"] <= metrics["recall_at_2"] <= metrics["recall_at_5"] <= 1
    assert metrics["recall_at_1_low"] < metrics["recall_at_1"] < metrics["recall_at_1_high"]
    assert metrics["candidates"] == 10 and metrics["test_examples"] == summary["split"]["test"]

    pairs = tmp_path / "pairs.csv"
    rows = ["question,answer"] + [f"what is item {i}?,item {i} is a widget" for i in range(120)]
    pairs.write_text("\n".join(rows), encoding="utf-8")
    uploaded = run_cli(
        "train", "reply", "tfidf-retrieval", "--file", str(pairs),
        "--message-column", "question", "--reply-column", "answer",
    )  # fmt: skip
    assert uploaded.returncode == 0, uploaded.stderr
    assert "1-of-10 recall@1" in uploaded.stdout and "95% CI" in uploaded.stdout
    wrong = run_cli("train", "reply", "tfidf-retrieval", "--file", str(pairs))
    assert wrong.returncode == 2 and "--message-column and --reply-column" in wrong.stderr


def test_train_text_prediction_on_a_plain_text_file(tmp_path, data_folder):
    """The page trains language models on an uploaded .txt file; the CLI takes one too."""
    corpus = tmp_path / "corpus.txt"
    paragraphs = [
        f"the cat number {index} sat on the mat and the dog sat on the log" for index in range(60)
    ]
    corpus.write_text("\n\n".join(paragraphs), encoding="utf-8")
    trained = run_cli("train", "text-prediction", "ngram", "--file", str(corpus), "--json")
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert summary["dataset"].startswith("corpus-upload-") and summary["status"] == "finished"
    assert summary["metrics"]["accuracy"] > 0.3  # a corpus this repetitive is easy to predict
    refused = run_cli("train", "regression", "perceptron", "--file", str(corpus))
    assert refused.returncode == 2 and "--file is for text-classification" in refused.stderr


def test_curve_prints_points_and_crossover_and_refuses_bad_fractions(data_folder):
    result = run_cli(
        "curve", "sequence-classification", "digits", "logreg", "lstm",
        "--fractions", "0.25,1", "--seeds", "1", "--epochs", "1", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    curve = json.loads(result.stdout)
    assert curve["complete"] and curve["metric"] == "accuracy"
    points = {(point["model"], point["fraction"]): point for point in curve["points"]}
    assert sorted(points) == [("logreg", 0.25), ("logreg", 1.0), ("lstm", 0.25), ("lstm", 1.0)]
    assert points[("logreg", 0.25)]["examples"] < points[("logreg", 1.0)]["examples"]
    assert all(0 < point["metric"] <= 1 for point in curve["points"])
    assert "crossover" in curve and "point 4/4: LSTM on 100%" in result.stderr
    assert len(list(curves_dir().glob("*.json"))) == 1  # the CLI's curves are shared

    refused = run_cli("curve", "sequence-classification", "digits", "logreg", "lstm",
                      "--fractions", "0.5,2")  # fmt: skip
    assert refused.returncode == 2 and "at most 1" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_tensorboard_flag_writes_each_epochs_metrics_for_tensorboard(data_folder):
    trained = run_cli(
        "train",
        "sequence-classification",
        "digits",
        "logreg",
        "--epochs",
        "3",
        "--tensorboard",
        "--json",
    )
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    folder = data_folder / "tensorboard" / summary["run_id"]
    assert f"TensorBoard logs in {folder}" in trained.stderr
    events = EventAccumulator(str(folder))
    events.Reload()
    tags = events.Tags()["tensors"]  # the summary Writer stores scalars as tensors
    assert "train/loss" in tags and "validation/accuracy" in tags, tags
    stored = RunStore(store_url()).get(summary["run_id"]).history  # the same numbers
    losses = events.Tensors("train/loss")
    assert [event.step for event in losses] == [1, 2, 3]
    assert [float(make_ndarray(event.tensor_proto)) for event in losses] == pytest.approx(
        [record["loss"] for record in stored]
    )
