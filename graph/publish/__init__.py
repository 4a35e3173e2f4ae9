"""Stage 6, publish: what a build writes for consumers once the graphs are loaded.

Dumps (canonical N-Triples, chunked gzip with reuse, Turtle), VoID statistics, the DCAT-AP
catalogue, the change feed, the MQA score, and the URL map of what is published
(:mod:`.urls`, shared with the service's routes). Imports only earlier stages.
"""

__all__: list[str] = []
