"""Loader checks for org_links.csv: the same identifier rules as seller_links, owned by organisations."""

from __future__ import annotations

from workbench.model import INPUT_FILES

from .seller_links import check_links

SPEC = INPUT_FILES["org_links"]
hook = check_links
