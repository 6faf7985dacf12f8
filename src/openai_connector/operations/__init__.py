"""The operations catalogue: one module per API area, gathered by :mod:`.registry`."""
