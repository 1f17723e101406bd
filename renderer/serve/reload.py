"""Live reload: the open tabs listening for changes, and the server-sent events they get."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

SSE_PING_SECONDS = 15.0
SUBSCRIBED = b"retry: 1000\n: subscribed\n\n"
PING = b": ping\n\n"


def reload_event(message: dict) -> bytes:
    return f"event: reload\ndata: {json.dumps(message)}\n\n".encode()


@dataclass(eq=False)
class Subscriber:
    """One open tab: the URL path it shows and the digest of what it shows.

    `deliver(message)` hands a reload message (None: the server is closing) to the
    connection serving the tab; it must be safe to call from any thread.
    """

    path: str
    token: str
    deliver: Callable[[dict | None], None]


class ReloadHub:
    """The open tabs listening for reloads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[Subscriber] = set()
        self.closed = False

    def add(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.add(sub)

    def remove(self, sub: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    def snapshot(self) -> list[Subscriber]:
        with self._lock:
            return list(self._subscribers)

    def count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def by_path(self) -> dict[str, list[Subscriber]]:
        grouped: dict[str, list[Subscriber]] = {}
        for sub in self.snapshot():
            grouped.setdefault(sub.path, []).append(sub)
        return grouped

    def close(self) -> None:
        with self._lock:
            self.closed = True
            subscribers = list(self._subscribers)
        for sub in subscribers:
            sub.deliver(None)
