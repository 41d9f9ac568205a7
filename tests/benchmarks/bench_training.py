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

``--periodic DIM FREQUENCIES`` (or ``--embedding``) puts sknn's periodic numeric
embedding in front of the layers (``numeric_embedding="periodic"``),
``--piecewise-linear DIM BINS`` its piecewise-linear one, with bin edges from the
training rows' quantiles as sknn computes them; ``--ensemble-size K`` makes the
network a TabM-mini ensemble of K members (sknn's ``ensemble_size``: an adapter
before the first linear layer, one output layer per member, the loss the mean of
the members'). The hand-written loop, sknn and skorch have the same layers, sknn's
own torch modules; sklearn has none of them and is left out.
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
EMBEDDING = None  # --periodic, --piecewise-linear: (kind, dim, frequencies or bins)
ENSEMBLE_SIZE = 1  # --ensemble-size
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
    # an ensemble's (batch, members, outputs): a row per member, with its row's
    # target, so the loss is the mean of the members' losses, as sknn's
    if output.dim() == 3:
        k = output.shape[1]
        output, target = output.flatten(0, 1), target.repeat_interleave(k)
    if TASK == "classify":
        return F.cross_entropy(output, target)
    return F.mse_loss(output.squeeze(1), target)


class Loss(nn.Module):
    """:func:`_loss` as skorch's criterion."""

    def forward(self, output, target):
        return _loss(output, target)


def _embedding(X):
    """sknn's numeric embedding of X's columns, initialized as sknn initializes it:
    the piecewise-linear one's bin edges are the quantiles of X, the training rows."""
    from sknn._bins import quantile_bin_edges
    from sknn._torch_module import PeriodicEmbedding, PiecewiseLinearEmbedding

    kind, dim, size = EMBEDDING
    if kind == "periodic":
        embedding = PeriodicEmbedding(X.shape[1], dim, size)
        with torch.no_grad():  # sknn's initial frequencies: normal, scale 0.1
            embedding.frequencies.normal_(0.0, 0.1)
            embedding.projection.uniform_(-0.1, 0.1)
        return embedding
    embedding = PiecewiseLinearEmbedding(X.shape[1], dim, size)
    state = embedding.state_dict()
    state["edges"] = torch.from_numpy(quantile_bin_edges(X, size))
    embedding.load_state_dict(state)  # derives the encoding from the edges
    limit = dim**-0.5
    with torch.no_grad():  # sknn's initial linear term; the bins' map starts at 0
        embedding.linear.uniform_(-limit, limit)
        embedding.linear_bias.uniform_(-limit, limit)
    return embedding


def _module(X, h):
    """The benchmark's network as plain torch modules for the training rows X: two
    hidden ReLU layers of ``h`` units, after the numeric embedding of
    ``--periodic`` or ``--piecewise-linear``, and with ``--ensemble-size`` the
    ensemble's adapter and heads."""
    from sknn._torch_module import EnsembleHeads, EnsembleScale

    layers, width = [], X.shape[1]
    if EMBEDDING is not None:
        layers.append(_embedding(X))
        width *= EMBEDDING[1]
    if ENSEMBLE_SIZE > 1:
        adapter = EnsembleScale(ENSEMBLE_SIZE, width)
        with torch.no_grad():  # sknn's with an embedding (random signs without)
            adapter.scale.normal_()
        layers.append(adapter)
        head = EnsembleHeads(h, _n_outputs(), ENSEMBLE_SIZE)
    else:
        head = nn.Linear(h, _n_outputs())
    layers += [nn.Linear(width, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), head]
    return nn.Sequential(*layers)


def hand_written(X, y, h, batch_size, epochs):
    """The reference: tensors permuted once per epoch and sliced, fused Adam."""
    torch.manual_seed(0)
    model = _module(X, h).to(DEVICE)
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


# sknn's parameter of each embedding's third number
EMBEDDING_SIZES = {
    "periodic": "embedding_frequencies",
    "piecewise_linear": "embedding_bins",
}


def _layer_params():
    """sknn's parameters of the numeric embedding and the ensemble."""
    params = dict(ensemble_size=ENSEMBLE_SIZE)
    if EMBEDDING is not None:
        kind, dim, size = EMBEDDING
        params.update(
            numeric_embedding=kind, embedding_dim=dim, **{EMBEDDING_SIZES[kind]: size}
        )
    return params


FIXED_COSTS = []


def sknn_fit(X, y, h, batch_size, epochs):
    """sknn.MLPClassifier.fit: median epoch time from ``history_`` (each epoch's
    ``dur`` spans its batches and its callbacks); the rest of the fit's wall time is
    its fixed cost (validation, building the net, exporting the weights)."""
    estimator = sknn.MLPClassifier if TASK == "classify" else sknn.MLPRegressor
    clf = estimator(
        **_mlp_params(h, batch_size, epochs), **_layer_params(), device=DEVICE
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

    net = NeuralNet(
        _module(X, h),
        criterion=Loss,
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
    layers = ", ".join(f"{name}={value!r}" for name, value in _layer_params().items())
    print(
        f"\nPer-epoch time relative to the hand-written loop (median of per-round "
        f"ratios), {n_samples} x {N_FEATURES}, "
        f"{'3 classes' if TASK == 'classify' else 'one regression target'}, Adam, "
        f"{layers}, "
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
    embedding = parser.add_mutually_exclusive_group()
    embedding.add_argument(
        "--periodic",
        "--embedding",
        nargs=2,
        type=int,
        metavar=("DIM", "FREQUENCIES"),
        help="the periodic numeric embedding in front of every variant but sklearn",
    )
    embedding.add_argument(
        "--piecewise-linear",
        nargs=2,
        type=int,
        metavar=("DIM", "BINS"),
        help="the piecewise-linear numeric embedding, as --periodic",
    )
    parser.add_argument(
        "--ensemble-size",
        type=int,
        default=1,
        metavar="K",
        help="an ensemble of K members in every variant but sklearn",
    )
    args = parser.parse_args(argv)
    global DEVICE, TASK, EMBEDDING, ENSEMBLE_SIZE
    DEVICE, TASK, ENSEMBLE_SIZE = args.device, args.task, args.ensemble_size
    if args.periodic is not None:
        EMBEDDING = ("periodic", *args.periodic)
    elif args.piecewise_linear is not None:
        EMBEDDING = ("piecewise_linear", *args.piecewise_linear)
    if EMBEDDING is not None or ENSEMBLE_SIZE > 1:
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
