import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every async test runs on both backends anyio supports: egress must work on trio
    (hypercorn's trio worker, Starlette and Lilya apps on trio) as well as asyncio."""
    return str(request.param)
