"""Marshmallow schemas that are the services' public contract: RPC, REST and event data."""
