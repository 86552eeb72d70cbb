"""Views: the one description of every object the APIs answer with.

A view is a frozen dataclass subclassing `View`, returned by a resolver. Its fields, in order,
are the object's fields on every surface: the REST JSON (orjson encodes dataclasses natively,
so a view *is* its serializer), the OpenAPI schema and TypeScript type, and the Strawberry type
that codegen writes to schema/generated/ (whose fields read the view's attributes directly).
Event payloads are encoded from the same views (`to_payload`), so an event cannot drop a field
the REST answer has.

Type hints say everything else:
- `X | None` is nullable; `list[X]` a list; another view nests (an object type in GraphQL).
- JSON data that is no view: a TypedDict (a dict built or stored as such), `dict[str, X]`
  (any keys, each value an X), a union of scalars (`float | bool`) or of TypedDicts, or
  `Annotated[dict[str, Any], JSONOf(SomeDataclass)]` for the `asdict` form of a dataclass kept
  in a JSON column. REST, OpenAPI and TypeScript describe them; GraphQL answers them with its
  JSON scalar (it has no maps or unions of scalars, and a JSON field that became an object type
  would need a selection set that no existing query has). Untyped JSON (`dict`, `Any`) cannot
  be described and is refused by codegen.
- `Annotated[str, SOME_CHOICES]` is an enum (`Choices`: its name and values);
  `Annotated[str, OneOf(values)]` an inline one (a String in GraphQL).
- A plain string in `Annotated[...]` is the field's description; `Doc(...)` also says where a
  row keeps the value under another name (`source`), that a field is internal (`hidden`:
  neither in the JSON nor in GraphQL), or its name on the wire (`name`) when the attribute
  cannot be that name.
- A field named `id` is a GraphQL `ID`.
Class-level overrides: the docstring is the description; `rest_name` / `graphql_name` when an
object is named differently on a surface (the Halyrd agent is `Agent` in REST, `TradingAgent`
in GraphQL).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import orjson


@dataclass(frozen=True, slots=True)
class Choices:
    """An enumeration: its name on every surface and its documented string values."""

    name: str
    values: tuple[str, ...]
    description: str = ""

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)


@dataclass(frozen=True, slots=True)
class OneOf:
    """An inline enumeration of strings: REST lists the values on the field, GraphQL types it a
    String (for values a GraphQL enum cannot name, such as `>=`)."""

    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class JSONOf:
    """Marks a JSON value (a dict read from a JSON column) as the `asdict` form of `hint`, a
    dataclass (or a list of one): REST describes the dataclass's fields, GraphQL keeps JSON."""

    hint: Any


@dataclass(frozen=True, slots=True)
class Doc:
    """A field's description, and what differs between a row and the view."""

    text: str = ""
    source: str | None = None  # the row attribute holding the value, when named differently
    hidden: bool = False  # internal: encoded nowhere, described nowhere
    # the field's name on the wire when the attribute cannot carry it (`from`, a keyword; the
    # camelCase keys of a standard such as ERC-8004's `agentId`)
    name: str | None = None


class View:
    """Base of every view (a marker codegen looks for; it adds no fields)."""

    __slots__ = ()
    rest_name: ClassVar[str | None] = None
    graphql_name: ClassVar[str | None] = None


V = TypeVar("V", bound=View)


def meta(cls: type, name: str) -> tuple[str, Doc]:
    """A field's (description, Doc) from its Annotated metadata."""
    hint = typing.get_type_hints(cls, include_extras=True)[name]
    texts = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, str)]
    docs = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Doc)]
    doc = docs[0] if docs else Doc()
    return (doc.text or " ".join(texts)), doc


# what each view class reads and hides, worked out once per class (classes never change)
_SOURCES: dict[type, tuple[tuple[str, str], ...]] = {}
_WIRE: dict[type, tuple[tuple[str, str], ...]] = {}
_HAS_HIDDEN: dict[type, bool] = {}


def _sources(cls: type[View]) -> tuple[tuple[str, str], ...]:
    known = _SOURCES.get(cls)
    if known is None:
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        known = _SOURCES[cls] = tuple((n, meta(cls, n)[1].source or n) for n in names)
    return known


def from_row(cls: type[V], row: object, **values: Any) -> V:
    """The view of a row (or any object with the attributes): each field read from the
    attribute of its name (or its `Doc.source`); `values` supply or override fields."""
    return cls(
        **{
            name: values[name] if name in values else getattr(row, source)
            for name, source in _sources(cls)
        }
    )


def _wire(cls: type[View]) -> tuple[tuple[str, str], ...]:
    """(attribute, name on the wire) of each field that is encoded, in order."""
    known = _WIRE.get(cls)
    if known is None:
        docs = [(f.name, meta(cls, f.name)[1]) for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        known = _WIRE[cls] = tuple((n, d.name or n) for n, d in docs if not d.hidden)
    return known


def jsonable(value: Any) -> Any:
    """Views (here or nested, in lists and dicts) as plain values: without their hidden fields,
    under their wire names.

    Only needed where a view has such fields (`has_hidden`): orjson encodes the others as they
    are, and codegen decides per route which answers need it."""
    if isinstance(value, View):
        return {wire: jsonable(getattr(value, attr)) for attr, wire in _wire(type(value))}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


def has_hidden(cls: type[View]) -> bool:
    """Whether encoding natively would be wrong (here or nested): a hidden field, or one whose
    wire name is not its attribute's."""
    known = _HAS_HIDDEN.get(cls)
    if known is None:
        hints = typing.get_type_hints(cls)
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        plain = tuple((f.name, f.name) for f in fields)
        known = _wire(cls) != plain or any(_nested_hidden(hints[f.name]) for f in fields)
        _HAS_HIDDEN[cls] = known
    return known


def _nested_hidden(hint: Any) -> bool:
    if isinstance(hint, type) and issubclass(hint, View):
        return has_hidden(hint)
    return any(_nested_hidden(arg) for arg in typing.get_args(hint))


def to_payload(view: View) -> dict[str, Any]:
    """A view as an event payload: exactly its REST JSON, as plain values."""
    payload: dict[str, Any] = orjson.loads(orjson.dumps(jsonable(view)))
    return payload
