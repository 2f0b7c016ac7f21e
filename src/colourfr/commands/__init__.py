"""Subcommands of the colourfr CLI (one module each, auto-discovered)."""
