"""Counterfeit Ring Workbench: find the operations behind many storefronts and trace them upstream."""

__version__ = "0.1.0"
