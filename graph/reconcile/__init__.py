"""Stage 4, reconcile: what several pages say about one cluster, as one current view.

Each profile page is kept as it was read, in its own named graph; the default graph is the
current knowledge graph, made from them at build time (:mod:`.versions`): a cluster that
several page versions describe shows, property by property, the values of its latest
version that states the property. Imports only the stages before it.
"""

from clusterkg.graph.reconcile.versions import LAYOUT_ERA, Version, current_view, ordered, revision_lines

__all__ = ["Version", "LAYOUT_ERA", "ordered", "current_view", "revision_lines"]
