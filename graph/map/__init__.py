"""Stage 2, map: a read profile record -> the RDF of its named graph.

Namespaces and URI minting (:mod:`.vocab`), the concept schemes and network aliases as
lookup tables (:mod:`.concepts`), the mapping itself (:mod:`.mapping`), the canonical forms
a mapped graph travels in (:mod:`.canonical`) and the few facts the later stages keep of it
(:mod:`.facts`). Imports only :mod:`clusterkg.graph.read` and the base modules.
"""

from clusterkg.graph.map.mapping import Mapped, map_profile

__all__ = ["Mapped", "map_profile"]
