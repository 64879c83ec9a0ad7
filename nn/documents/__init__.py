"""The seed documents: their case files (beside this file), networks and reports.

``chaingrad verify`` and ``chaingrad demo`` read the case files here; `catalog` builds each
document's network for drawings (``chaingrad draw``).
"""
