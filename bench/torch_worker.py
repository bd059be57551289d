"""PyTorch's side of bench/throughput.py, run by `.venv-bench/bin/python` (torch is kept out of
the main venv). One worker per cell: nn.LSTM or nn.GRU(28 -> UNITS) + Linear(UNITS -> 10),
Adam, cross entropy, on the arrays throughput.py saved. Each "run" line on standard input
trains one shuffled epoch over them and prints its seconds, so the parent can interleave
this worker's epochs with Keras's.

    .venv-bench/bin/python bench/torch_worker.py CELL DATA.npz BATCH THREADS
"""

import sys
import time

import numpy as np
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self, cell: str, features: int, units: int, classes: int):
        super().__init__()
        recurrent = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.recurrent = recurrent(features, units, batch_first=True)
        self.output = nn.Linear(units, classes)

    def forward(self, rows):  # (batch, time, features)
        sequence, _ = self.recurrent(rows)
        return self.output(sequence[:, -1])  # logits; the loss applies the softmax


def main(cell: str, data_path: str, batch_size: int, threads: int) -> None:
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(threads)
    torch.manual_seed(0)
    with np.load(data_path) as data:
        rows = torch.from_numpy(data["rows"])
        labels = torch.from_numpy(data["labels"]).long()
        units, classes = int(data["units"]), int(data["classes"])
    model = Classifier(cell, rows.shape[2], units, classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()

    def epoch() -> float:
        started = time.perf_counter()
        order = torch.randperm(len(rows))
        for start in range(0, len(rows), batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(rows[batch]), labels[batch])
            loss.backward()
            optimizer.step()
        return time.perf_counter() - started

    epoch()  # warm-up
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "run":
            print(f"{epoch():.6f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
