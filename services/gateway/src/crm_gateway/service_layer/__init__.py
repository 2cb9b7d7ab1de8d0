"""Commands and queries of the gateway's own records, in plain Python."""
