"""create_app(settings): serves the published set and nothing else (no rendering, no writing)."""
