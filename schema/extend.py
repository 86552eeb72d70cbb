"""`@extends`: a hand-written subclass of a generated type, adding GraphQL-only fields.

The generated type (schema/generated/) holds the view's fields; the subclass adds loaders and
connections, and keeps the generated type's name and description.
"""

from __future__ import annotations

from typing import TypeVar

import strawberry
from strawberry.types.base import has_object_definition

T = TypeVar("T", bound=type)


def extends(cls: T) -> T:
    """`strawberry.type` with the name and description of the generated type `cls` extends."""
    base = next(b for b in cls.__mro__[1:] if has_object_definition(b))
    definition = base.__strawberry_definition__
    typed: T = strawberry.type(cls, name=definition.name, description=definition.description)
    return typed
