"""HTTP/1.1 on the wire: reading a request head, writing a response head."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus

from renderer.serve.responses import Response, header_block, text_response

LINE_LIMIT = 64 * 1024  # bytes per request or header line (as http.server allows)
HEAD_LIMIT = 256 * 1024  # bytes in a whole request head
MAX_HEADERS = 100
SERVER_NAME = "render-serve"


class BadRequest(Exception):
    """A request the server will not read further: answered with `response`, then closed."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.response = text_response(status, message + "\n")


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def has_body(self) -> bool:
        return "transfer-encoding" in self.headers or self.headers.get("content-length", "0").strip() not in ("", "0")

    @property
    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for t in self.headers.get("connection", "").split(",")}
        if self.version == "HTTP/1.1":
            return "close" not in tokens and not self.has_body  # bodies are never read: close after
        return "keep-alive" in tokens and not self.has_body


async def _line(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError:
        raise BadRequest(431, "Request line or header too long.") from None


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request head on a connection; None when the client closed it cleanly."""
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise BadRequest(400, "Incomplete request.") from None
        return None
    except asyncio.LimitOverrunError:
        raise BadRequest(414, "Request line too long.") from None
    for _ in range(4):  # a client may send empty lines between requests
        if line.strip():
            break
        line = await _line(reader)
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or parts[2] not in ("HTTP/1.0", "HTTP/1.1"):
        raise BadRequest(400, "Bad request line.")
    request = Request(parts[0], parts[1], parts[2])
    size = len(line)
    while True:
        line = await _line(reader)
        size += len(line)
        if line in (b"\r\n", b"\n"):
            return request
        if size > HEAD_LIMIT or len(request.headers) >= MAX_HEADERS:
            raise BadRequest(431, "Request head too large.")
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(400, "Bad header line.")
        name = name.lower()
        if name == "host" and name in request.headers:
            raise BadRequest(400, "More than one Host header.")
        request.headers[name] = value.strip()


def response_head(response: Response, *, keep_alive: bool, stream: bool = False) -> bytes:
    """Status line and headers (no length for a `stream`). Raises ValueError for an unsafe header."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Status"
    headers = [
        ("Server", SERVER_NAME),
        ("Date", formatdate(usegmt=True)),
        ("Content-Type", response.content_type),
        *([] if stream else [("Content-Length", str(len(response.body)))]),
        ("X-Content-Type-Options", "nosniff"),
        *response.headers.items(),
    ]
    if "Connection" not in response.headers:
        headers.append(("Connection", "keep-alive" if keep_alive else "close"))
    return header_block(f"HTTP/1.1 {response.status} {reason}", headers)
