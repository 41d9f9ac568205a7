"""The declared dependencies: every floor in pyproject.toml is the version that
`nox -s tests_min` installs from constraints-min.txt, so no floor goes untested."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pins(path):
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_every_declared_floor_is_the_version_the_oldest_test_session_installs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for requirement in project["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        assert match, f"{requirement!r} should be written NAME>=FLOOR"
        floors[match.group(1).lower()] = match.group(2)
    pins = _pins(ROOT / "constraints-min.txt")
    for name, floor in floors.items():
        pinned = pins.get(name)
        assert pinned is not None, f"constraints-min.txt does not pin {name}"
        # 1.9 admits 1.9.0: the pin is the floor, zeros added
        assert pinned.split(".")[: len(floor.split("."))] == floor.split("."), (
            f"{name}: pyproject's floor {floor} but tests_min installs {pinned}"
        )
        assert all(part == "0" for part in pinned.split(".")[len(floor.split(".")) :])


def test_pre_commit_runs_the_ruff_that_the_lint_session_pins():
    noxfile = (ROOT / "noxfile.py").read_text()
    pinned = re.search(r'"ruff==([0-9.]+)"', noxfile).group(1)
    hooks = (ROOT / ".pre-commit-config.yaml").read_text()
    assert f"rev: v{pinned}" in hooks
