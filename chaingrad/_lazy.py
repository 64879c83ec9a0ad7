"""Package attributes imported on first use, so that importing a package stays light.

``__getattr__, __dir__ = lazy_exports(__name__, {"draw": ".drawing", ...})`` in a package's
``__init__`` makes ``package.draw`` import ``package.drawing`` the first time it is read
(PEP 562); ``from package import draw`` works the same way.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for `package` serving each name of `exports` from
    the module it maps to (relative to `package`). A name that maps to ``"." + name`` is
    that submodule itself (``package.scalar``)."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        loaded = importlib.import_module(module, package)
        value = loaded if module == f".{name}" else getattr(loaded, name)
        namespace[name] = value  # later reads skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
