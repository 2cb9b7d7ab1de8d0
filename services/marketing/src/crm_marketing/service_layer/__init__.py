"""service_layer of the marketing service."""
