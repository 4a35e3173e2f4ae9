"""Runs the ``>>>`` examples in the package's docstrings (as pyoxigraph's test_doc.py)."""

import doctest
import importlib
import pkgutil

import pytest

import clusterkg


def _modules():
    names = ["clusterkg.cli", "clusterkg.settings"]
    for sub in ("clusterkg.graph", "clusterkg.service"):
        pkg = importlib.import_module(sub)
        names.append(sub)
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, sub + ".")]
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failed, _tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failed == 0


def test_public_functions_have_docstrings():
    missing = []
    for name in _modules():
        module = importlib.import_module(name)
        assert module.__doc__, f"{name} has no module docstring"
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if callable(obj) and not (obj.__doc__ or "").strip():
                missing.append(f"{name}.{attr}")
    assert missing == []


def test_version_is_the_packaged_one():
    import tomllib
    from importlib.metadata import version
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
    assert clusterkg.__version__ == project["version"] == version("clusterkg")
