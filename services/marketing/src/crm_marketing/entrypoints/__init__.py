"""entrypoints of the marketing service."""
