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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from chaingrad.autograd.files import write_atomically
from chaingrad.autograd.tensor import leaf_array

from .layers import Identity, Linear, ReLU, Sequential, Sigmoid, Tanh
from .module import Module
from .weights_file import names_mismatch, read_weights, shape_mismatch


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
    mismatch = names_mismatch(where, list(params), list(state))
    if mismatch is not None:
        raise ValueError(mismatch)
    arrays = {}
    for name, param in params.items():
        array = leaf_array(state[name], param.dtype, f"{where}: {name!r}", copy=False)
        if array.shape != param.shape:
            raise ValueError(shape_mismatch(where, name, array.shape, param.shape))
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


def load(model: Module, path: str | os.PathLike[str]) -> Module:
    """Set the model's parameters from an ``.npz`` file written by `save`; return the model.

    Every array's header is checked against the model (name, shape, real numbers, declared
    size) before any array is read, and a file larger than this model's weights can be is
    refused unopened (see `nn.weights_file`). Errors name the file, and the key and shapes
    that do not fit; the model is left unchanged.
    """
    where = f"load {os.fspath(path)}"
    if Path(path).is_dir():
        raise IsADirectoryError(f"{where}: a folder, not a weights file; pass the .npz file")
    if not Path(path).is_file():
        raise FileNotFoundError(f"{where}: no such file")
    shapes = {name: param.shape for name, param in model.named_parameters()}
    state = read_weights(path, shapes, where)
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
