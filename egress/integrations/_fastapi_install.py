"""install(app): every path operation of a FastAPI app becomes egress's, whenever and
however it was declared, and each one egress leaves to FastAPI is reported with why.

FastAPI builds a route's handler when the route is made (and, for a router included in
another, again for each inclusion, from the same route object), so a route class chosen
afterwards changes nothing. install() therefore makes each route again, as an EgressRoute
of the route's own class, from what the route holds: once when it is called, and once
more when the app starts (the first ASGI call builds the middleware stack, where
install() adds a step that returns the app unchanged), for the routes declared or
included after the call.
"""

from __future__ import annotations

import inspect
import logging
import weakref
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, NamedTuple

from fastapi import FastAPI, routing
from fastapi.routing import APIRoute, APIRouter
from starlette.types import ASGIApp

from egress.integrations._core import Encoders
from egress.integrations._fastapi_endpoint import kind
from egress.integrations._fastapi_route import EgressRoute, egress_route, json_class
from egress.pipeline import Pipeline

__all__ = ["Skipped", "install"]

logger = logging.getLogger("egress.integrations.fastapi")

_INSTALLED: weakref.WeakSet[FastAPI] = weakref.WeakSet()


class Skipped(NamedTuple):
    """A path operation whose data egress does not encode, and why."""

    methods: tuple[str, ...]
    path: str
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{','.join(self.methods)} {self.path} ({self.name}): {self.reason}"


def install(
    app: FastAPI, *, encoders: Encoders = None, pipeline: Pipeline | None = None
) -> list[Skipped]:
    """Make every path operation of `app` an EgressRoute, before or after they are declared.

    Taken: routes declared before and after this call, in the app or in routers included
    with or without a `route_class` of their own (a custom route class is kept, with
    egress's behaviour on top), whose response class is FastAPI's default or FastAPI's or
    Starlette's `JSONResponse`, `ORJSONResponse` or `UJSONResponse`, named on the route
    or through a `default_response_class`. A route with another response class keeps it
    (an egress response it returns is still sent as it is); a generator endpoint stays
    FastAPI's stream. `encoders=` or `pipeline=` as for `egress_route`.

    Returns the routes whose data egress leaves to FastAPI, with why; the list grows when
    the app starts, by the routes declared after this call, and is then logged once, as
    one warning of the `egress.integrations.fastapi` logger.
    """
    if not isinstance(app, FastAPI):
        raise TypeError(f"install() takes a FastAPI app, got {app!r}")
    if app in _INSTALLED:
        raise RuntimeError("install() was already called on this app; call it once")
    installation = _Installation(app, egress_route(encoders=encoders, pipeline=pipeline))
    _INSTALLED.add(app)
    installation.take()
    # the app's own routes added later, even once it serves, are made egress's at once
    if not issubclass(app.router.route_class, EgressRoute):
        app.router.route_class = installation.class_for(app.router.route_class)
    if app.middleware_stack is None:
        app.add_middleware(installation.at_startup)
    else:  # already serving: nothing comes later
        installation.report()
    return installation.skipped


class _Installation:
    """One app's install(): the route classes it makes, and what it leaves and said."""

    def __init__(self, app: FastAPI, route_class: type[EgressRoute]) -> None:
        self.app = app
        self.reported = False
        self.route_class = route_class
        self.skipped: list[Skipped] = []
        self._seen: set[int] = set()  # the routes reported, by id (they are kept alive)
        self._classes: dict[type[APIRoute], type[EgressRoute]] = {APIRoute: route_class}

    def at_startup(self, app: ASGIApp) -> ASGIApp:
        """A middleware factory that adds nothing: its call marks the start of the app."""
        self.take()
        self.report()
        return app

    def report(self) -> None:
        """Log what is left to FastAPI, once (one warning line, or nothing)."""
        if self.skipped and not self.reported:
            self.reported = True
            logger.warning(
                "egress encodes every route of this FastAPI app but %d, left to FastAPI: %s",
                len(self.skipped),
                "; ".join(map(str, self.skipped)),
            )

    def take(self) -> None:
        """Make each route of the app that is not egress's yet an EgressRoute."""
        response_classes = _response_classes(self.app)
        for router in _routers(self.app.router):
            changed = False
            for at, route in enumerate(router.routes):
                if not isinstance(route, APIRoute):
                    continue
                if isinstance(route, EgressRoute):  # made egress's already: say what it leaves
                    if kind(route.endpoint) == "generator":
                        self._skip(route, _GENERATOR)
                    elif not json_class(route.response_class):
                        self._skip(route, f"response_class={_name(route.response_class)} is kept")
                    continue
                made = self._make(route, response_classes[id(route)] or [route.response_class])
                if made is not None:
                    router.routes[at] = made
                    changed = True
            if changed:
                # FastAPI caches each inclusion's routes by this version (0.16x).
                getattr(router, "_mark_routes_changed", lambda: None)()

    def _make(self, route: APIRoute, response_classes: list[Any]) -> APIRoute | None:
        """The route made again as egress's; None (and the reason noted) if it stays."""
        if kind(route.endpoint) == "generator":
            self._skip(route, _GENERATOR)
            return None
        kwargs = _arguments(route)
        if isinstance(kwargs, str):
            self._skip(route, kwargs)
            return None
        kept = [c for c in response_classes if not json_class(c)]
        if kept:
            names = sorted({_name(c) for c in kept})
            if len(names) > 1 or len(kept) < len(response_classes):
                self._skip(route, f"included with different response classes ({', '.join(names)})")
                return None
            # The class FastAPI renders this route's data with, wherever it comes from,
            # is named on the route made again (egress then sends only the egress
            # responses it returns).
            kwargs["response_class"] = getattr(kept[0], "value", kept[0])
            self._skip(route, f"response_class={names[0]} is kept")
        made = self.class_for(type(route))(**kwargs)
        if id(route) in self._seen:
            self._seen.add(id(made))  # reported already, as the route it replaces
        return made

    def class_for(self, base: type[APIRoute]) -> type[EgressRoute]:
        made = self._classes.get(base)
        if made is None:
            attributes = {"__module__": base.__module__, "__qualname__": base.__qualname__}
            made = type(base.__name__, (self.route_class, base), attributes)
            self._classes[base] = made
        return made

    def _skip(self, route: APIRoute, reason: str) -> None:
        if id(route) not in self._seen:
            self._seen.add(id(route))
            methods = tuple(sorted(route.methods or ()))
            self.skipped.append(Skipped(methods, route.path, route.name, reason))


_GENERATOR = "a generator endpoint: FastAPI streams it (JSON Lines or SSE)"


def _name(response_class: Any) -> str:
    """A response class's name, through FastAPI's default placeholder."""
    return str(getattr(response_class, "value", response_class).__name__)


def _routers(router: APIRouter) -> Iterator[APIRouter]:
    """The app's router and every router included in it, each once."""
    seen: set[int] = set()
    todo = [router]
    while todo:
        router = todo.pop(0)  # in the order the routers were included
        if id(router) in seen:
            continue
        seen.add(id(router))
        yield router
        for route in router.routes:
            # FastAPI 0.16x keeps an included router as one route that holds it.
            included = getattr(route, "original_router", None)
            if isinstance(included, APIRouter):
                todo.append(included)


def _response_classes(app: FastAPI) -> defaultdict[int, list[Any]]:
    """Each route's response class in each place it is served: a router included with a
    `default_response_class` gives its routes that class there."""
    found: defaultdict[int, list[Any]] = defaultdict(list)
    contexts = getattr(routing, "iter_route_contexts", None)
    if contexts is not None:  # FastAPI 0.16x: an inclusion does not copy the routes
        for context in contexts(app.routes):
            route = context.original_route
            if isinstance(route, APIRoute):
                found[id(route)].append(context.response_class)
    return found


def _arguments(route: APIRoute) -> dict[str, Any] | str:
    """The arguments that make `route` again, read back from it (FastAPI keeps each
    argument of APIRoute under its own name), or why they cannot be."""
    wanted: dict[str, inspect.Parameter] = {}
    for klass in type(route).__mro__:
        if not (isinstance(klass, type) and issubclass(klass, APIRoute)):
            continue
        if "__init__" in vars(klass):
            parameters = list(inspect.signature(klass.__init__).parameters.values())[1:]
            for parameter in parameters:
                if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
                    wanted.setdefault(parameter.name, parameter)
    unreadable = [name for name in wanted if not hasattr(route, name)]
    if unreadable:
        return (
            f"its route class {type(route).__qualname__} takes {', '.join(unreadable)}, "
            "which the route does not keep, so egress cannot make it again; base that class "
            "on egress.integrations.fastapi.EgressRoute instead"
        )
    return {name: getattr(route, name) for name in wanted}
