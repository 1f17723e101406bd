"""The file watcher: a thread feeding source changes to `PreviewApp.apply_changes`."""

from __future__ import annotations

import threading
import traceback

from watchfiles import Change, DefaultFilter, watch

from renderer.serve.app import PreviewApp
from renderer.serve.paths import IGNORED_DIRS


class SourceFilter(DefaultFilter):
    """watchfiles' default filter (editor files, caches) plus the server's own rules."""

    def __init__(self, app: PreviewApp):
        super().__init__(ignore_dirs=(*DefaultFilter.ignore_dirs, *IGNORED_DIRS))
        self.app = app

    def __call__(self, change: Change, path: str) -> bool:
        return super().__call__(change, path) and self.app.sources.relative(path) is not None


class Watcher:
    """Watches the docs folders; restarts when the tree is replaced (content/ moved back)."""

    def __init__(self, app: PreviewApp, *, step_ms: int = 30, debounce_ms: int = 200, idle_ms: int = 200):
        self.app = app
        self.step_ms = step_ms
        self.debounce_ms = debounce_ms
        self.idle_ms = idle_ms  # how often an idle watcher checks that content/ is still there
        self.ready = threading.Event()
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="render-serve-watch", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=2)

    def _run(self) -> None:
        try:
            resync = False
            while not self.stop_event.is_set():
                self._watch(self.app.generation, resync)
                resync = True  # a restart: changes since the last batch may have been missed
        except Exception as exc:  # never take the server down with the watcher
            self.error = exc
            self.app.log(f"error: file watcher stopped: {exc}")
        finally:
            self.ready.set()

    def _watch(self, generation: int, resync: bool) -> None:
        """Watch until stopped, or until the folders to watch change (content/ moved back, a new includes/)."""
        paths = self.app.sources.watched()
        if not paths:  # nothing to watch (content/ is gone): look again soon
            self.ready.set()
            self.stop_event.wait(self.idle_ms / 1000)
            self._check_tree()
            return
        # yield_on_timeout: an empty batch every idle_ms; the first one means watching has begun
        for changes in watch(*paths, watch_filter=SourceFilter(self.app), debounce=self.debounce_ms,
                             step=self.step_ms, rust_timeout=self.idle_ms, yield_on_timeout=True,
                             stop_event=self.stop_event, raise_interrupt=False, ignore_permission_denied=True):
            self.ready.set()
            if resync:
                resync = False
                self.app.resync()
            if changes:
                self._apply(changes)
            self._check_tree()
            if self.app.generation != generation or self.app.sources.watched() != paths:
                return

    def _apply(self, changes) -> None:
        try:
            self.app.apply_changes(sorted(changes, key=lambda item: item[1]))
        except Exception:
            self.app.log(f"error handling changes:\n{traceback.format_exc()}")

    def _check_tree(self) -> None:
        try:
            self.app.check_tree()
        except Exception:
            self.app.log(f"error checking the docs tree:\n{traceback.format_exc()}")
