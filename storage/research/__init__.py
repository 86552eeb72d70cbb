"""The research pipeline's tables: datasets, the trial register and verdict runs, gauntlet
workflows and their steps (the jobs that run the steps are storage/jobs.py)."""
