"""In-place changes to a Tensor's data, and the backward passes that refuse to mix them in.

A tensor op's backward rule reads the data of some operands or of its own result (the
rule of ``a * b`` for a reads b; that of ``exp`` reads its result): `Op.reads` says which,
operand by operand. If that data changed between the forward pass and ``backward()``, the
rule would combine new numbers with a graph built from the old ones and give a wrong
gradient, silently. So every change that goes through chaingrad stamps the tensor:
assigning ``t.data = array`` (``t.data -= step`` assigns too, and is how the optimizers
step) and `nn.load_state_dict` set ``t._version`` to a fresh number from the node-id
counter (`stamp`). A node made before the change has a smaller id than the stamp, so
``backward()`` tells that the data a rule reads is newer than the node by comparing
integers (`start_backward`, then `check`), before any gradient changes. The forward pass
does no work for it, and a backward pass only one comparison per node when nothing changed
after its graph was made (the usual zero_grad, forward, backward, step): the latest stamp
of all is kept, and a node newer than it has nothing to check.

Views: a tensor whose array is a view of another tensor's (``W.T``, ``x[0:10]``,
``reshape``, ``detach()``) keeps that tensor in ``_base`` and counts as changed when its
base is; assigning to a view's ``data`` in place (``v.data -= step``) stamps its bases too.

Not tracked, as in PyTorch: writes into the array itself (``t.data[...] = v``,
``t.numpy()[0] = v``, ``np.copyto(t.data, v)``). Arrays given to an operation as operands
are copied when the operation's backward will read them (`autograd.tensor_ops.operand`), so
changing the caller's array afterwards changes nothing in the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import FLOAT_DTYPES, shape_text
from .graph import new_node_id

RESULT = -1
"""In `Op.reads`: the node's own data (the result), as opposed to an operand's."""

_FLOAT_CHARS = "".join(dt.char for dt in FLOAT_DTYPES)  # "df": a quicker test than dtype ==

_latest = 0
"""The most recent stamp: a node made after it has seen every change, and needs no check."""


def stamp(tensor: Any) -> None:
    """Record that `tensor`'s data changed now: graphs made before it refuse backward where
    a rule reads that data."""
    global _latest
    tensor._version = _latest = new_node_id()


def assign_data(tensor: Any, value: np.ndarray) -> None:
    """``tensor.data = value`` (`Tensor.data`'s setter): a float array, stamped as a change.

    The same array again (``t.data -= step`` changed it in place) changes the tensors it
    views too; a new array makes the tensor a view of nothing.
    """
    if not isinstance(value, np.ndarray) or value.dtype.char not in _FLOAT_CHARS:
        kind = f"an array of dtype {value.dtype}" if isinstance(value, np.ndarray) else None
        raise TypeError(
            f"Tensor.data: must be a float64 or float32 numpy array, got "
            f"{kind or type(value).__name__}; use np.asarray(v, dtype=t.dtype)"
        )
    base = tensor._base
    if base is not None:
        if value is tensor._data:  # changed through the view: what it views changed too
            while base is not None:
                stamp(base)
                base = base._base
        else:
            tensor._base = None
    tensor._data = value
    global _latest
    tensor._version = _latest = new_node_id()


def start_backward(tensor: Any) -> None:
    """`Tensor._start_backward`: reset ``grad`` before a backward pass, and refuse it if data
    the node's rule reads changed since the node was made. Free unless some tensor changed
    after the node was made (a graph kept across an optimizer step): then one comparison
    per tensor read and per tensor it views, and the careful `check` if one changed."""
    tensor.grad = None
    rule = tensor._rule
    if rule is None or tensor._id > _latest:  # no change anywhere since it was made
        return
    watch = rule.watch
    if watch is None:  # an op that does not say what it reads: all of it
        watch = (*range(len(tensor._parents)), RESULT)
    made, parents = tensor._id, tensor._parents
    for j in watch:
        read = tensor if j == RESULT else parents[j]
        while read is not None:  # the tensor, then what it views (W.T views W)
            if read._version > made:
                check(tensor)  # which operand's gradient needs it, and the message
                return
            read = read._base


def last_change(node: Any) -> int:
    """When `node`'s data, or the data it views, last changed in place: a node-id stamp, or 0
    for never (always for a `Value`, which has no versions)."""
    latest = 0
    while node is not None:
        latest = max(latest, getattr(node, "_version", 0))
        node = getattr(node, "_base", None)
    return latest


def changed_after(tensor: Any, moment: int) -> Any:
    """`tensor`, or the tensor it views, if its data changed after node id `moment`; else None."""
    while tensor is not None:
        if tensor._version > moment:
            return tensor
        tensor = tensor._base
    return None


def check(node: Any) -> None:
    """Raise RuntimeError if data that `node`'s backward rule reads changed after `node` was
    made, for an operand whose gradient is needed (one that requires grad)."""
    reads = node._rule.reads
    parents = node._parents
    for i in range(len(parents)):
        if not parents[i].requires_grad:
            continue
        if reads is None:  # not declared: every operand and the result
            needed: tuple[int, ...] = (*range(len(parents)), RESULT)
        else:
            needed = reads[i] if i < len(reads) else ()
        for j in needed:
            read = node if j == RESULT else parents[j]
            changed = changed_after(read, node._id)
            if changed is not None:
                raise RuntimeError(_message(node, i, read, changed))


def _message(node: Any, operand: int, read: Any, changed: Any) -> str:
    subject = _name(read) if read is not node else f"the data of {_name(node)}"
    if changed is not read:
        subject += f", a view of {_name(changed)},"
    since = "after it was computed" if read is node else f"after {_name(node)} used it"
    return (
        f"backward: {subject} was changed in place (an optimizer step, load_state_dict or an "
        f"assignment to .data) {since}; the {node._rule.name} rule needs the old numbers to "
        f"give the gradient of {_name(node._parents[operand])}. Compute the forward pass "
        "again after changing the data (zero_grad, forward, backward, step)"
    )


def _name(tensor: Any) -> str:
    """A tensor as the message names it: its label, or its op, and its id and shape."""
    where = f"#{tensor._id}, shape {shape_text(tensor._data.shape)}"
    if tensor.label is not None:
        return f"{tensor.label!r} ({where})"
    kind = {"": "leaf", "const": "constant"}.get(tensor._op, f"'{tensor._op}' result")
    return f"an unlabelled {kind} ({where})"
