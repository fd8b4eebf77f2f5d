"""A step's keyword arguments, found by name among its rule's input, output, params and wildcards.

Each parameter of a step (other than ``log``) must be named in exactly one of the rule's
``input``, ``output``, ``params`` or ``wildcards``; its value is converted to the parameter's
annotation: ``Path``, ``int``, ``float``, ``str``, ``bool``, ``list[...]`` (a single file becomes a
one-element list), ``dict[..., ...]``, ``X | None`` (an empty input or a ``None`` param is None) and
``Any`` (as given). A name found nowhere, or in two places, is an error naming the rule.
"""
from __future__ import annotations

import inspect
import types
import typing
from pathlib import Path
from typing import Any, Callable, Mapping

NAMESPACES = ("input", "output", "params", "wildcards")
PROVIDED_BY_ADAPTER = ("log",)


class StepArgumentError(TypeError):
    """A step parameter the rule does not provide, provides twice, or provides in a wrong form."""


def _namespace(snakemake: Any, name: str) -> Mapping[str, Any]:
    """A rule's named entries of one namespace (Snakemake's Namedlist or a plain mapping)."""
    container = getattr(snakemake, name, None)
    if container is None:
        return {}
    if isinstance(container, Mapping):
        return container
    return {key: getattr(container, key) for key in container.keys()}


def convert(value: Any, hint: Any, what: str) -> Any:
    """``value`` as the annotation ``hint`` asks; ``what`` names it in errors."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if type(None) in args and (value is None or (isinstance(value, (list, tuple, str)) and len(value) == 0)):
            return None
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            return convert(value, members[0], what)
        for member in members:  # several alternatives (e.g. str | list[str]): the one the value already is
            if isinstance(value, typing.get_origin(member) or member):
                return convert(value, member, what)
        raise StepArgumentError(f"{what}: expected {hint}, got {type(value).__name__} {value!r}")
    if origin is list:
        (item,) = args or (Any,)
        values = [value] if isinstance(value, (str, Path)) else list(value)
        return [convert(v, item, f"{what}[{i}]") for i, v in enumerate(values)]
    if origin is dict:
        key_hint, value_hint = args or (Any, Any)
        if not isinstance(value, Mapping):
            raise StepArgumentError(f"{what}: expected a mapping, got {type(value).__name__} {value!r}")
        return {convert(k, key_hint, what): convert(v, value_hint, f"{what}[{k!r}]") for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise StepArgumentError(f"{what}: expected true or false, got {value!r}")
        return value
    if hint in (Path, int, float, str):
        if isinstance(value, (list, tuple)):
            if len(value) != 1:
                raise StepArgumentError(f"{what}: expected one value, got {len(value)}: {list(value)!r}")
            value = value[0]
        try:
            return hint(value)
        except (TypeError, ValueError) as error:
            raise StepArgumentError(f"{what}: cannot read {value!r} as {hint.__name__} ({error})") from None
    return value


def step_arguments(step: Callable[..., Any], snakemake: Any, explicit: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every parameter of ``step`` but ``log``, from ``explicit`` or else by name from the rule.

    A parameter with a default that the rule does not name keeps its default.
    """
    explicit = dict(explicit or {})
    hints = typing.get_type_hints(step)
    namespaces = {name: _namespace(snakemake, name) for name in NAMESPACES}
    rule = getattr(snakemake, "rule", "?")
    arguments = {}
    for parameter, declared in inspect.signature(step).parameters.items():
        if parameter in PROVIDED_BY_ADAPTER:
            continue
        if parameter in explicit:
            arguments[parameter] = explicit.pop(parameter)
            continue
        found = [space for space, values in namespaces.items() if parameter in values]
        if not found and declared.default is not inspect.Parameter.empty:
            continue
        if len(found) != 1:
            where = "none of" if not found else "more than one of"
            raise StepArgumentError(
                f"rule {rule}: step {step.__name__} needs {parameter!r}, which the rule names in {where} "
                f"{', '.join(found or NAMESPACES)}"
            )
        space = found[0]
        hint = hints.get(parameter, Any)
        arguments[parameter] = convert(namespaces[space][parameter], hint, f"rule {rule}: {space}.{parameter}")
    if explicit:
        raise StepArgumentError(f"rule {rule}: step {step.__name__} takes no argument(s) {', '.join(sorted(explicit))}")
    return arguments
