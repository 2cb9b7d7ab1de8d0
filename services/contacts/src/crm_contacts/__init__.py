"""The contacts service: people, companies, consent, interactions and tasks."""
