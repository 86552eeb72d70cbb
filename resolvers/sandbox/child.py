"""The script a sandbox run executes in its subprocess (stdlib only; run as a file, never imported
by the server).

argv[1] is the repository root (so the lab's allowed helpers import). stdin is JSON {code,
closes}. It imports the allow-listed modules first, then, when started as root, drops to the
unprivileged uid/gid 65534 (so RLIMIT_NPROC binds: Linux exempts root from it, and files are
reached as nobody); then it runs the code, calls its `signals(close)` on the closes and
prints one JSON line: {"ok": true, "result": {...}} or {"ok": false, "error", "errno"}.
"""

import contextlib
import errno
import importlib
import json
import os
import sys

PREIMPORT = ("math", "statistics", "collections", "dataclasses", "typing", "functools",
             "itertools", "operator", "enum", "abc", "decimal", "fractions", "numpy",
             "numpy.typing", "pandas", "resolvers.quant.indicators",
             "resolvers.quant.strategies", "resolvers.quant.family_series",
             "encodings.idna")  # fmt: skip
NOBODY = 65534


def _report(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def _summary(positions: object, count: int) -> dict:
    values = [float(v) for v in positions]  # type: ignore[attr-defined]
    if len(values) != count:
        raise ValueError(f"signals returned {len(values)} values for {count} bars")
    return {
        "bars": count,
        "long": sum(1 for v in values if v > 0),
        "short": sum(1 for v in values if v < 0),
        "flat": sum(1 for v in values if v == 0),
        "last": values[-1] if values else 0.0,
    }


def main() -> None:
    sys.path.insert(0, sys.argv[1])
    request = json.loads(sys.stdin.read())
    for name in PREIMPORT:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    origin = os.getpid()
    try:
        namespace: dict = {"__name__": "strategy"}
        exec(compile(request["code"], "<strategy>", "exec"), namespace)
        signals = namespace.get("signals")
        if not callable(signals):
            raise TypeError("the code defines no signals(close) function")
        closes = request["closes"]
        result = _summary(signals(closes), len(closes))
    except BaseException as exc:  # the strategy's own failure is the run's answer
        if os.getpid() != origin:  # a forked child of the strategy: not the run's answer
            os._exit(1)
        code = getattr(exc, "errno", None)
        _report({"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500],
                 "errno": errno.errorcode.get(code, None) if code else None})  # fmt: skip
        sys.exit(1)
    if os.getpid() != origin:
        os._exit(0)
    _report({"ok": True, "result": result})


if __name__ == "__main__":
    main()
