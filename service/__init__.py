"""clusterkg's HTTP side: a FastAPI app answering from a store. It never parses profiles."""

__all__: list[str] = []
