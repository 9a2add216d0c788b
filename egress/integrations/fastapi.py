"""FastAPI in egress: `install(app)` for a whole app, `EgressRoute` for a router.

    install(app)                                   # every route, whenever declared
    app.router.route_class = EgressRoute           # or one router at a time
    router = APIRouter(route_class=EgressRoute)

FastAPI keeps its request side (validation and 422, dependencies, security, OpenAPI)
and its rules for what a path operation returns: the decorator's `status_code`, the
injected `Response`'s status, headers and cookies, background tasks, `HTTPException`,
a returned Response sent as it is. Only the encoding changes: the value goes through
egress's registry instead of `jsonable_encoder` and `json.dumps`; a route with a
response_model (declared, or inferred from a return annotation) is validated and
filtered by pydantic as before, and egress encodes the filtered data, so one app writes
one JSON form for each type.

How it plugs in (tests/test_integrations_fastapi.py fails if FastAPI changes any of
it): FastAPI reads a route's parameters from the endpoint's signature, and a returned
Starlette Response skips its serializer and only gets the background tasks attached.
So EgressRoute hands FastAPI a wrapper of the endpoint with the same parameters, plus
FastAPI's per-request Response when the endpoint does not take it itself; the wrapper
converts the value with egress and applies to that response what FastAPI would have
applied to its own.

Left to FastAPI: routes with a response class of their own (not one of FastAPI's JSON
classes; an egress response they return is still sent as it is), and generator
endpoints (its streams).
"""

from __future__ import annotations

import re

try:
    import fastapi
except ModuleNotFoundError as error:
    raise ModuleNotFoundError(
        f"egress.integrations.fastapi needs FastAPI ({error}); install it with "
        "pip install 'egress[fastapi]'",
        name=error.name,
    ) from error

# Since 0.123.5 FastAPI resolves the string annotations of a wrapped endpoint in the
# endpoint's own module (through __wrapped__); before, it looked in the wrapper's, here.
if tuple(int(part) for part in re.findall(r"\d+", fastapi.__version__)[:3]) < (0, 123, 5):
    raise ImportError(
        f"egress.integrations.fastapi needs FastAPI 0.123.5 or later, found "
        f"{fastapi.__version__}; upgrade it with pip install -U 'egress[fastapi]'"
    )

from egress.integrations._fastapi_install import Skipped, install
from egress.integrations._fastapi_route import EgressRoute, egress_route

__all__ = ["EgressRoute", "Skipped", "egress_route", "install"]
