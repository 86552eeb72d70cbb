"""POST /api/sandbox/scan: AST-only analysis of strategy code; the code is parsed, never run.

Rules (each finding names its rule, line and column):
- `syntax` (high): the code does not parse; the verdict fails, it is not an error.
- `import` (high): a module outside ALLOWED_IMPORTS (a submodule of an allowed one is allowed).
- `dynamic_code` (high): eval, exec, compile, __import__.
- `file_access` (high): open, importing io/pathlib/shutil/tempfile/glob.
- `network` (high) and `process` (high): importing socket/urllib/http/requests/... or
  os/subprocess/sys/...; and calling a process, file or network function as an attribute
  (`x.system`, `x.popen`, `x.unlink`, `x.urlopen`, ...: an object handed in from outside).
- `dunder` (high): attribute access to a dunder (`x.__class__`, `__subclasses__`, `__globals__`)
  other than the harmless SAFE_DUNDERS, and the names `__builtins__`, `__loader__`, `__spec__`.
- `reflection` (high): getattr, setattr, delattr, vars, globals, locals, breakpoint, input.
The verdict is `fail` when any finding is high severity (all current rules are), else `pass`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import InvalidInput
from resolvers.views import OneOf, View

MAX_CODE = 100_000  # characters
ALLOWED_IMPORTS = frozenset({
    "__future__", "math", "statistics", "numpy", "pandas", "collections", "dataclasses",
    "typing", "functools", "itertools", "operator", "enum", "abc", "decimal", "fractions",
    "resolvers.quant.indicators", "resolvers.quant.strategies", "resolvers.quant.family_series",
})  # fmt: skip
DYNAMIC = frozenset({"eval", "exec", "compile", "__import__"})
FILES = frozenset({"io", "pathlib", "shutil", "tempfile", "glob", "fileinput"})
NETWORK = frozenset({
    "socket", "ssl", "urllib", "http", "requests", "httpx", "aiohttp", "ftplib", "smtplib",
    "telnetlib", "asyncio", "websockets", "xmlrpc",
})  # fmt: skip
PROCESS = frozenset({
    "os", "subprocess", "sys", "multiprocessing", "threading", "signal", "ctypes", "pty",
    "resource", "importlib", "builtins", "gc", "inspect", "pickle", "marshal", "shlex",
})  # fmt: skip
REFLECTION = frozenset({
    "getattr", "setattr", "delattr", "vars", "globals", "locals", "breakpoint", "input", "dir",
})  # fmt: skip
DUNDER_NAMES = frozenset({"__builtins__", "__loader__", "__spec__", "__import__"})
SAFE_DUNDERS = frozenset({"__name__", "__qualname__", "__doc__", "__init__"})
ATTR_RULES = {
    **dict.fromkeys(
        (
            "system",
            "popen",
            "fork",
            "forkpty",
            "kill",
            "killpg",
            "execv",
            "execve",
            "spawnv",
            "Popen",
            "check_output",
            "check_call",
        ),
        "process",
    ),
    **dict.fromkeys(
        ("remove", "unlink", "rmdir", "rmtree", "write_text", "write_bytes"), "file_access"
    ),
    **dict.fromkeys(("urlopen", "create_connection", "getaddrinfo"), "network"),
}
SEVERITY = OneOf(("high", "low"))
VERDICT = OneOf(("pass", "fail"))


@dataclass(frozen=True, slots=True)
class SandboxFindingView(View):
    """One thing the scan refuses, where it is."""

    rest_name = "SandboxFinding"
    graphql_name = "SandboxFinding"

    rule: Annotated[str, "syntax, import, dynamic_code, file_access, network, process, ..."]
    line: Annotated[int, "1-based line"]
    col: Annotated[int, "0-based column"]
    detail: str
    severity: Annotated[str, SEVERITY]


@dataclass(frozen=True, slots=True)
class SandboxScanView(View):
    """The scan's verdict: fail when any finding is high severity."""

    rest_name = "SandboxScan"
    graphql_name = "SandboxScan"

    verdict: Annotated[str, VERDICT]
    findings: list[SandboxFindingView]


def _root_rule(name: str) -> str | None:
    root = name.split(".")[0]
    if root in NETWORK:
        return "network"
    if root in PROCESS:
        return "process"
    if root in FILES:
        return "file_access"
    return None


def _allowed(module: str) -> bool:
    return any(module == ok or module.startswith(ok + ".") for ok in ALLOWED_IMPORTS)


class _Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.findings: list[SandboxFindingView] = []

    def flag(self, rule: str, node: ast.AST, detail: str) -> None:
        line, col = getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
        self.findings.append(SandboxFindingView(rule, line, col, detail, "high"))

    def _module(self, node: ast.AST, module: str) -> None:
        if not _allowed(module):
            self.flag(_root_rule(module) or "import", node, f"import of {module!r} is not allowed")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = "." * node.level + (node.module or "")
        # `from resolvers.quant import indicators` names an allowed submodule
        names_allowed = all(_allowed(f"{base}.{a.name}") for a in node.names)
        if node.level or not (_allowed(base) or names_allowed):
            self._module(node, base)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        name = node.id
        if name in DYNAMIC:
            self.flag("dynamic_code", node, f"{name} runs code built at run time")
        elif name in REFLECTION:
            self.flag("reflection", node, f"{name} reaches attributes by computed name")
        elif name in DUNDER_NAMES:
            self.flag("dunder", node, f"{name} reaches the interpreter's internals")
        elif name == "open":
            self.flag("file_access", node, "open reads and writes files")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attr = node.attr
        if attr.startswith("__") and attr.endswith("__") and attr not in SAFE_DUNDERS:
            self.flag("dunder", node, f"attribute {attr} reaches the interpreter's internals")
        elif attr in ATTR_RULES:
            self.flag(ATTR_RULES[attr], node, f".{attr} is {ATTR_RULES[attr].replace('_', ' ')}")
        self.generic_visit(node)


def scan_code(code: str) -> SandboxScanView:
    """The findings and verdict for `code`, from its syntax tree alone."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        finding = SandboxFindingView(
            "syntax", exc.lineno or 0, max((exc.offset or 1) - 1, 0), exc.msg, "high"
        )
        return SandboxScanView("fail", [finding])
    visitor = _Visitor()
    visitor.visit(tree)
    findings = sorted(visitor.findings, key=lambda f: (f.line, f.col, f.rule))
    failed = any(f.severity == "high" for f in findings)
    return SandboxScanView("fail" if failed else "pass", findings)


def checked_code(code: Any) -> str:
    """The code as given, or 422 INVALID_CODE (not a string, blank or over MAX_CODE)."""
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE:
        raise InvalidInput(
            f"code must be a non-blank string of at most {MAX_CODE} characters",
            code="INVALID_CODE", details={"field": "code", "max_length": MAX_CODE},
        )  # fmt: skip
    return code


async def scan_strategy_code(session: AsyncSession, *, code: Any = None) -> SandboxScanView:
    """Scan strategy code without running it (422 INVALID_CODE)."""
    return scan_code(checked_code(code))
