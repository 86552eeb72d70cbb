"""Resolver views read as the catalog's shapes and enums (resolvers/views.py says how).

Every `View` subclass defined in a module under resolvers/ is found by walking the package, so
a new view needs no registration: its fields and type hints become a `Shape` (REST JSON,
OpenAPI, TypeScript, reference) and a Strawberry type (codegen/emit_strawberry.py).
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import pkgutil
import types
import typing
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Union

from codegen.model import Field, Shape
from resolvers.views import Choices, OneOf, View, meta

LISTS = (list, tuple, Sequence)


def _modules(package: str) -> Iterator[types.ModuleType]:
    root = importlib.import_module(package)
    names = [package]
    names += [m.name for m in pkgutil.walk_packages(root.__path__, f"{package}.")]
    for name in sorted(names):
        yield importlib.import_module(name)


@cache
def discover(package: str = "resolvers") -> tuple[type[View], ...]:
    """Every view defined under `package`, module by module in name order, then as defined."""
    found: list[type[View]] = []
    for module in _modules(package):
        name = module.__name__
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, View)
                and value is not View
                and value.__module__ == name
            ):
                found.append(value)
    return tuple(found)


def rest_name(cls: type[View]) -> str:
    return cls.rest_name or cls.__name__


def graphql_name(cls: type[View]) -> str:
    return cls.graphql_name or cls.__name__


def description(cls: type[View]) -> str:
    return " ".join((cls.__doc__ or "").split())


@dataclasses.dataclass(frozen=True)
class Wire:
    """A field's type as the emitters see it: a catalog type name, and whether it may be null."""

    type: str
    nullable: bool
    choices: Choices | None = None
    view: builtins.type[View] | None = None  # the nested view (or list item view)
    listed: bool = False
    inline: tuple[str, ...] = ()  # OneOf's values: an inline enum in REST, a String in GraphQL


def wire(hint: Any, where: str) -> Wire:
    """The catalog type of a view field's hint."""
    choices = None
    if typing.get_origin(hint) is typing.Annotated:
        choices = next((m for m in hint.__metadata__ if isinstance(m, Choices)), None)
        one_of = next((m for m in hint.__metadata__ if isinstance(m, OneOf)), None)
        if one_of is not None:
            inner = wire(typing.get_args(hint)[0], where)
            return dataclasses.replace(inner, inline=one_of.values)
        hint = typing.get_args(hint)[0]
    nullable = False
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(hint))
        if len(args) != 1:
            raise TypeError(f"{where}: a union of several types cannot be described")
        hint = args[0]
    if choices is None and typing.get_origin(hint) is typing.Annotated:
        choices = next((m for m in hint.__metadata__ if isinstance(m, Choices)), None)
        hint = typing.get_args(hint)[0]
    origin = typing.get_origin(hint)
    if origin in LISTS or (isinstance(origin, type) and issubclass(origin, Sequence)):
        inner = wire(typing.get_args(hint)[0], where)
        return Wire(f"list[{inner.type}]", nullable, inner.choices, inner.view, listed=True)
    if choices is not None:
        return Wire(choices.name, nullable, choices)
    if isinstance(hint, type) and issubclass(hint, View):
        return Wire(rest_name(hint), nullable, view=hint)
    scalar = SCALARS.get(hint) or SCALARS.get(origin)
    if scalar is None:
        raise TypeError(f"{where}: {hint!r} is not a type the surfaces can describe")
    return Wire(scalar, nullable)


SCALARS: dict[Any, str] = {
    int: "int",
    float: "float",
    str: "str",
    bool: "bool",
    datetime: "datetime",
    dict: "json",
    Any: "json",
}


@dataclasses.dataclass(frozen=True)
class ViewField:
    name: str  # the attribute
    wire: Wire
    description: str
    hidden: bool
    wire_name: str  # its name in the JSON and in GraphQL (Doc.name, else the attribute's)


def view_fields(cls: type[View]) -> tuple[ViewField, ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        text, doc = meta(cls, f.name)
        typed = wire(hints[f.name], f"{cls.__name__}.{f.name}")
        out.append(ViewField(f.name, typed, text, doc.hidden, doc.name or f.name))
    return tuple(out)


def shape(cls: type[View]) -> Shape:
    fields = tuple(
        Field(
            f.wire_name,
            f.wire.type,
            nullable=f.wire.nullable,
            enum=f.wire.inline,
            description=f.description,
        )
        for f in view_fields(cls)
        if not f.hidden
    )
    return Shape(rest_name(cls), fields, description(cls))


def shapes(views: Sequence[type[View]] | None = None) -> tuple[Shape, ...]:
    return tuple(shape(cls) for cls in (discover() if views is None else views))


def _choices(views: Sequence[type[View]] | None) -> Iterator[Choices]:
    if views is None:  # every enumeration the resolvers define, used by a view or as an input
        for module in _modules("resolvers"):
            yield from (v for v in vars(module).values() if isinstance(v, Choices))
        views = discover()
    for cls in views:
        for f in view_fields(cls):
            if f.wire.choices is not None and not f.hidden:
                yield f.wire.choices


def enums(views: Sequence[type[View]] | None = None) -> dict[str, Choices]:
    """Every enumeration by name (of `views`, or all the resolvers define); one name may not
    stand for two value sets."""
    found: dict[str, Choices] = {}
    for choices in _choices(views):
        known = found.setdefault(choices.name, choices)
        if known.values != choices.values:
            raise ValueError(f"enum {choices.name} is described twice with different values")
    return found
