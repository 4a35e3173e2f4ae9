"""HTTP routes, one module per concern."""

__all__: list[str] = []
