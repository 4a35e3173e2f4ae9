"""The example SPARQL queries (``*.rq``), each with its output on the bundled data (``*.csv``)."""
