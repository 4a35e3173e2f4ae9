"""Stage 2, map: a read record -> the RDF of its named graph.

Namespaces and URI minting (:mod:`.vocab`), the concept schemes and network aliases as
lookup tables (:mod:`.concepts`), the mapping itself (:mod:`.mapping` for profiles and
republications, :mod:`.sources` for registers, network pages and award news, on the shared
builder of :mod:`.base`), label validity (:mod:`.validity`), bodies (:mod:`.bodies`), the
clusters and organisations a file names (:mod:`.mentions`), the canonical forms a mapped
graph travels in (:mod:`.canonical`) and the few facts the later stages keep of it
(:mod:`.facts`). Imports only :mod:`clusterkg.graph.read` and the base modules.
"""

from clusterkg.graph.map.mapping import Mapped, map_profile
from clusterkg.graph.map.sources import map_record

__all__ = ["Mapped", "map_profile", "map_record"]
