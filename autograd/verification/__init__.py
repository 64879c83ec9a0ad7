"""Checking hand derivations: case files, the expression language, `verify` and `compare`.

A case file (TOML) holds a document's equations and what it claims; `load_case` reads and
checks it, `verify` judges every claim against autodiff, and `compare` judges derivatives
worked out by hand for a Python function. Reading a case file is the only place chaingrad
loads the TOML reader.
"""

from .casefile import CaseFileError
from .comparing import compare
from .expr import ExpressionError
from .loading import load as load_case
from .point import Point
from .results import Comparison, VerifyResult
from .tolerance import Settings
from .verdicts import ClaimResult, Disagreement
from .verifying import verify

__all__ = [
    "CaseFileError",
    "ClaimResult",
    "Comparison",
    "Disagreement",
    "ExpressionError",
    "Point",
    "Settings",
    "VerifyResult",
    "compare",
    "load_case",
    "verify",
]
