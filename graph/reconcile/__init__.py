"""Stage 4, reconcile: what several sources say about one cluster, as one current view.

Each source file is kept as it was read, in its own named graph; the default graph is the
current knowledge graph, made from them at build time:

* :mod:`.versions`: a cluster that several page versions describe shows, property by
  property, the values of its latest version that states the property;
* :mod:`.matching` and :mod:`.identity`: the clusters and organisations the other sources
  name (registers, network pages, news, republications) are matched to the profiles' and
  to each other (names, acronyms, country, website; a score, a merge score, a review
  band, the curators' decisions): one cluster, one IRI;
* :mod:`.view`: those sources' graphs get the settled IRIs, and their share of the
  current view (the profile says a cluster's name, country, website; the sources add
  awards, memberships, other names);
* :mod:`.review`: the pairs left for a curator, as CSV.

Imports only the stages before it.
"""

from clusterkg.graph.reconcile.identity import KindReport, Resolution, ReviewPair, reconcile
from clusterkg.graph.reconcile.matching import MatchPolicy
from clusterkg.graph.reconcile.review import REVIEW_FILE, review_csv
from clusterkg.graph.reconcile.versions import LAYOUT_ERA, Version, current_view, ordered, revision_lines
from clusterkg.graph.reconcile.view import links_ntriples, rewrite, share, view_owners

__all__ = ["Version", "LAYOUT_ERA", "ordered", "current_view", "revision_lines", "reconcile", "Resolution",
           "ReviewPair", "KindReport", "MatchPolicy", "REVIEW_FILE", "review_csv", "rewrite", "share", "view_owners",
           "links_ntriples"]
