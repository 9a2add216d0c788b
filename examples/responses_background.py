"""Background tasks run after the last body byte; a failing one is only logged."""

from __future__ import annotations

import logging

import anyio
import httpx

from egress import BackgroundTasks, PlainText

logging.basicConfig(level=logging.CRITICAL)  # keep the demo's expected failure quiet
done: list[str] = []


def send_welcome_email(address: str) -> None:  # sync: runs in a worker thread
    done.append(f"emailed {address}")


async def bump_counter(name: str) -> None:  # async: awaited
    done.append(f"counted {name}")


def flaky() -> None:
    raise RuntimeError("logged, not sent to the client")


async def main() -> None:
    tasks = BackgroundTasks()
    tasks.add_task(send_welcome_email, "ada@example.com")
    tasks.add_task(flaky)
    tasks.add_task(bump_counter, "signups")
    transport = httpx.ASGITransport(app=PlainText("Welcome!", background=tasks))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        got = await client.get("/")
    print(got.status_code, got.text, done)
    assert got.text == "Welcome!"
    assert done == ["emailed ada@example.com", "counted signups"]


anyio.run(main)
