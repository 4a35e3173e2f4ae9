"""Package data: the clusterkg vocabulary (OWL/RDFS terms) and its SKOS concept schemes, in Turtle."""
