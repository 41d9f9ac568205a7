"""Training-loop benchmark: sknn vs a hand-written PyTorch loop, skorch and sklearn.

Run with ``nox -s bench`` (or ``python tests/benchmarks/bench_training.py``). Never
collected by the test suite; timings never gate CI.

Per-epoch time of each variant relative to a hand-written PyTorch loop (= 1.00) on
40000 x 50 float32, two hidden layers of h units, 3 classes, Adam: the grid
h in {64, 256, 512} x batch in {32, 256, 2048}. Variants run interleaved in rounds,
sklearn last in each round and followed by a pause (numpy's BLAS threads keep spinning
after sklearn work and slow whatever torch code runs next); the first round is a
warm-up and is dropped; each cell reports the median over rounds of the per-round
ratio, which cancels this machine's multi-second stalls better than a median of times.

``--embedding DIM FREQUENCIES`` puts sknn's periodic numeric embedding in front of
the layers (``numeric_embedding="periodic"``), in the hand-written loop, sknn and
skorch alike (the same ``PeriodicEmbedding`` module); sklearn has no such layer and
is left out.
"""

import argparse
import statistics
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from torch import nn
from torch.nn import functional as F

import sknn

N_SAMPLES, N_FEATURES, N_CLASSES = 40_000, 50, 3
GRID_H = (64, 256, 512)
GRID_BATCH = (32, 256, 2048)


DEVICE = "cpu"  # --device: the hand-written loop, sknn and skorch run there
EMBEDDING = None  # --embedding: (embedding_dim, embedding_frequencies) or None
TASK = "classify"  # --task: "classify" (3 classes) or "regress" (one target)


def make_data(n_samples=N_SAMPLES):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=N_FEATURES,
        n_informative=20,
        n_classes=N_CLASSES,
        random_state=0,
    )
    if TASK == "regress":
        y = (X[:, :5].sum(axis=1) + np.sin(X[:, 5])).astype(np.float32)
    return X.astype(np.float32), y


def _n_outputs():
    return N_CLASSES if TASK == "classify" else 1


def _loss(output, target):
    if TASK == "classify":
        return F.cross_entropy(output, target)
    return F.mse_loss(output.squeeze(1), target)


def _module(n_features, h):
    """The benchmark's network as plain torch modules: two hidden ReLU layers of
    ``h`` units, after the periodic embedding with ``--embedding``."""
    layers = []
    if EMBEDDING is not None:
        from sknn._torch_module import PeriodicEmbedding

        dim, frequencies = EMBEDDING
        embedding = PeriodicEmbedding(n_features, dim, frequencies)
        with torch.no_grad():  # sknn's initial frequencies: normal, scale 0.1
            embedding.frequencies.normal_(0.0, 0.1)
            embedding.projection.uniform_(-0.1, 0.1)
        layers.append(embedding)
        n_features *= dim
    layers += [
        nn.Linear(n_features, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(),
        nn.Linear(h, _n_outputs()),
    ]  # fmt: skip
    return nn.Sequential(*layers)


def hand_written(X, y, h, batch_size, epochs):
    """The reference: tensors permuted once per epoch and sliced, fused Adam."""
    torch.manual_seed(0)
    model = _module(X.shape[1], h).to(DEVICE)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    Xt, yt = torch.from_numpy(X).to(DEVICE), torch.from_numpy(y).to(DEVICE)
    n = len(Xt)
    durations = []
    for _ in range(epochs):
        tic = time.perf_counter()
        perm = torch.randperm(n, device=DEVICE)
        Xp, yp = Xt[perm], yt[perm]
        total = torch.zeros((), device=DEVICE)
        for start in range(0, n, batch_size):
            xb, yb = Xp[start : start + batch_size], yp[start : start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = _loss(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(xb)
        float(total)  # read the epoch loss once, as any training loop does
        durations.append(time.perf_counter() - tic)
    return statistics.median(durations[1:])


def _mlp_params(h, batch_size, epochs):
    return dict(
        hidden_layer_sizes=(h, h),
        batch_size=batch_size,
        max_iter=epochs,
        n_iter_no_change=epochs + 1,
        random_state=0,
    )


def _embedding_params():
    if EMBEDDING is None:
        return {}
    dim, frequencies = EMBEDDING
    return dict(
        numeric_embedding="periodic",
        embedding_dim=dim,
        embedding_frequencies=frequencies,
    )


FIXED_COSTS = []


def sknn_fit(X, y, h, batch_size, epochs):
    """sknn.MLPClassifier.fit: median epoch time from ``history_`` (each epoch's
    ``dur`` spans its batches and its callbacks); the rest of the fit's wall time is
    its fixed cost (validation, building the net, exporting the weights)."""
    estimator = sknn.MLPClassifier if TASK == "classify" else sknn.MLPRegressor
    clf = estimator(
        **_mlp_params(h, batch_size, epochs), **_embedding_params(), device=DEVICE
    )
    tic = time.perf_counter()
    clf.fit(X, y)
    wall = time.perf_counter() - tic
    durations = [record["dur"] for record in clf.history_]
    FIXED_COSTS.append(wall - sum(durations))
    return statistics.median(durations[1:])


def sklearn_fit(X, y, h, batch_size, epochs):
    """sklearn's MLPClassifier.fit, wall time per epoch (its fixed cost is small)."""
    estimator = SklearnMLP if TASK == "classify" else SklearnMLPRegressor
    clf = estimator(**_mlp_params(h, batch_size, epochs))
    tic = time.perf_counter()
    clf.fit(X, y)
    return (time.perf_counter() - tic) / clf.n_iter_


def skorch_defaults(X, y, h, batch_size, epochs):
    """skorch's NeuralNet with its default DataLoader, callbacks and (unfused) Adam."""
    from skorch import NeuralNet

    module = _module(X.shape[1], h)
    if TASK == "regress":
        y = y.reshape(-1, 1)
    net = NeuralNet(
        module,
        criterion=nn.CrossEntropyLoss if TASK == "classify" else nn.MSELoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        batch_size=batch_size,
        max_epochs=epochs,
        iterator_train__shuffle=True,
        train_split=None,
        verbose=0,
        device=DEVICE,
    )
    net.fit(X, y)
    return statistics.median(net.history[1:, "dur"])


VARIANTS = {
    "hand-written": hand_written,
    "sknn": sknn_fit,
    "skorch defaults": skorch_defaults,
    "sklearn": sklearn_fit,  # last in a round: its BLAS threads spin afterwards
}


def run_training(rounds, epochs, variants, grid_h, grid_batch, n_samples):
    X, y = make_data(n_samples)
    ratios = {(v, h, b): [] for v in variants for h in grid_h for b in grid_batch}
    seconds = {key: [] for key in ratios}
    for round_ in range(rounds + 1):
        for h in grid_h:
            for b in grid_batch:
                times = {}
                for name in variants:
                    times[name] = VARIANTS[name](X, y, h, b, epochs)
                    if name == "sklearn":
                        time.sleep(0.3)
                if round_ == 0:
                    continue  # warm-up round
                for name in variants:
                    ratios[name, h, b].append(times[name] / times["hand-written"])
                    seconds[name, h, b].append(times[name])
        print(f"round {round_} done", flush=True)
    return ratios, seconds


def print_training_table(ratios, seconds, variants, grid_h, grid_batch, n_samples):
    print(
        f"\nPer-epoch time relative to the hand-written loop (median of per-round "
        f"ratios), {n_samples} x {N_FEATURES}, "
        f"{'3 classes' if TASK == 'classify' else 'one regression target'}, Adam, "
        f"periodic embedding (dim, frequencies) {EMBEDDING}, "
        f"device {DEVICE}, "
        f"torch threads={torch.get_num_threads()}"
    )
    print("| variant | h | " + " | ".join(f"batch {b}" for b in grid_batch) + " |")
    print("|---|---|" + "---|" * len(grid_batch))
    for name in variants:
        for h in grid_h:
            cells = []
            for b in grid_batch:
                ratio = statistics.median(ratios[name, h, b])
                epoch = statistics.median(seconds[name, h, b])
                cells.append(f"{ratio:.2f} ({epoch * 1000:.0f} ms)")
            print(f"| {name} | {h} | " + " | ".join(cells) + " |")
    sknn_ratios = [
        statistics.median(ratios["sknn", h, b]) for h in grid_h for b in grid_batch
    ]
    print(
        f"\nsknn / hand-written over the grid: max {max(sknn_ratios):.3f}, "
        f"median {statistics.median(sknn_ratios):.3f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--epochs", type=int, default=3, help="per fit; the first is dropped"
    )
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument("--hidden", nargs="+", type=int, default=list(GRID_H))
    parser.add_argument("--batch", nargs="+", type=int, default=list(GRID_BATCH))
    parser.add_argument("--rows", type=int, default=N_SAMPLES)
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N")
    parser.add_argument("--task", default="classify", choices=["classify", "regress"])
    parser.add_argument(
        "--embedding",
        nargs=2,
        type=int,
        metavar=("DIM", "FREQUENCIES"),
        help="the periodic numeric embedding in front of every variant but sklearn",
    )
    args = parser.parse_args(argv)
    global DEVICE, TASK, EMBEDDING
    DEVICE, TASK = args.device, args.task
    if args.embedding is not None:
        EMBEDDING = tuple(args.embedding)
        args.variants = [v for v in args.variants if v != "sklearn"]
    warnings.simplefilter("ignore", ConvergenceWarning)
    variants = ["hand-written", *[v for v in args.variants if v != "hand-written"]]
    ratios, seconds = run_training(
        args.rounds, args.epochs, variants, args.hidden, args.batch, args.rows
    )
    print_training_table(ratios, seconds, variants, args.hidden, args.batch, args.rows)
    if FIXED_COSTS:
        print(
            f"sknn fixed cost of a fit on {args.rows} x {N_FEATURES}: median "
            f"{statistics.median(FIXED_COSTS) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
