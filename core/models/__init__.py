"""Every model, baseline or neural, behind one protocol (core/models/protocol.py).

baselines/ holds the simple solutions, recurrent/ the TensorFlow networks, kernels/ the
optional compiled LSTM op; registry.py says which models each task offers.
"""
