"""Handler parameters: read the signature once at decoration, fill the arguments per request.

Each parameter is looked up by name in the router's path parameters, then in the query
string, and converted by its annotation with the registry's decoders (the same registry
that encodes the responses). A parameter named `request`, or annotated with `Request`,
receives the request itself.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from egress._http_error import HTTPError
from egress._request import Request, Scope, parse_query
from egress.encoders import EncoderRegistry

__all__ = ["ParameterError", "Parameters"]

_MISSING: Any = object()
_EMPTY: Mapping[str, Any] = types.MappingProxyType({})
_UNION_TYPES: tuple[Any, ...] = (typing.Union, types.UnionType)


class ParameterError(HTTPError):
    """A missing or unconvertible parameter: a 400 whose JSON body names the parameter and
    the type it expects, so the client can fix the request."""

    def __init__(self, parameter: str, expected: str, message: str) -> None:
        super().__init__(400, message)
        self.parameter = parameter
        self.expected = expected

    def __response__(self) -> Any:
        from egress.responses import JSONResponse

        body = {"detail": self.detail, "parameter": self.parameter, "expected": self.expected}
        return JSONResponse(body, status_code=400)


@dataclass(frozen=True)
class _Parameter:
    name: str
    target: type
    parse: Callable[[str], Any]
    default: Any  # _MISSING when required
    optional: bool  # annotated X | None: an empty or missing value is None

    @property
    def expected(self) -> str:
        return self.target.__name__

    def convert(self, raw: Any) -> Any:
        if type(raw) is not str:  # a router converter already produced a value
            if isinstance(raw, self.target):
                return raw
            raw = str(raw)
        if self.optional and not raw:
            return None
        try:
            return self.parse(raw)
        except (ValueError, TypeError, ArithmeticError) as error:
            raise ParameterError(
                self.name,
                self.expected,
                f"parameter {self.name!r} must be {self.expected}, got {raw!r} ({error})",
            ) from None

    def missing(self) -> Any:
        if self.default is not _MISSING:
            return self.default
        if self.optional:
            return None
        raise ParameterError(
            self.name, self.expected, f"missing parameter {self.name!r} ({self.expected})"
        )


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in _UNION_TYPES:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0], True
        raise TypeError(
            f"cannot convert a parameter to the union {annotation!r}: annotate one type "
            "(optionally `| None`)"
        )
    return annotation, False


class Parameters:
    """How to call one handler: the converters for its parameters, computed once."""

    def __init__(self, handler: Callable[..., Any], registry: EncoderRegistry) -> None:
        hints = typing.get_type_hints(handler)
        self.request_names: tuple[str, ...] = ()
        converted: list[_Parameter] = []
        for name, parameter in inspect.signature(handler).parameters.items():
            if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
                raise TypeError(
                    f"endpoint parameter {name!r} of {handler.__qualname__} must be passable "
                    "by name (no *args, **kwargs or positional-only parameters)"
                )
            annotation = hints.get(name, str)
            if name == "request" or (
                isinstance(annotation, type) and issubclass(annotation, Request)
            ):
                self.request_names += (name,)
                continue
            target, optional = _unwrap_optional(annotation)
            if target is Any:
                target = str
            if not isinstance(target, type):
                raise TypeError(
                    f"cannot convert parameter {name!r} of {handler.__qualname__} to "
                    f"{target!r}: annotate it with a type"
                )
            default = _MISSING if parameter.default is parameter.empty else parameter.default
            parse = registry.decoders.parser_for(target)
            converted.append(_Parameter(name, target, parse, default, optional))
        self._converted = tuple(converted)

    @property
    def wants_request(self) -> bool:
        return bool(self.request_names)

    def bind(self, scope: Scope, request: Request | None) -> dict[str, Any]:
        """The keyword arguments for one request; ParameterError (a 400) on bad input."""
        kwargs: dict[str, Any] = dict.fromkeys(self.request_names, request)
        if not self._converted:
            return kwargs
        path_params = scope.get("path_params") or _EMPTY
        query: Mapping[str, str] | None = None
        for parameter in self._converted:
            raw = path_params.get(parameter.name, _MISSING)
            if raw is _MISSING:
                if query is None:
                    query = parse_query(scope.get("query_string", b""))
                raw = query.get(parameter.name, _MISSING)
            if raw is _MISSING:
                kwargs[parameter.name] = parameter.missing()
            else:
                kwargs[parameter.name] = parameter.convert(raw)
        return kwargs
