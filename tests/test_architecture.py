"""The layout is the architecture: each layer imports only the layers below it (.importlinter),
no module imports itself through others, and every import sits at the top of its module."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import grimp  # import-linter's import graph

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("feedsum", "handlers", "bot", "storage")

# The only imports allowed inside functions: heavy third-party packages that few paths need,
# imported when used so that starting feedsum (and every command) does not pay for them.
LATE_IMPORTS = {
    "matplotlib": "the monthly chart (bot/insight/chart.py), about 1 s to import",
    "scipy": "A/B tail probabilities (bot/insight/abtest.py), about 0.8 s",
    "pyarrow": "streamed sums of big exports (bot/data/export_sums.py); optional in practice",
    "sqlalchemy": "SQL sources (bot/data/metrics.py); an optional extra (`feedsum[sql]`)",
    "openpyxl": "reading and writing .xlsx files only",
    "apscheduler": "the in-process scheduler (`feedsum run`, `feedsum scheduler`) only",
    # `feedsum metrics --json` on a big export sums it with Arrow and numpy alone, faster than a
    # bare pandas.read_csv of the file: bot/model/lazy_pandas.py hands pandas to the modules on that
    # path when something first uses it (an unusual file, several files, the table), about 0.2 s.
    "pandas": "imported on first use by bot/model/lazy_pandas.py only",
    "tqdm": "the progress bar of a big import on a terminal, 0.03 s",
}


def test_no_import_points_up_a_layer():
    # In a child process: import-linter reconfigures logging, which other tests inspect.
    run = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                          "sys.exit(lint_imports(config_filename='.importlinter', no_cache=True))"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def _late_imports(path: Path) -> list[str]:
    found = []

    def walk(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                names = [child.module or ""] if isinstance(child, ast.ImportFrom) else [a.name for a in child.names]
                if getattr(child, "level", 0) or any(n.split(".")[0] not in LATE_IMPORTS for n in names):
                    found.append(f"{path.relative_to(ROOT)}:{child.lineno}: {ast.unparse(child)}")
            walk(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    walk(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def test_imports_sit_at_the_top_of_their_module():
    """A late import hides a cycle or a dependency: only the heavy packages in LATE_IMPORTS may
    wait until they are used."""
    late = [hit for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
            for hit in _late_imports(path)]
    assert late == [], "move these to the top of their module:\n" + "\n".join(late)


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in graph.modules:
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            part = []
            while True:
                other = stack.pop()
                part.append(other)
                if other == module:
                    break
            if len(part) > 1:
                cycles.append(sorted(part))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    assert cycles == []


def test_small_commands_start_without_slack_or_pandas(tmp_path):
    """`feedsum --help` and `check` load neither Slack, pandas nor the service: the command table in
    feedsum/cli.py imports a command's module only when it runs (start-up is most of their time)."""
    (tmp_path / "feedsum.toml").write_text('[[reports]]\nid = "a"\nname = "A"\nchannel = "C0123456789"\n'
                                           'admins = ["U0123456789"]\n', encoding="utf-8")
    probe = ("import sys\nfrom feedsum import cli\ncode = cli.main(sys.argv[1:])\n"
             "heavy = sorted(m for m in ('pandas', 'slack_bolt', 'slack_sdk', 'bot.core.service', 'storage')"
             " if m in sys.modules)\nprint(heavy)\nsys.exit(code)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FEEDSUM_"))}
    env.update(PYTHONPATH=str(ROOT), FEEDSUM_CONFIG=str(tmp_path / "feedsum.toml"))
    run = subprocess.run([sys.executable, "-c", probe, "check"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]", run.stdout
