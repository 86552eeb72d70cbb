"""Research: datasets (synthetic, CSV, HyperLiquid) and, later, backtests and the gauntlet."""
