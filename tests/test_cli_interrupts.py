"""Ctrl-C ends `sknn`: SIGINT sent to `python -m sknn` in a subprocess while it starts,
cross-validates, trains its final model or searches. sknn's fit catches
KeyboardInterrupt to keep the model trained so far; the command line must not."""

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
# fits that do not end by themselves within the test
ENDLESS = [
    "--set", "max_iter=1000000", "--set", "n_iter_no_change=1000000", "--set", "tol=0",
]  # fmt: skip


def interrupt_sknn(*args, cwd, when, delay, python_options=()):
    """Start `python -m sknn ARGS`, wait until its stderr shows ``when``, then
    ``delay`` seconds, send SIGINT; the exit status and stderr."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    process = subprocess.Popen(
        [sys.executable, *python_options, "-m", "sknn", *map(str, args)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr, seen = bytearray(), threading.Event()

    def read():  # drain stderr as the progress bars fill it
        while chunk := os.read(process.stderr.fileno(), 65536):
            stderr.extend(chunk)
            if when.encode() in stderr:
                seen.set()
        seen.set()  # the process ended before showing it: the asserts will say

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert seen.wait(timeout=240), stderr.decode()
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=60)
    finally:
        process.kill()
        reader.join(timeout=10)
        process.stderr.close()
    return status, stderr.decode()


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def workdir(tmp_path):
    """A CSV file, and the model and plot of an earlier run that must survive."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(120, 4)), columns=["a", "b", "c", "d"])
    frame["label"] = np.where(frame["a"] + frame["b"] > 0, "yes", "no")
    frame.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "model.sknn").write_bytes(b"the model of an earlier run")
    (tmp_path / "plot.png").write_bytes(b"the plot of an earlier run")
    return tmp_path


PHASES = {
    # the phase: what stderr shows once it runs, and the command
    "cross-validation": ("evaluating:", ["fit", "--cv", 3, "--plot", "plot.png"]),
    "final-fit": ("epochs:", ["fit", "--test-size", 0, "--plot", "plot.png"]),
    "search": ("searching:", ["search", "--grid", "alpha=1e-4,1e-2", "--n-jobs", 2]),
}


@pytest.mark.parametrize("phase", PHASES)
def test_ctrl_c_aborts_and_leaves_every_existing_file_as_it_was(workdir, phase):
    when, (command, *options) = PHASES[phase]
    before = {path.name: sha256(path) for path in workdir.iterdir()}
    delay = random.Random(phase).uniform(0.0, 1.0)  # a moment within the phase
    status, stderr = interrupt_sknn(
        command, "data.csv", "--target", "label", *options, *ENDLESS,
        "--out", "model.sknn",
        cwd=workdir, when=when, delay=delay,
    )  # fmt: skip
    assert status == 130, stderr
    assert stderr.endswith("\nsknn: interrupted\n") and stderr.count("interrupted") == 1
    assert "Traceback" not in stderr and "warning" not in stderr
    after = {path.name: sha256(path) for path in workdir.iterdir()}
    assert after == before  # nothing replaced, nothing left behind


def test_ctrl_c_while_starting_up_is_one_line(workdir):
    """-X importtime reports each module as its import ends: pandas' own modules
    appear while pandas, which the command reads the CSV with, is still being
    imported (torch is imported once training starts)."""
    status, stderr = interrupt_sknn(
        "fit", "data.csv", "--target", "label", "--out", "model.sknn",
        cwd=workdir, when=" pandas._libs.tslibs", delay=0.0,
        python_options=["-X", "importtime"],
    )  # fmt: skip
    lines = [line for line in stderr.splitlines() if not line.startswith("import ")]
    assert status == 130, stderr
    assert lines == ["sknn: interrupted"]


def test_ctrl_c_that_an_import_turned_into_an_error_is_one_line(monkeypatch, capsys):
    """Ctrl-C inside numpy's import_array (pandas' C modules call it) comes out of the
    import as an ImportError: still an interruption, not a traceback."""
    from types import SimpleNamespace

    from sknn import _cli, _cli_console

    def run(args):
        try:
            _cli_console._interrupt(signal.SIGINT, None)  # what Ctrl-C calls
        except _cli_console.Interrupted as exc:
            raise ImportError("numpy._core.multiarray failed to import") from exc

    parser = SimpleNamespace(parse_args=lambda argv: SimpleNamespace(run=run))
    monkeypatch.setattr(_cli, "_build_parser", lambda: parser)
    assert _cli.main(["fit"]) == 130
    assert capsys.readouterr().err == "sknn: interrupted\n"
