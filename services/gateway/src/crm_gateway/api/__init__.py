"""The route table of each area of the public API, one module per service."""
