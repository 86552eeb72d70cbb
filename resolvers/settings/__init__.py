"""Settings sections (approvals, sandbox, verdict), stored API keys (sealed) and their
rotation: registry.py, sandbox.py, verdict.py, api_keys.py."""
