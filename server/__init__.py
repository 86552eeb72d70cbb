"""Composition root: settings, app factory, CLI, lifespan and background runners."""
