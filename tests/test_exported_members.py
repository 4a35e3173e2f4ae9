"""The public surface is a tested contract (as httpx's tests/test_exported_members.py).

* Each module's public names (classes, functions and constants it defines, not starting
  with ``_``) are exactly those its ``__all__`` lists, and every listed name exists.
* The error tree drawn in :mod:`clusterkg.graph.errors` is the tree of the classes: every
  :class:`~clusterkg.graph.errors.ClusterkgError` subclass is drawn under its parent.
"""

import importlib
import inspect
import pkgutil
import re
import types

import pytest

import clusterkg.graph.errors as errors

PACKAGES = ["clusterkg.graph", "clusterkg.service"]


def _modules() -> list[str]:
    names = []
    for sub in PACKAGES:
        pkg = importlib.import_module(sub)
        names.append(sub)
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, sub + ".")]
    return sorted(names)


def _defined_here(module: types.ModuleType) -> set[str]:
    """Public classes and functions whose home is ``module``, and public names it assigns."""
    source = inspect.getsource(module)
    out = set()
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        if inspect.isclass(value) or inspect.isfunction(value):
            if value.__module__ == module.__name__:
                out.add(name)
        elif re.search(rf"^{re.escape(name)}\s*(:[^=\n]*)?=", source, re.M) or \
                re.search(rf"^\(?[\w, ]*\b{re.escape(name)}\b[\w, ]*\)?\s*=", source, re.M):
            out.add(name)
    return out


@pytest.mark.parametrize("name", _modules())
def test_public_names_are_exactly_those_in_all(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} declares no __all__"
    listed = set(module.__all__)
    assert len(listed) == len(module.__all__), f"{name}.__all__ names something twice"
    assert sorted(n for n in listed if not hasattr(module, n)) == [], "listed but not defined"
    assert sorted(_defined_here(module) - listed) == [], "public but not listed"


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def test_the_error_tree_drawing_is_the_class_tree():
    for name in _modules() + ["clusterkg.service.errors"]:
        try:
            importlib.import_module(name)  # every module that may define an error
        except ImportError:
            pass
    drawing = errors.__doc__.split("::", 1)[1].split("\n\n")[1]
    drawn: dict[str, str] = {}  # class name -> parent drawn above it
    stack: list[tuple[int, str]] = []
    for line in drawing.splitlines():
        m = re.match(r"^(\s*(?:[│├└─ ]*))(\w+)", line)
        if not m:
            continue
        depth = len(m.group(1))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        drawn[m.group(2)] = stack[-1][1] if stack else ""
        stack.append((depth, m.group(2)))
    classes = {c.__name__: c for c in _subclasses(errors.ClusterkgError)}
    assert sorted(set(classes) - set(drawn)) == [], "errors missing from the drawing"
    assert sorted(set(drawn) - set(classes) - {"ClusterkgError"}) == [], "drawn errors that do not exist"
    for name, cls in classes.items():
        assert cls.__bases__[0].__name__ == drawn[name], f"{name} is drawn under {drawn[name]}"
