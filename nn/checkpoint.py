"""A model's weights in and out: PyTorch ``state_dict`` names, ``.npz`` files, PyTorch itself.

- `state_dict` and `load_state_dict`: every parameter's array under its PyTorch-style
  name (``0.weight``, ``0.bias``, ...), and back, checked key by key and shape by shape.
- `save` and `load`: the same in an ``.npz`` file, written atomically
  (`autograd.files.write_atomically`), so
  ``{k: torch.from_numpy(v) for k, v in np.load(path).items()}`` is a torch ``state_dict``.
- `to_torch` and `from_torch`: the same network as ``torch.nn`` modules and back, for a
  user who outgrows this engine (PyTorch is needed only for these two).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from chaingrad.autograd.arrays import shape_text
from chaingrad.autograd.files import write_atomically
from chaingrad.autograd.tensor import leaf_array

from .layers import Identity, Linear, ReLU, Sequential, Sigmoid, Tanh
from .module import Module


def state_dict(model: Module) -> dict[str, np.ndarray]:
    """Every parameter's array (a copy) under its PyTorch-style name (``0.weight``, ...)."""
    return {name: param.data.copy() for name, param in model.named_parameters()}


def load_state_dict(
    model: Module, state: Mapping[str, Any], *, where: str = "load_state_dict"
) -> None:
    """Set every parameter from `state` (name -> array), in place, after checking everything.

    The names must be exactly the model's, each array of the parameter's shape, real
    and finite; it is converted to the parameter's dtype. Nothing changes unless every
    entry passes, and a failure names the key and the shapes.
    """
    if not isinstance(state, Mapping):
        raise TypeError(
            f"{where}: state must be a dict of name -> array (as nn.state_dict returns), "
            f"got {type(state).__name__}"
        )
    params = dict(model.named_parameters())
    missing = [name for name in params if name not in state]
    unexpected = [name for name in state if name not in params]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if unexpected:
            parts.append(f"unexpected {', '.join(map(str, unexpected))}")
        raise ValueError(
            f"{where}: the weights do not fit this model: {'; '.join(parts)} "
            f"(the model's keys: {', '.join(params)})"
        )
    arrays = {}
    for name, param in params.items():
        array = leaf_array(state[name], param.dtype, f"{where}: {name!r}", copy=False)
        if array.shape != param.shape:
            raise ValueError(
                f"{where}: {name!r} has shape {shape_text(array.shape)} but the model's "
                f"{name} has shape {shape_text(param.shape)}"
            )
        arrays[name] = array
    for name, param in params.items():
        data = param.data
        data[...] = arrays[name]  # in place, so the array and its views stay the parameter's
        param.data = data  # and assigned, which marks the change: older graphs refuse backward


def save(model: Module, path: str | os.PathLike[str]) -> Path:
    """Write the model's `state_dict` to `path` as an ``.npz`` file (written atomically).

    The keys are PyTorch's names, so ``{k: torch.from_numpy(v) for k, v in
    np.load(path).items()}`` is a ``state_dict`` for the equivalent torch model.
    """
    state = state_dict(model)
    if not state:
        raise ValueError(f"save: {type(model).__name__} has no parameters to save")
    return write_atomically(path, lambda file: np.savez(file, **state), where="save")


_ZIP_MAGIC = b"PK"  # every zip archive (an .npz) starts with these bytes
_NPY_MAGIC = b"\x93NUMPY"  # a single .npy array


def load(model: Module, path: str | os.PathLike[str]) -> Module:
    """Set the model's parameters from an ``.npz`` file written by `save`; return the model.

    Errors name the file, and the key and shapes that do not fit (see `load_state_dict`).
    """
    where = f"load {os.fspath(path)}"
    if Path(path).is_dir():
        raise IsADirectoryError(f"{where}: a folder, not a weights file; pass the .npz file")
    if not Path(path).is_file():
        raise FileNotFoundError(f"{where}: no such file")
    try:
        with open(path, "rb") as file:
            start = file.read(len(_NPY_MAGIC))
        if not start.startswith(_ZIP_MAGIC) and start != _NPY_MAGIC:
            raise ValueError("it does not start like an .npz (zip) archive")
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("a single .npy array, not an .npz archive of named weights")
        with archive:
            state = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"{where}: not a readable .npz weights file ({error}); pass a file written by nn.save"
        ) from None
    load_state_dict(model, state, where=where)
    return model


# ----------------------------------------------------------------------------- PyTorch
_TORCH_ACTIVATIONS: dict[type[Module], str] = {
    Sigmoid: "Sigmoid",
    ReLU: "ReLU",
    Tanh: "Tanh",
    Identity: "Identity",
}


def _torch(where: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"{where} needs PyTorch, which is not installed (pip install torch)"
        ) from None
    return torch


def to_torch(model: Module) -> Any:
    """The same network as a ``torch.nn`` module with the same weights (copied).

    Supports `Linear`, the activations, and a `Sequential` (or `MLP`) of those, which
    become ``torch.nn.Linear``, ``Sigmoid``, ``ReLU``, ``Tanh``, ``Identity`` and
    ``Sequential`` with the same ``state_dict`` names and dtype. Building the torch
    layers leaves torch's global random state as it was.
    """
    torch = _torch("to_torch")
    with torch.random.fork_rng(devices=[]):
        if isinstance(model, Sequential):
            result = torch.nn.Sequential(
                *(_torch_layer(torch, child, name) for name, child in model.named_children())
            )
        else:
            result = _torch_layer(torch, model, "model")
    result.load_state_dict({name: torch.from_numpy(a) for name, a in state_dict(model).items()})
    return result


def _torch_layer(torch: Any, module: Module, name: str) -> Any:
    if isinstance(module, Linear):
        dtype = torch.float32 if module.weight.dtype == np.float32 else torch.float64
        return torch.nn.Linear(
            module.in_features, module.out_features, module.bias is not None, dtype=dtype
        )
    if type(module) in _TORCH_ACTIVATIONS:
        return getattr(torch.nn, _TORCH_ACTIVATIONS[type(module)])()
    raise TypeError(
        f"to_torch: cannot convert {name} ({type(module).__name__}); supported are Linear, "
        f"{', '.join(cls.__name__ for cls in _TORCH_ACTIVATIONS)} and a Sequential of them"
    )


def from_torch(module: Any) -> Module:
    """A chaingrad network equal to a ``torch.nn`` one, with its weights (copied).

    Supports ``torch.nn.Linear``, ``Sigmoid``, ``ReLU``, ``Tanh``, ``Identity`` and a
    ``Sequential`` of those, in float64 or float32; a Sequential becomes a `Sequential`
    with the same parameter names.
    """
    torch = _torch("from_torch")
    if isinstance(module, torch.nn.Sequential):
        model: Module = Sequential(
            *(_layer_from_torch(torch, child, name) for name, child in module.named_children())
        )
    else:
        model = _layer_from_torch(torch, module, "module")
    state = {name: t.detach().cpu().numpy() for name, t in module.state_dict().items()}
    load_state_dict(model, state, where="from_torch")
    return model


def _layer_from_torch(torch: Any, layer: Any, name: str) -> Module:
    if isinstance(layer, torch.nn.Linear):
        if layer.weight.dtype not in (torch.float64, torch.float32):
            raise TypeError(
                f"from_torch: {name} has dtype {layer.weight.dtype}; convert it to float64 "
                "or float32 first (module.double())"
            )
        dtype = np.float32 if layer.weight.dtype == torch.float32 else np.float64
        return Linear(layer.in_features, layer.out_features, layer.bias is not None, dtype=dtype)
    for ours, theirs in _TORCH_ACTIVATIONS.items():
        if type(layer) is getattr(torch.nn, theirs):
            return ours()
    raise TypeError(
        f"from_torch: cannot convert {name} ({type(layer).__name__}); supported are "
        f"Linear, {', '.join(_TORCH_ACTIVATIONS.values())} and a Sequential of them"
    )
