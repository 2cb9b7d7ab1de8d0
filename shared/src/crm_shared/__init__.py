"""Plumbing and contracts shared by every CRM service."""
