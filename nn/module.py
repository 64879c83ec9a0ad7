"""`Module`: the base of every network, PyTorch-like, for `Value` and `Tensor` graphs alike.

A module holds its parameters and submodules as ordinary attributes; nothing has to be
registered. Walking a module's attributes in assignment order finds

- its **parameters**: leaf graph nodes (a `Value` or `Tensor` no operation made, not a
  constant, and not marked ``requires_grad = False``), held directly or in a list or tuple;
- its **children**: other modules, held directly or in a list or tuple.

Names are attribute paths as in PyTorch (``layers.0.neurons.1.w.0``); a list element is
named by its index. A parameter shared by two modules is listed once. Walks are iterative,
so nesting depth is unlimited.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

from chaingrad.autograd.graph import Node, zero_grad


def is_parameter(obj: object) -> bool:
    """True for a graph node a module trains: a leaf, not a constant, requiring a gradient."""
    parents = getattr(obj, "_parents", None)
    return (
        parents == ()
        and hasattr(obj, "_id")
        and getattr(obj, "_op", None) == ""
        and getattr(obj, "requires_grad", True) is not False
    )


class Module(ABC):
    """A network or a piece of one: subclasses set attributes and implement `forward`.

    ``module(x)`` calls ``module.forward(x)``. Subclasses need not call
    ``super().__init__()``: parameters and children are found from the attributes.
    A subclass whose children are uniform and summarized by `extra_repr` (a layer of
    neurons) sets ``repr_children = False`` to print on one line.
    """

    repr_children: ClassVar[bool] = True

    @abstractmethod
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output from its inputs."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Same as `forward`."""
        return self.forward(*args, **kwargs)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The modules held directly by this one (in attributes or lists), with their names."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

    def _own_parameters(self) -> Iterator[tuple[str, Node]]:
        """The parameters held directly by this module (not by its children), with names."""
        for name, value in vars(self).items():
            if is_parameter(value):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if is_parameter(item):
                        yield f"{name}.{i}", item

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module inside it, parents first, each once, with names."""
        seen: set[int] = set()  # modules are not graph nodes: identity is what matters here
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = list(module.named_children())
            for child_name, child in reversed(children):
                stack.append((f"{name}.{child_name}" if name else child_name, child))

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Node]]:
        """Every parameter, own ones first then each child's, each once, with dotted names.

        With ``recurse=False``, only the parameters this module holds itself.
        """
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, param in module._own_parameters():
                if param._id not in seen:
                    seen.add(param._id)
                    yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self) -> list[Node]:
        """Every parameter, in the order of `named_parameters` (what an optimizer takes)."""
        return [param for _, param in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (leaf gradients accumulate across backward calls)."""
        zero_grad(self.parameters())

    def extra_repr(self) -> str:
        """The module's settings for `repr`, one line (empty by default)."""
        return ""

    def __repr__(self) -> str:
        lines: list[str] = []
        printed: set[int] = set()
        # (depth, name, module); module None closes the bracket opened at that depth.
        stack: list[tuple[int, str, Module | None]] = [(0, "", self)]
        while stack:
            depth, name, module = stack.pop()
            pad = "  " * depth
            if module is None:
                lines.append(pad + ")")
                continue
            head = f"{pad}({name}): " if name else pad
            text = f"{type(module).__name__}({module.extra_repr()}"
            children = list(module.named_children()) if module.repr_children else []
            if children and id(module) not in printed:
                printed.add(id(module))
                lines.append(head + text)
                stack.append((depth, "", None))
                for child_name, child in reversed(children):
                    stack.append((depth + 1, child_name, child))
            else:
                lines.append(head + text + ")")
        return "\n".join(lines)
