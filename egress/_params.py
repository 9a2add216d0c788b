"""Handler parameters: read the signature once at decoration, fill the arguments per request.

Each parameter is looked up by name in the router's path parameters, then in the query
string, and converted by its annotation with the registry's decoders (the same registry
that encodes the responses). A parameter named `request`, or annotated with `Request`,
receives the request itself.

Everything that can be wrong with a signature is found here, at decoration, and the error
names the handler and the parameter and says what to write instead: a mistake shows up
when the module is imported, not on the first request.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, DefaultContext
from typing import Any

from egress._decoding import quote_input
from egress._http_error import HTTPError
from egress._request import Request, parse_query
from egress.encoders import EncoderRegistry
from egress.responses import JSONResponse, Response
from egress.types import Scope

__all__ = ["ParameterError", "Parameters"]

_MISSING: Any = object()
_EMPTY: Mapping[str, Any] = types.MappingProxyType({})
_UNION_TYPES: tuple[Any, ...] = (typing.Union, types.UnionType)
_BY_NAME = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class ParameterError(HTTPError):
    """A missing or unconvertible parameter: a 400 whose JSON body names the parameter and
    the type it expects, so the client can fix the request."""

    def __init__(self, parameter: str, expected: str, message: str) -> None:
        super().__init__(400, message)
        self.parameter = parameter
        self.expected = expected

    def __response__(self) -> Response[Any]:
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
        if type(raw) is not str:
            # A router converter already produced a value: keep it, except an int, which
            # is checked like text (a router's int converter has no upper bound).
            if isinstance(raw, self.target) and not isinstance(raw, int):
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
                f"parameter {self.name!r} must be {self.expected}, got {quote_input(raw)} "
                f"({error})",
            ) from None

    def missing(self) -> Any:
        if self.default is not _MISSING:
            return self.default
        if self.optional:
            return None
        raise ParameterError(
            self.name, self.expected, f"missing parameter {self.name!r} ({self.expected})"
        )


def _within_decimal_context(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """`parse`, refusing a Decimal beyond the default context's exponent range: such a
    value (`1e100000000`) is read fine, then the handler's first arithmetic on it raises
    `decimal.Overflow`, a 500 any client could trigger; a 400 says so instead."""

    def parse_in_context(raw: str) -> Any:
        value = parse(raw)
        if isinstance(value, Decimal) and not (
            DefaultContext.Emin <= value.adjusted() <= DefaultContext.Emax
        ):
            raise ValueError(
                "the exponent is outside the decimal context's range "
                f"(1e{DefaultContext.Emin} to 9.99e{DefaultContext.Emax} in magnitude)"
            )
        return value

    return parse_in_context


def _annotation_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return repr(annotation).removeprefix("typing.")


def _problem(handler: str, parameter: str, text: str) -> TypeError:
    return TypeError(f"endpoint {handler}(): parameter {parameter!r} {text}")


def _unreadable(handler: str, parameter: str, annotation: Any) -> TypeError:
    shown = _annotation_name(annotation)
    if isinstance(annotation, type):
        text_hint = (
            "for a custom text format register a decoder: "
            f"registry.register_decoder({shown}, parse)"
        )
    else:
        text_hint = (
            "for text annotate one type egress reads (str, int, float, bool, Decimal, UUID, "
            "date, datetime, time, an Enum) or a type with a registered decoder"
        )
    return _problem(
        handler,
        parameter,
        f"is annotated {shown}, which egress cannot read from a path or query string "
        f"(no decoder for {shown}); to read a JSON request body take the `request` and "
        "`await request.json()`, or use FastAPI with egress.integrations.fastapi.EgressRoute; "
        f"{text_hint}",
    )


_REQUEST_NAMES = frozenset({"Request", "HTTPConnection", "ASGIConnection", "Connection"})


def _foreign_request(annotation: Any) -> bool:
    """True for another framework's request class (Starlette's, FastAPI's, Lilya's,
    Litestar's), recognised by its name so that none of them is imported."""
    return (
        isinstance(annotation, type)
        and not issubclass(annotation, Request)
        and any(klass.__name__ in _REQUEST_NAMES for klass in annotation.__mro__)
    )


def _unwrap_optional(annotation: Any) -> tuple[Any, bool] | None:
    """(the type to convert to, whether None is allowed); None for a union of two types."""
    if typing.get_origin(annotation) in _UNION_TYPES:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (members[0], True) if len(members) == 1 else None
    return annotation, False


class Parameters:
    """How to call one handler: the converters for its parameters, computed once."""

    def __init__(self, handler: Callable[..., Any], registry: EncoderRegistry, name: str) -> None:
        try:
            hints = typing.get_type_hints(handler)
        except (NameError, TypeError, SyntaxError) as error:
            raise TypeError(
                f"endpoint {name}(): cannot resolve its annotations ({error}); define the "
                "names they use at module level"
            ) from error
        self.request_names: tuple[str, ...] = ()
        converted: list[_Parameter] = []
        for parameter_name, parameter in inspect.signature(handler).parameters.items():
            if parameter.kind not in _BY_NAME:
                raise _problem(
                    name,
                    parameter_name,
                    "must be passable by name (no *args, **kwargs or positional-only "
                    "parameters): each parameter is filled by name from the path or query",
                )
            annotation = hints.get(parameter_name, str)
            if _foreign_request(annotation):
                raise _problem(
                    name,
                    parameter_name,
                    f"is annotated {annotation.__module__}.{annotation.__qualname__}, another "
                    "framework's request, which egress does not make; annotate it with "
                    "egress.Request (from egress import Request), which egress passes",
                )
            if parameter_name == "request" or (
                isinstance(annotation, type) and issubclass(annotation, Request)
            ):
                self.request_names += (parameter_name,)
                continue
            unwrapped = _unwrap_optional(annotation)
            if unwrapped is None:
                raise _problem(
                    name,
                    parameter_name,
                    f"is annotated with the union {_annotation_name(annotation)}, which has no "
                    "single type to convert to; annotate one type (optionally `X | None`)",
                )
            target, optional = unwrapped
            if target is Any:
                target = str
            parse = registry.decoders.find(target)
            if parse is None:
                raise _unreadable(name, parameter_name, target)
            if isinstance(target, type) and issubclass(target, Decimal):
                parse = _within_decimal_context(parse)
            default = _MISSING if parameter.default is parameter.empty else parameter.default
            converted.append(_Parameter(parameter_name, target, parse, default, optional))
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
