"""``python -m clusterkg`` runs the command line."""

from .cli import main

main()
