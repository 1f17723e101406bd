"""The preview server: the application, its HTTP server and the file watcher together."""

from __future__ import annotations

import threading
from pathlib import Path

from renderer.serve.app import Log, PreviewApp
from renderer.serve.http import HEAD_TIMEOUT, IDLE_TIMEOUT, HTTPServer
from renderer.serve.watcher import Watcher


class PreviewServer:
    """`start()`/`stop()` (or a `with` block) serve in a background thread; `serve_forever()` in this one."""

    def __init__(self, root: Path | str, versions_file: Path | str | None = None, *, host: str = "127.0.0.1",
                 port: int = 4000, watch: bool = True, lenient: bool = False, log: Log | None = None,
                 max_connections: int | None = None, head_timeout: float = HEAD_TIMEOUT,
                 idle_timeout: float = IDLE_TIMEOUT):
        self.app = PreviewApp(root, versions_file, lenient=lenient, log=log)
        self.http = HTTPServer(self.app, host, port, max_connections=max_connections, head_timeout=head_timeout,
                               idle_timeout=idle_timeout)
        self.watcher = Watcher(self.app) if watch else None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.http.server_address[1]

    @property
    def url(self) -> str:
        host = self.http.server_address[0]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def start(self) -> PreviewServer:
        if self.watcher:
            self.watcher.start()
        self._thread = threading.Thread(target=self.http.serve_forever, name="render-serve-http", daemon=True)
        self._thread.start()
        self.http.running.wait(5)
        return self

    def wait_watching(self, timeout: float = 5.0) -> bool:
        return self.watcher.ready.wait(timeout) if self.watcher else False

    def serve_forever(self) -> None:
        """Serve until Ctrl+C (KeyboardInterrupt propagates); the caller then calls stop()."""
        if self.watcher:
            self.watcher.start()
        self.http.serve_forever()

    def stop(self) -> None:
        self.app.hub.close()
        self.http.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.http.server_close()
        if self.watcher:
            self.watcher.stop()

    def __enter__(self) -> PreviewServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
