"""chaingrad: a tiny reverse-mode autograd engine that shows its work.

The one top-level package. Its parts are imported by name, so ``import chaingrad``
itself loads nothing heavy:

- `chaingrad.autograd`: the engine (`Value`, `Tensor`, backprop, gradcheck) and the
  tools that read its graphs (drawings, ``explain``, ``verify``);
- `chaingrad.nn`: networks on top of the engine, the seed documents and the
  ``chaingrad`` command.

``from chaingrad.autograd import Value`` and ``from chaingrad import nn``.
"""

from importlib import metadata

try:
    __version__ = metadata.version("chaingrad")
    """The installed version, read from the package metadata (pyproject.toml is the source)."""
except metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
