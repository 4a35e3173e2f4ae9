"""Package data: the bundled real ECCP profiles, their manifest and the network alias table."""
