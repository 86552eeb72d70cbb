"""The bot factory: templates from the strategy library, bots, and one bot's step."""
