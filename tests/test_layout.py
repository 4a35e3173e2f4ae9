"""Guards on the design: stages import only downwards, one namespace, bounded sizes, package data."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The data side's stages, in pipeline order: a stage imports only itself, earlier stages
#: and the base modules (graph/errors.py, graph/formats.py).
STAGES = ["read", "map", "validate", "reconcile", "store", "publish", "build"]
PRODUCTION = ["graph", "service", "clusterkg"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (use clusterkg.* absolute imports)"
            out.add(node.module or "")
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def _stage(path: Path) -> int | None:
    """The stage index of a file under graph/, or None for a base module."""
    top = path.relative_to(ROOT / "graph").parts[0]
    return STAGES.index(top) if top in STAGES else None


def test_every_stage_is_a_package_and_nothing_else_sits_in_graph():
    tops = {p.name for p in (ROOT / "graph").iterdir() if not p.name.startswith((".", "__pycache__"))}
    assert tops == {*STAGES, "__init__.py", "errors.py", "formats.py"}
    for stage in STAGES:
        assert (ROOT / "graph" / stage / "__init__.py").is_file(), stage


def test_stages_import_only_downwards():
    wrong = []
    for f in sorted((ROOT / "graph").rglob("*.py")):
        own = _stage(f)
        for mod in _imports(f):
            parts = mod.split(".")
            if parts[:2] != ["clusterkg", "graph"] or len(parts) < 3:
                continue
            target = STAGES.index(parts[2]) if parts[2] in STAGES else None
            if own is None and target is not None:
                wrong.append(f"{f.relative_to(ROOT)}: a base module imports the stage {mod}")
            elif target is not None and own is not None and target > own:
                wrong.append(f"{f.relative_to(ROOT)} ({STAGES[own]}) imports {mod} ({STAGES[target]})")
    assert wrong == []


def test_graph_knows_no_http_and_no_service():
    """graph/ never serves HTTP; only the remote store backend is an HTTP client (of a
    SPARQL server)."""
    client_ok = {ROOT / "graph" / "store" / name for name in ("remote.py", "sync.py", "endpoint.py")}
    for f in (ROOT / "graph").rglob("*.py"):
        for mod in _imports(f):
            banned = ("fastapi", "starlette", "uvicorn", "jinja2", "clusterkg.service", "clusterkg.cli",
                      "clusterkg.settings") + (() if f in client_ok else ("httpx",))
            assert not mod.startswith(banned), (f, mod)


def test_profile_readers_never_import_rdf_libraries():
    rdf_files = {ROOT / "graph" / "read" / "rdf.py"}  # curated RDF files are parsed by Oxigraph
    for f in (ROOT / "graph" / "read").rglob("*.py"):
        if f in rdf_files:
            continue
        for mod in _imports(f):
            assert not mod.startswith(("rdflib", "pyshacl", "pyoxigraph")), (f, mod)


def _imported_names(path: Path) -> set[str]:
    """``module.name`` for each ``from module import name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {f"{node.module}.{a.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for a in node.names}


def test_service_never_parses_profiles():
    """Nothing in service/ imports graph.read, graph.map.mapping or graph.build."""
    for f in (ROOT / "service").rglob("*.py"):
        for mod in _imports(f) | _imported_names(f):
            assert not mod.startswith(("clusterkg.graph.read", "clusterkg.graph.map.mapping",
                                       "clusterkg.graph.build")), (f, mod)


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


@pytest.mark.parametrize("top", PRODUCTION)
def test_no_function_over_80_lines_and_no_module_over_500(top):
    long_functions, long_modules = [], []
    for f in sorted((ROOT / top).rglob("*.py")):
        text = f.read_text(encoding="utf-8")
        if text.count("\n") > 500:
            long_modules.append(f"{f.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for fn in _functions(ast.parse(text)):
            n = fn.end_lineno - fn.lineno + 1
            if n > 80:
                long_functions.append(f"{f.relative_to(ROOT)}:{fn.lineno} {fn.name}: {n} lines")
    assert long_modules == [] and long_functions == []


def test_wheel_carries_the_package_data_under_one_namespace(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("clusterkg-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"clusterkg"}
    for needed in ["clusterkg/ontology/clusterkg.ttl", "clusterkg/ontology/schemes/sectoral-industry.ttl",
                   "clusterkg/shapes/clusterkg.ttl", "clusterkg/data/manifest.csv",
                   "clusterkg/data/networks.csv", "clusterkg/data/ict-net.txt",
                   "clusterkg/graph/read/eccp_2021.py", "clusterkg/graph/publish/dumps.py",
                   "clusterkg/service/app.py", "clusterkg/service/templates/resource.html",
                   "clusterkg/data/nuts-2021.csv", "clusterkg/data/nuts-aliases.csv"]:
        assert needed in names, needed
    # every package of the checkout is in the wheel (a package left off the list in
    # pyproject.toml imports from the checkout but not from an installed copy)
    folders = {"clusterkg": "clusterkg", "graph": "clusterkg/graph", "service": "clusterkg/service"}
    for folder, prefix in folders.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            packaged = f"{prefix}/{init.relative_to(ROOT / folder).as_posix()}"
            assert packaged in names, f"{init.relative_to(ROOT)} is not in the wheel: list its package in pyproject.toml"
    # an installed copy works outside the checkout: run it from the unpacked wheel
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    code = ("import clusterkg, sys; from clusterkg.graph.map.concepts import ontology_files; "
            "from clusterkg.cli import main; print(clusterkg.__file__); sys.argv=['clusterkg','convert','--format','nt',"
            "str(__import__('clusterkg.settings').settings.bundled_data() / 'ict-net.txt')]; main()")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                       env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith(str(unpacked))
    assert '"2010-07-12"^^<http://www.w3.org/2001/XMLSchema#date>' in r.stdout
    # and every stage of a build (read, map, validate, reconcile, store, publish)
    code = ("import sys; from clusterkg.cli import main; "
            f"sys.argv=['clusterkg','build','-q','--store',{str(tmp_path / 'store')!r}]; main()")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                       env={"PYTHONPATH": str(unpacked), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert "processed: 6, graphs loaded: 6" in r.stderr, r.stderr
