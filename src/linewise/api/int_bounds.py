"""Bound every integer a request can carry to what the database can hold.

Run once when the app is assembled, before it serves or documents anything: it finds
every endpoint and dependency of every route and gives each plain ``int`` in their
signatures (path, query, header and cookie parameters) the bounds of ``DbInt``, and does
the same to every field of the models request bodies are validated with. Doing it here,
not in 90 signatures and 70 schema fields, means a route added tomorrow is covered
without anyone remembering to; a test sends 2**63 to every integer parameter of the
OpenAPI document.

It rewrites signatures (``__signature__``, which FastAPI reads like ``inspect`` does)
rather than FastAPI's parsed parameters, so it does not depend on how FastAPI keeps
routes internally; routes are read again from the rewritten signatures when they are
first served.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator
from copy import copy
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_typed_signature
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from linewise.core.types import bound_ints, missing_bounds


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # an included router
        if included is not None:
            yield from _api_routes(included.routes)


def _dependants(root: Dependant) -> Iterator[Dependant]:
    yield root
    for sub in root.dependencies:
        yield from _dependants(sub)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _bounded(param: inspect.Parameter) -> inspect.Parameter:
    bounded = bound_ints(param.annotation)
    if bounded is param.annotation:
        return param
    if not isinstance(param.default, FieldInfo) or not _int_or_none(param.annotation):
        return param.replace(annotation=bounded)
    # ``x: int = Query(0, ge=0)``: FastAPI takes the type from a default ``Query`` without
    # the constraints of an ``Annotated`` type, so the bounds go into the ``Query`` itself
    # (a copy: one ``Query`` object can be the default of many functions).
    info = copy(param.default)
    info.metadata = [*info.metadata, *missing_bounds(info.metadata)]
    return param.replace(default=info)


def _int_or_none(annotation: Any) -> bool:
    return annotation is int or set(typing.get_args(annotation)) == {int, type(None)}


class _Binder:
    def __init__(self) -> None:
        self.models: dict[type[BaseModel], bool] = {}  # model -> was it changed
        self.calls: set[int] = set()

    def model(self, model: type[BaseModel]) -> bool:
        """Bound ``model``'s integer fields, nested models first; True if it changed."""
        if model in self.models:
            return self.models[model]
        self.models[model] = False  # a self-referencing model stops here
        changed = False
        for info in model.model_fields.values():
            for sub in _models_in(info.annotation):
                changed |= self.model(sub)
            if _int_or_none(info.annotation):
                # Bounds declared on the field count: ``Field(gt=0, le=240)`` stays as it is.
                missing = missing_bounds(info.metadata)
                if missing:
                    info.metadata = [*info.metadata, *missing]
                    changed = True
                continue
            bounded = bound_ints(info.annotation)
            if bounded is not info.annotation:
                info.annotation = bounded
                changed = True
        if changed:
            # Rebuilt after its nested models, so that it validates with their bounds too.
            model.model_rebuild(force=True)
        self.models[model] = changed
        return changed

    def call(self, call: Callable[..., Any]) -> None:
        """Bound the integer parameters of an endpoint or dependency, and its body models."""
        if id(call) in self.calls or not inspect.isfunction(call):
            return
        self.calls.add(id(call))
        typed = get_typed_signature(call)
        params = []
        for param in typed.parameters.values():
            for model in _models_in(param.annotation):
                self.model(model)
            params.append(_bounded(param))
        # Keep the return annotation: FastAPI may take the response model from it.
        returns = inspect.signature(call).return_annotation
        call.__signature__ = typed.replace(  # type: ignore[attr-defined]
            parameters=params, return_annotation=returns
        )


def bound_integer_inputs(app: FastAPI) -> None:
    """Give every integer parameter and body field of ``app`` the bounds of ``DbInt``."""
    binder = _Binder()
    for route in _api_routes(app.router.routes):
        for dependant in _dependants(route.dependant):
            if dependant.call is not None:
                binder.call(dependant.call)
