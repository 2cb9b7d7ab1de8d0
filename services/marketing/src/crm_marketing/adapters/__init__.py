"""adapters of the marketing service."""
