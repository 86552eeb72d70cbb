"""GraphQL face of the Halyrd agent: its records, evaluation, configuration, actions and events."""
