"""MCP: the registry of external MCP servers, live tool discovery, per-agent grants."""
