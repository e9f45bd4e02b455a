"""Security headers on every response (a plain ASGI middleware: no body buffering).

- The UI gets a content security policy that allows only its own origin (scripts,
  styles, images, the WebSocket), so injected markup cannot load or send anything.
- Nothing may frame any page (clickjacking): ``frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY`` for older browsers.
- API answers are ``Cache-Control: no-store``: production data must not linger in a
  shared browser's or proxy's cache after sign-out.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Swagger UI (/docs) starts itself with an inline script; everything else is files.
UI_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_POLICY = UI_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, api_prefix: str = "/api/") -> None:
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = list(COMMON)
        if path.startswith(self.api_prefix):
            extra.append((b"cache-control", b"no-store"))
        policy = DOCS_POLICY if path == "/docs" else UI_POLICY
        extra.append((b"content-security-policy", policy.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers.extend((k, v) for k, v in extra if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
