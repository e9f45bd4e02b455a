"""Refuse a request body over a limit while it arrives, not after it was read.

A Content-Length over the limit is refused before a byte of the body is read; a chunked
body as soon as what has arrived passes the limit. So a body costs the server at most the
limit, however large the client says it is or makes it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import Message

from linewise.config import Settings


class _BodyTooLarge(HTTPException):
    # An HTTPException, so that FastAPI lets it out of body and form parsing unchanged.
    def __init__(self) -> None:
        super().__init__(413)


def limited_body_route(
    limit_of: Callable[[Settings], int],
    refusal: Callable[[int], Exception],
    *,
    slack: int = 0,
) -> type[APIRoute]:
    """A route class whose bodies may be at most ``limit_of(settings) + slack`` bytes.

    ``refusal(limit)`` is the error raised (a 413 problem naming the setting); ``slack``
    is room for framing around the payload that the limit is about (multipart headers).
    """

    class LimitedBodyRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def limited(request: Request) -> Response:
                settings: Settings = request.app.state.settings
                limit = limit_of(settings)
                allowed = limit + slack
                declared = request.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > allowed:
                    raise refusal(limit)
                received = 0
                receive = request.receive

                async def counting() -> Message:
                    nonlocal received
                    message = await receive()
                    received += len(message.get("body", b""))
                    if received > allowed:
                        raise _BodyTooLarge()
                    return message

                try:
                    return await handler(Request(request.scope, counting))
                except _BodyTooLarge:
                    raise refusal(limit) from None

            return limited

    return LimitedBodyRoute
