"""The sandbox scan: a corpus of dangerous snippets each flagged by its rule on its line, and
the built-in strategies' own source passing."""

from __future__ import annotations

import inspect

import pytest

from resolvers.errors import InvalidInput
from resolvers.quant import family_series, strategies
from resolvers.sandbox.scan import MAX_CODE, checked_code, scan_code

PRELUDE = "import math\nimport numpy as np\n\n"  # line 4 is the snippet's first line
CORPUS = [
    ("import os", "process"),
    ("import subprocess as sp", "process"),
    ("from sys import modules", "process"),
    ("import ctypes", "process"),
    ("import socket", "network"),
    ("from urllib.request import urlopen", "network"),
    ("import http.client", "network"),
    ("import requests", "network"),
    ("import pathlib", "file_access"),
    ("import shutil", "file_access"),
    ("import json", "import"),
    ("from resolvers import lab", "import"),
    ("from . import secrets", "import"),
    ("eval('1 + 1')", "dynamic_code"),
    ("exec('x = 1')", "dynamic_code"),
    ("code = compile('1', 'f', 'eval')", "dynamic_code"),
    ("mod = __import__('os')", "dynamic_code"),
    ("data = open('/etc/passwd').read()", "file_access"),
    ("handle.unlink()", "file_access"),
    ("lib.system('rm -rf /')", "process"),
    ("proc = mod.Popen(['sh'])", "process"),
    ("page = lib.urlopen('http://x')", "network"),
    ("kinds = ().__class__.__base__.__subclasses__()", "dunder"),
    ("g = f.__globals__", "dunder"),
    ("b = __builtins__", "dunder"),
    ("fn = getattr(np, 'load')", "reflection"),
    ("setattr(math, 'pi', 3)", "reflection"),
    ("delattr(math, 'pi')", "reflection"),
    ("v = vars()", "reflection"),
    ("g = globals()", "reflection"),
    ("names = dir(math)", "reflection"),
]


@pytest.mark.parametrize(("snippet", "rule"), CORPUS, ids=[c[0] for c in CORPUS])
def test_each_dangerous_snippet_fails_with_its_rule_and_line(snippet: str, rule: str) -> None:
    scan = scan_code(PRELUDE + snippet + "\n")
    assert scan.verdict == "fail"
    assert (rule, 4) in {(f.rule, f.line) for f in scan.findings}, scan.findings
    assert all(f.severity == "high" for f in scan.findings)


def test_a_finding_inside_a_function_has_its_own_line_and_column() -> None:
    code = "def signals(close):\n    x = 1\n    return eval('x')\n"
    (finding,) = scan_code(code).findings
    assert (finding.rule, finding.line, finding.col) == ("dynamic_code", 3, 11)


@pytest.mark.parametrize("module", [strategies, family_series], ids=lambda m: m.__name__)
def test_built_in_strategies_pass(module: object) -> None:
    scan = scan_code(inspect.getsource(module))  # type: ignore[arg-type]
    assert scan.verdict == "pass", scan.findings
    assert scan.findings == []


def test_allowed_imports_and_harmless_dunders_pass() -> None:
    code = (
        "from __future__ import annotations\nimport numpy.typing as npt\nimport pandas as pd\n"
        "from resolvers.quant import indicators as ind\nimport statistics\n"
        "def signals(close):\n    return [0] * len(close), type(close).__name__\n"
    )
    assert scan_code(code).verdict == "pass"


def test_a_syntax_error_is_a_failing_finding_not_an_error() -> None:
    scan = scan_code("def signals(close:\n    return 1\n")
    assert scan.verdict == "fail"
    (finding,) = scan.findings
    assert finding.rule == "syntax"
    assert finding.line >= 1


@pytest.mark.parametrize("code", [None, 3, "   ", "x" * (MAX_CODE + 1)])
def test_code_must_be_a_bounded_non_blank_string(code: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        checked_code(code)
    assert caught.value.code == "INVALID_CODE"
