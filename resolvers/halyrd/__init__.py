"""The Halyrd trading agent: its configuration, order pipeline, evaluation and records.

Modules share one vocabulary: `config` (what the agent runs with), `events` (what it streams),
`refusals` (the seed's error codes), and the records each area owns (equity, journal, ...).
"""
