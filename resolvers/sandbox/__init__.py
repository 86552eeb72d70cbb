"""The strategy-code sandbox: an AST scan (always on) and limited subprocess test runs."""
