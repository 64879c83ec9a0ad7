"""More rows of the hostile-input table (see tests/hostile_inputs.py): found by the error-message
audit, for networks."""

from __future__ import annotations

from hostile_inputs import Row

ROWS: list[Row] = []
