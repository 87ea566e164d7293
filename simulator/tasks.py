"""Running coroutines side by side."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


async def first_done(*coroutines: Coroutine[Any, Any, None]) -> None:
    """Run side by side until the first one ends; cancel the others; raise what it raised."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()
