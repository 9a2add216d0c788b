"""The public surface is exactly what `__all__` says (and design.md names)."""

from __future__ import annotations

import egress
import egress.encoders
import egress.middleware
import egress.responses
import egress.stores
import egress.types

DESIGN_NAMES = {
    "Encoder",
    "EncoderRegistry",
    "EncodeError",
    "registry",
    "register_encoder",
    "dumps",
    "to_jsonable",
    "BackgroundTask",
    "BackgroundTasks",
    "Request",
    "Response",
    "JSONResponse",
    "JsonResponse",
    "JSON",
    "Ok",
    "HTMLResponse",
    "HTML",
    "PlainText",
    "PlainTextResponse",
    "Error",
    "RedirectResponse",
    "StreamingResponse",
    "FileResponse",
    "NDJSONResponse",
    "EventSourceResponse",
    "ServerSentEvent",
    "MessagePackResponse",
    "to_response",
    "make_response",
    "Pipeline",
    "HTTPError",
    "endpoint",
}


def _public(module: object) -> set[str]:
    return {name for name in vars(module) if not name.startswith("_")} - {"annotations"}


def test_all_lists_exactly_the_public_names() -> None:
    submodules = {
        "encoders",
        "responses",
        "pipeline",
        "endpoints",
        "types",
        "integrations",
        "middleware",
        "stores",
    }
    assert set(egress.__all__) == _public(egress) - submodules


def test_the_asgi_types_are_public() -> None:
    names = {"Scope", "Message", "Receive", "Send", "ASGIApp", "CallNext"}
    assert set(egress.types.__all__) == names
    assert egress.types is egress.__dict__["types"]  # `from egress import types` works


def test_every_name_of_the_design_is_exported() -> None:
    assert set(egress.__all__) >= DESIGN_NAMES


def test_subpackages_export_what_they_list() -> None:
    for module in (
        egress.encoders,
        egress.responses,
        egress.types,
        egress.middleware,
        egress.stores,
    ):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
