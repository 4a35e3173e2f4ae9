"""clusterkg's data side: read profiles, map them to RDF, validate, store.

Data flows one way, and the sub-modules only import from earlier stages:
``readers`` -> ``mapping`` -> ``validation`` -> ``store``; ``build`` runs the pipeline.
Nothing here knows about HTTP.
"""
