"""A small MCP server over stdio, written with the SDK, that discovery tests start.

`python stdio_server.py` serves three tools; `--hang` reads stdin and never answers (a hung
server); `--garbage` writes lines that are not JSON-RPC (bad protocol); `--exit` dies at once.
The environment variable ECHO_SECRET, when set, is the answer of `whoami` (so a test can see
the env reached the process).
"""

from __future__ import annotations

import os
import sys
import time

from mcp.server.mcpserver import MCPServer

server = MCPServer("fixture")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Echo the text."""
    return text


@server.tool()
def whoami() -> str:
    """The ECHO_SECRET the server was started with."""
    return os.environ.get("ECHO_SECRET", "")


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "--hang":
        while True:
            time.sleep(3600)
    if mode == "--garbage":
        sys.stdin.readline()
        for _ in range(50):
            sys.stdout.write("this is not json-rpc\n")
            sys.stdout.flush()
        time.sleep(3600)
    if mode == "--exit":
        sys.exit(3)
    server.run()


if __name__ == "__main__":
    main()
