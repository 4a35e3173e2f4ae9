"""Package data: the SHACL shapes every mapped profile is validated against, in Turtle."""
