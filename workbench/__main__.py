"""``python -m workbench`` runs the same command as ``workbench``."""

from .cli import main

main()
