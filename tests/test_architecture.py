"""Project rules that code review would otherwise have to remember."""

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_core_imports_no_streamlit_outside_ui():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "storytelling").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "storytelling").parts and "streamlit" in imports(p)
    ]
    assert offenders == []


def test_pages_are_thin():
    """Pages wire widgets to the core: no modelling libraries, no long files."""
    for p in (ROOT / "app_pages").glob("*.py"):
        assert not imports(p) & {"sklearn", "numpy", "statsmodels", "shap"}, p.name
        assert len(p.read_text().splitlines()) < 200, p.name


def test_nothing_is_unpickled():
    """Only a model named in the server's own config, with allow_pickle, is ever unpickled."""
    for p in (ROOT / "storytelling").rglob("*.py"):
        text = p.read_text()
        assert "pickle.load" not in text, p.name
        if p.name != "modelfile.py":
            assert "joblib.load" not in text, p.name
    text = (ROOT / "storytelling" / "modelfile.py").read_text()
    assert text.count("joblib.load") == 1
    gate = text.index("if not allow_pickle:")
    assert gate < text.index("joblib.load(") < text.index("def model_columns")


@pytest.mark.skipif(shutil.which("ruff") is None and not os.environ.get("CI"),
                    reason="ruff is not installed (under CI it must be, so the test runs and fails)")
def test_ruff_is_clean():
    out = subprocess.run(["ruff", "check", str(ROOT)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_module_imports_another_s_private_names():
    """A name with a leading underscore is its module's own business."""
    offenders = []
    for p in [*(ROOT / "storytelling").rglob("*.py"), *(ROOT / "app_pages").glob("*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("storytelling"):
                offenders += [f"{p.relative_to(ROOT)}: {node.module}.{a.name}" for a in node.names
                              if a.name.startswith("_") and not a.name.startswith("__")]
    assert offenders == []


def _import_graph() -> dict[str, set[str]]:
    """storytelling module -> the storytelling modules it imports, at the top or inside functions
    (imports only for type checking left out)."""
    graph: dict[str, set[str]] = {}
    for p in (ROOT / "storytelling").rglob("*.py"):
        name = ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(p.read_text())
        skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                for n in ast.walk(node)}
        deps = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("storytelling"):
                deps.add(node.module)
                deps |= {f"{node.module}.{a.name}" for a in node.names}  # "from storytelling.ui import sidebar"
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("storytelling")}
        graph[name] = deps
    return {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}


def _circles(graph: dict[str, set[str]]) -> list[str]:
    circles, state = [], {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = "open"
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                circles.append(" -> ".join(path[path.index(d):] + [d]))
            elif d not in state:
                visit(d, [*path, d])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return circles


def test_no_import_circles():
    """Not even through an import inside a function (ui/state.py <-> sidebar <-> scenario was one)."""
    assert _circles({"state": {"scenario"}, "scenario": {"state"}, "page": {"state"}}) == ["state -> scenario -> state"]
    assert _circles(_import_graph()) == []


MAX_FUNCTION_LINES = 60


def test_functions_fit_on_a_screen():
    """Every function in the core and the pages reads in one sitting (docstring included)."""
    long = []
    for path in [*ROOT.joinpath("storytelling").rglob("*.py"), *ROOT.joinpath("app_pages").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []
