"""The compiled LSTM op: optional, built by `make native`; without it FastLSTM runs on
TensorFlow's ops (core/models/recurrent/fast_recurrent.py)."""
