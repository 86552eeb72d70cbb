"""Settings sections (a placeholder package: the settings helper's version replaces it)."""
