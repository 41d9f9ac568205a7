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


# sknn's modules from the bottom up: a module imports only from its own layer or
# below, so no change to a lower module needs a higher one (the layers of
# DESIGN.md: the torch seam under the estimators, the modules beside them that use
# the estimators' public API, the command line on top)
LAYERS = [
    ["_version", "exceptions", "_sklearn_compat", "_docstrings", "_checks",
     "_network", "_inference", "_dates", "_column_values", "_training",
     "_initialization", "_load", "_columns", "_tabular_docs", "_files",
     "_skops_schema", "_bins"],
    ["_fitted_state", "_saved_net", "preprocessing", "_tabular_state",
     "_torch_module", "_torch_data",
     "_torch_devices", "_torch_callbacks", "_torch_state", "_torch_net"],
    ["_torch"],
    ["_persistence", "_checkpoints", "_displays", "_lr_finder", "_fitted_model"],
    ["_base"],
    ["_multilayer_perceptron", "_tabular_base"],
    ["_tabular"],
    ["_onnx_encoder", "_onnx_network", "onnx"],
    ["sknn"],  # the package's __init__: the public names
    ["_cli_console", "_cli_csv", "_cli_outputs", "_cli_plots", "_cli_inputs",
     "_cli_models", "_cli_training", "_cli_export", "_cli_demo"],
    ["_cli"],
    ["__main__"],
]  # fmt: skip


def _sknn_imports(path, modules):
    """The sknn modules that the module at ``path`` imports, anywhere in it."""
    import ast

    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sknn"):
            if node.module == "sknn":
                imported |= {
                    a.name if a.name in modules else "sknn" for a in node.names
                }
            else:
                imported.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "sknn":
                    imported.add(parts[1] if len(parts) > 1 else "sknn")
    return imported


def test_no_module_imports_from_a_layer_above_its_own():
    paths = {
        "sknn" if path.stem == "__init__" else path.stem: path
        for path in (ROOT / "sknn").glob("*.py")
    }
    layer = {name: i for i, names in enumerate(LAYERS) for name in names}
    assert sorted(paths) == sorted(layer), "place each module in LAYERS"
    upward = [
        f"{name} ({layer[name]}) imports {imported} ({layer[imported]})"
        for name, path in sorted(paths.items())
        for imported in sorted(_sknn_imports(path, paths))
        if layer[imported] > layer[name]
    ]
    assert upward == []
