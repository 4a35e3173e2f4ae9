"""clusterkg: a linked-data publisher for cluster organisation profiles.

The installed package maps the project's top-level folders into one namespace:
``clusterkg.graph`` (read, map, validate, store, publish, build), ``clusterkg.service`` (HTTP),
``clusterkg.ontology``, ``clusterkg.shapes`` and ``clusterkg.data`` (package data).
"""

__version__ = "0.1.0"
