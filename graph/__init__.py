"""clusterkg's data side: one package per stage, data flowing one way.

::

    input files ──► read ──► map ──► validate ──► reconcile ──► store ──► publish
    (profiles,       │        │         │            │            │          │
     other sources, records   RDF     reports    one cluster,  snapshots  dumps, catalogue,
     manifest,                                   one IRI;                 VoID, feed
     decisions,                                  current view
     curated RDF)
                     └──────────── build (orchestration only) ────────────────┘

* :mod:`.read`: input files -> neutral records (a registry of readers), never RDF;
* :mod:`.map`: a record -> the RDF of its named graph (vocabulary, URI minting, schemes);
* :mod:`.validate`: SHACL validation with reports tied to file lines;
* :mod:`.reconcile`: what several sources say about one cluster, as one cluster IRI and one
  current view;
* :mod:`.store`: backends (embedded Oxigraph, a remote SPARQL server) behind two protocols;
* :mod:`.publish`: what a build writes for consumers after loading;
* :mod:`.build`: runs the stages and publishes a snapshot.

A stage imports only itself, earlier stages and the two base modules :mod:`.errors` (the
error tree) and :mod:`.formats` (the format table); nothing here knows HTTP
(``tests/test_layout.py`` checks both).
"""

__all__: list[str] = []
