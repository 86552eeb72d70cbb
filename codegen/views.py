"""Resolver views read as the catalog's shapes and enums (resolvers/views.py says how).

Every `View` subclass defined in a module under resolvers/ is found by walking the package, so
a new view needs no registration: its fields and type hints become a `Shape` (REST JSON,
OpenAPI, TypeScript, reference) and a Strawberry type (codegen/emit_strawberry.py).

JSON data inside a view (TypedDicts, dataclasses named by `JSONOf`) gets a shape of its own,
found by walking the views' fields, and no GraphQL type (GraphQL answers it as JSON). A route's
`Param.schema` names a request body value the same way; such objects are described in their
input form `<Name>Input` (any subset of the keys, no other key), since every body object the
catalog takes is a set of overrides on defaults (a config, a patch, a dataset, a spec).
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import pkgutil
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Union

from codegen.model import Field, Route, Shape
from resolvers.views import Choices, JSONOf, OneOf, View, meta

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
    # JSON data (a TypedDict, a stored dataclass, a map, a union): GraphQL's JSON scalar
    graphql_json: bool = False
    objects: tuple[builtins.type, ...] = ()  # the JSON-data classes it names, for their shapes


def wire(hint: Any, where: str, *, data: bool = False, inputs: bool = False) -> Wire:
    """The catalog type of a view field's hint.

    `data`: the value is plain JSON (inside `JSONOf`, a TypedDict or a request body), where a
    dataclass stands for its `asdict` form. `inputs`: name each object's input form."""
    choices = None
    if typing.get_origin(hint) is typing.Annotated:
        choices = next((m for m in hint.__metadata__ if isinstance(m, Choices)), None)
        one_of = next((m for m in hint.__metadata__ if isinstance(m, OneOf)), None)
        json_of = next((m for m in hint.__metadata__ if isinstance(m, JSONOf)), None)
        if one_of is not None:
            inner = wire(typing.get_args(hint)[0], where, data=data, inputs=inputs)
            return dataclasses.replace(inner, inline=one_of.values)
        if json_of is not None:
            described = wire(json_of.hint, where, data=True, inputs=inputs)
            nullable = _nullable(typing.get_args(hint)[0])
            return dataclasses.replace(described, nullable=nullable, graphql_json=True)
        hint = typing.get_args(hint)[0]
    if typing.get_origin(hint) in (typing.Required, typing.NotRequired):
        return wire(typing.get_args(hint)[0], where, data=data, inputs=inputs)
    nullable = False
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(hint))
        if len(args) != 1:
            return dataclasses.replace(_union(args, where, data, inputs), nullable=nullable)
        hint = args[0]
    if choices is None and typing.get_origin(hint) is typing.Annotated:
        choices = next((m for m in hint.__metadata__ if isinstance(m, Choices)), None)
        hint = typing.get_args(hint)[0]
    origin = typing.get_origin(hint)
    if origin in LISTS or (isinstance(origin, type) and issubclass(origin, Sequence)):
        inner = wire(typing.get_args(hint)[0], where, data=data, inputs=inputs)
        return dataclasses.replace(
            inner, type=f"list[{_item(inner)}]", nullable=nullable, listed=True, inline=()
        )
    if origin is dict and typing.get_args(hint)[:1] == (str,):
        inner = wire(typing.get_args(hint)[1], where, data=True, inputs=inputs)
        return dataclasses.replace(
            inner, type=f"dict[str, {_item(inner)}]", nullable=nullable, graphql_json=True
        )
    if origin is typing.Literal and all(isinstance(v, str) for v in typing.get_args(hint)):
        return Wire("str", nullable, inline=typing.get_args(hint))
    if choices is not None:
        return Wire(choices.name, nullable, choices)
    if isinstance(hint, type) and issubclass(hint, View):
        if data or inputs:
            raise TypeError(f"{where}: a view inside JSON data; use a TypedDict or a dataclass")
        return Wire(rest_name(hint), nullable, view=hint)
    if isinstance(hint, type) and (
        typing.is_typeddict(hint) or (data and dataclasses.is_dataclass(hint))
    ):
        name = data_name(hint) + ("Input" if inputs else "")
        return Wire(name, nullable, graphql_json=True, objects=(hint,))
    scalar = SCALARS.get(hint) or SCALARS.get(origin)
    if scalar is None:
        raise TypeError(
            f"{where}: {hint!r} is not a type the surfaces can describe (untyped JSON such as "
            "`dict` or `Any` needs a TypedDict, `dict[str, X]` or JSONOf(...))"
        )
    return Wire(scalar, nullable)


def _item(inner: Wire) -> str:
    """A list item's or map value's type: `X | null` when it may be null."""
    if not inner.nullable:
        return inner.type
    if inner.view is not None or inner.choices is not None:
        raise TypeError(f"{inner.type}: a null inside a list or map is described for scalars only")
    return f"{inner.type} | null"


def _nullable(hint: Any) -> bool:
    args = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else ()
    return type(None) in args


def _union(args: Sequence[Any], where: str, data: bool, inputs: bool) -> Wire:
    """A union of scalars or of JSON objects; `int | float` is a number, JSON has no ints."""
    members = [wire(arg, where, data=data, inputs=inputs) for arg in args]
    if any(m.view is not None or m.choices is not None or m.nullable for m in members):
        raise TypeError(f"{where}: a union may hold scalars and JSON objects only")
    names = list(dict.fromkeys(m.type for m in members))
    if "float" in names and "int" in names:
        names.remove("int")
    objects = tuple(c for m in members for c in m.objects)
    if len(names) == 1:
        return Wire(names[0], False)
    return Wire(" | ".join(names), False, graphql_json=True, objects=objects)


def data_name(cls: type) -> str:
    """The REST name of a JSON-data class (TypedDict or dataclass)."""
    name: str = getattr(cls, "rest_name", None) or cls.__name__
    return name


SCALARS: dict[Any, str] = {
    int: "int",
    float: "float",
    str: "str",
    bool: "bool",
    datetime: "datetime",
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


def data_fields(cls: type, *, inputs: bool = False) -> tuple[ViewField, ...]:
    """The keys of a JSON-data class: a TypedDict's, or a dataclass's fields (its `asdict`)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    names = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else hints
    out = []
    for name in names:
        text, _ = meta(cls, name)
        typed = wire(hints[name], f"{cls.__name__}.{name}", data=True, inputs=inputs)
        out.append(ViewField(name, typed, text, False, name))
    return tuple(out)


def _field(f: ViewField, *, optional: bool = False) -> Field:
    return Field(
        f.wire_name,
        f.wire.type,
        nullable=f.wire.nullable,
        enum=f.wire.inline,
        description=f.description,
        optional=optional,
    )


def shape(cls: type[View]) -> Shape:
    fields = tuple(_field(f) for f in view_fields(cls) if not f.hidden)
    return Shape(rest_name(cls), fields, description(cls))


INPUT_NOTE = (
    "As input every key may be left out: the server fills its default (in a patch, keeps the "
    "current value); a key it does not know is refused (422)."
)


def data_shape(cls: type, *, inputs: bool = False) -> Shape:
    """The shape of a JSON-data class, or of its input form (`<Name>Input`: any subset of its
    keys, nothing else)."""
    optional: frozenset[str] = getattr(cls, "__optional_keys__", frozenset())
    fields = tuple(
        _field(f, optional=inputs or f.name in optional) for f in data_fields(cls, inputs=inputs)
    )
    text = " ".join(filter(None, (description(cls), INPUT_NOTE if inputs else "")))
    name = data_name(cls) + ("Input" if inputs else "")
    # a class without keys stands for the empty object, so it is closed even as an answer
    return Shape(name, fields, text, closed=inputs or not fields, graphql=False)


def data_shapes(wires: Iterable[Wire], *, inputs: bool = False) -> tuple[Shape, ...]:
    """The shapes of every JSON-data class the wires name, nested ones included."""
    found: dict[str, tuple[type, Shape]] = {}
    pending = [c for w in wires for c in w.objects]
    while pending:
        cls = pending.pop(0)
        name = data_name(cls) + ("Input" if inputs else "")
        if name in found:
            if found[name][0] is not cls:
                raise ValueError(f"two JSON-data classes are both named {name}")
            continue
        found[name] = (cls, data_shape(cls, inputs=inputs))
        pending += [c for f in data_fields(cls, inputs=inputs) for c in f.wire.objects]
    return tuple(s for _, s in found.values())


def shapes(views: Sequence[type[View]] | None = None) -> tuple[Shape, ...]:
    """The shapes of `views` (default: every view) and of the JSON data their fields hold."""
    found = discover() if views is None else views
    wires = [f.wire for cls in found for f in view_fields(cls) if not f.hidden]
    return (*(shape(cls) for cls in found), *data_shapes(wires))


def describe_params(routes: Sequence[Route]) -> tuple[tuple[Route, ...], tuple[Shape, ...]]:
    """The routes with each `Param.schema` hint resolved to its type string, and the input
    shapes the hints name."""
    wires: list[Wire] = []
    out = []
    for route in routes:
        params = []
        for param in route.params:
            if param.schema is not None and not isinstance(param.schema, str):
                typed = wire(param.schema, f"{route.key} {param.name}", data=True, inputs=True)
                wires.append(typed)
                param = dataclasses.replace(param, schema=typed.type)
            params.append(param)
        out.append(dataclasses.replace(route, params=tuple(params)))
    return tuple(out), data_shapes(wires, inputs=True)


def _choices(views: Sequence[type[View]] | None) -> Iterator[Choices]:
    if views is None:  # every enumeration the resolvers define, used by a view or as an input
        for module in _modules("resolvers"):
            yield from (v for v in vars(module).values() if isinstance(v, Choices))
        views = discover()
    wires = []
    for cls in views:
        for f in view_fields(cls):
            if f.wire.choices is not None and not f.hidden:
                yield f.wire.choices
            wires += [f.wire] if not f.hidden else []
    yield from _data_choices(wires)


def _data_choices(wires: Sequence[Wire]) -> Iterator[Choices]:
    seen: set[type] = set()
    pending = [c for w in wires for c in w.objects]
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for f in data_fields(cls):
            if f.wire.choices is not None:
                yield f.wire.choices
            pending += f.wire.objects


def enums(views: Sequence[type[View]] | None = None) -> dict[str, Choices]:
    """Every enumeration by name (of `views`, or all the resolvers define); one name may not
    stand for two value sets."""
    found: dict[str, Choices] = {}
    for choices in _choices(views):
        known = found.setdefault(choices.name, choices)
        if known.values != choices.values:
            raise ValueError(f"enum {choices.name} is described twice with different values")
    return found
