"""The ``crm`` operator tool."""
