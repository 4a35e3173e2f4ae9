"""Guards on the design: one-way imports, one namespace, package data in the wheel."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ["readers", "mapping", "validation", "store", "build"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            out.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_graph_knows_no_http():
    """graph/ never serves HTTP; only the remote store backend is an HTTP client (of a
    SPARQL server)."""
    client_ok = {ROOT / "graph" / "store" / "remote.py"}
    for f in (ROOT / "graph").rglob("*.py"):
        for mod in _imports(f):
            banned = ("fastapi", "starlette", "uvicorn", "service") + (() if f in client_ok else ("httpx",))
            assert not mod.lstrip(".").startswith(banned), (f, mod)
            assert "service" not in mod.split("."), (f, mod)


def test_readers_never_import_rdflib():
    for f in (ROOT / "graph" / "readers").rglob("*.py"):
        for mod in _imports(f):
            assert not mod.startswith(("rdflib", "pyshacl", "pyoxigraph")), (f, mod)
            assert not any(s in mod for s in ("mapping", "validation", "store", "build")), (f, mod)


def _imported_names(path: Path) -> set[str]:
    """``module.name`` for each ``from module import name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {f"{node.module}.{a.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for a in node.names}


def test_service_never_parses_profiles():
    """Nothing in service/ imports graph.read, graph.map.mapping or graph.build."""
    for f in (ROOT / "service").rglob("*.py"):
        for mod in _imports(f) | _imported_names(f):
            parts = mod.split(".")
            assert not any(s in parts for s in ("read", "readers", "mapping", "build", "manifest")), (f, mod)


def test_service_modules_and_functions_stay_small():
    """No module of service/ over 500 lines, no function over 80."""
    for f in (ROOT / "service").rglob("*.py"):
        text = f.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 500, f
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 80, (f, node.name)


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
                   "clusterkg/graph/read/eccp_2021.py", "clusterkg/service/app.py",
                   "clusterkg/service/templates/resource.html"]:
        assert needed in names, needed
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
