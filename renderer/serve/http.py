"""The HTTP server: one asyncio loop for every connection, responses built in a few threads.

Any web page can make a browser open connections to 127.0.0.1, so the server stays up
under many or slow connections:

- at most `max_connections` are open at once (default: MAX_CONNECTIONS, fewer when the
  file-descriptor limit is lower). When full and a client is waiting to connect, the
  connection that has waited longest for a request head (an idle keep-alive or a slow
  client; at least EVICT_AFTER seconds) is closed to make room; otherwise newcomers
  wait in the listen backlog;
- a request head must arrive whole within `head_timeout` seconds (`idle_timeout` for
  the next request on a kept-alive connection); a response must be taken within
  WRITE_TIMEOUT;
- out of file descriptors (EMFILE), accepting pauses briefly instead of spinning;
- a client that goes away mid-request is dropped silently; a bug is logged, and the
  browser gets a page without the traceback.
"""

from __future__ import annotations

import asyncio
import errno
import resource
import socket
import threading
import time
import traceback
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

from renderer.serve.app import PreviewApp
from renderer.serve.reload import PING, SSE_PING_SECONDS, SUBSCRIBED, reload_event
from renderer.serve.responses import RELOAD_PATH, Response, internal_error_response, text_response
from renderer.serve.wire import BadRequest, Request, read_request, response_head

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0:0:0:0:0:0:0:1"})
MAX_CONNECTIONS = 2048
FD_RESERVE = 64  # descriptors kept for files, the watcher and the rest of the process
HEAD_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0
WRITE_TIMEOUT = 30.0
EVICT_AFTER = 0.5  # on loopback a request head arrives in microseconds
ACCEPT_RETRY_SECONDS = 0.1
WORKERS = 4
OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
GONE = (ConnectionError, asyncio.IncompleteReadError, TimeoutError, OSError)


def connection_cap(requested: int | None = None) -> int:
    """Connections allowed at once: `requested` or MAX_CONNECTIONS, within the descriptor limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = requested or MAX_CONNECTIONS
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft - FD_RESERVE)
    return max(8, limit)


def is_loopback(host: str) -> bool:
    return host in LOCAL_HOSTS or host.startswith("127.")


class Connection:
    """An accepted socket; counted against the cap from accept() on."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.writer: asyncio.StreamWriter | None = None

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.transport.abort()
        else:
            self.sock.close()


class HTTPServer:
    """Listens on `host:port` at once (so a bad port fails here); `serve_forever()` answers."""

    def __init__(self, app: PreviewApp, host: str = "127.0.0.1", port: int = 4000, *, max_connections: int | None = None,
                 head_timeout: float = HEAD_TIMEOUT, idle_timeout: float = IDLE_TIMEOUT):
        self.app = app
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.create_server((host, port), family=family, backlog=1024)
        self.listener.setblocking(False)
        self.server_address = self.listener.getsockname()[:2]
        self.loopback_only = is_loopback(host)
        self.max_connections = connection_cap(max_connections)
        self.max_subscribers = self.max_connections // 2
        self.head_timeout = head_timeout
        self.idle_timeout = idle_timeout
        self.connections: set[Connection] = set()
        self.tasks: set[asyncio.Task] = set()  # referenced, so no connection task is garbage collected
        self.waiting: OrderedDict[Connection, float] = OrderedDict()  # waiting for a head, since (oldest first)
        self.executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="render-serve")
        self.running = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._last_fd_warning = 0.0

    # --- life cycle -------------------------------------------------------------------

    def serve_forever(self) -> None:
        asyncio.run(self._main())

    def shutdown(self) -> None:
        """Stop serve_forever() (from another thread)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the loop has finished already
                pass

    def server_close(self) -> None:
        self.listener.close()
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.set_exception_handler(self._loop_error)
        self._stop = asyncio.Event()
        accepting = asyncio.create_task(self._accept_loop())
        self.running.set()
        try:
            await self._stop.wait()
        finally:
            accepting.cancel()
            for conn in list(self.connections):
                conn.abort()
            await asyncio.sleep(0)
            self.running.clear()

    def _loop_error(self, loop, context: dict) -> None:
        exc = context.get("exception")
        if isinstance(exc, GONE):
            return
        self.app.log(f"http: {context.get('message')}: {exc!r}" if exc else f"http: {context.get('message')}")

    # --- accepting --------------------------------------------------------------------

    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if len(self.connections) >= self.max_connections:
                await self._make_room()
            try:
                sock, _ = await loop.sock_accept(self.listener)
            except OSError as exc:
                if exc.errno not in OUT_OF_RESOURCES:
                    raise
                self._warn_out_of_descriptors(exc)
                if not self._evict(0.0):
                    await asyncio.sleep(ACCEPT_RETRY_SECONDS)
                continue
            conn = Connection(sock)
            self.connections.add(conn)
            task = asyncio.create_task(self._connection(conn))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _make_room(self) -> None:
        """Full: once someone waits to connect, close the longest-waiting idle connection."""
        await self._readable()
        while len(self.connections) >= self.max_connections and not self._evict(EVICT_AFTER):
            await asyncio.sleep(0.05)

    async def _readable(self) -> None:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(self.listener.fileno(), wake)
        try:
            await ready
        finally:
            loop.remove_reader(self.listener.fileno())

    def _evict(self, min_wait: float) -> bool:
        """Close the connection waiting longest for a request head, if it waited `min_wait`."""
        if not self.waiting:
            return False
        conn, since = next(iter(self.waiting.items()))
        if time.monotonic() - since < min_wait:
            return False
        self._forget(conn)
        conn.abort()
        return True

    def _forget(self, conn: Connection) -> None:
        self.connections.discard(conn)
        self.waiting.pop(conn, None)

    def _warn_out_of_descriptors(self, exc: OSError) -> None:
        now = time.monotonic()
        if now - self._last_fd_warning > 10:
            self._last_fd_warning = now
            self.app.log(f"http: cannot accept more connections ({exc.strerror}); {len(self.connections)} open")

    # --- one connection ---------------------------------------------------------------

    async def _connection(self, conn: Connection) -> None:
        try:
            reader, writer = await asyncio.open_connection(sock=conn.sock, limit=64 * 1024)
        except OSError:
            self._forget(conn)
            conn.sock.close()
            return
        conn.writer = writer
        try:
            await self._requests(conn, reader, writer)
        except GONE:  # the client went away (or was evicted): nothing to tell anyone
            pass
        except Exception:
            self.app.log(f"http: internal error:\n{traceback.format_exc()}")
        finally:
            self._forget(conn)
            writer.transport.abort()

    async def _requests(self, conn: Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        timeout = self.head_timeout
        while True:
            self.waiting[conn] = time.monotonic()
            try:
                request = await asyncio.wait_for(read_request(reader), timeout)
            except BadRequest as bad:
                self.waiting.pop(conn, None)
                await self._send(writer, bad.response, head_only=False, keep_alive=False)
                return
            self.waiting.pop(conn, None)
            if request is None or not await self._answer(request, reader, writer):
                return
            timeout = self.idle_timeout

    async def _answer(self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; True to keep the connection for the next."""
        keep_alive = request.keep_alive
        head_only = request.method == "HEAD"
        if request.method not in ("GET", "HEAD"):
            response = text_response(405, "Method not allowed: this preview server answers GET and HEAD only.\n",
                                     {"Allow": "GET, HEAD"})
        elif not self._host_allowed(request.headers.get("host", "")):
            response = text_response(403, "Forbidden: this preview server answers requests for localhost only.\n")
        elif request.target.split("?", 1)[0] == RELOAD_PATH and not head_only:
            await self._events(request, reader, writer)
            return False
        else:
            loop = asyncio.get_running_loop()
            response = await loop.run_in_executor(self.executor, self._respond, request.target)
        await self._send(writer, response, head_only=head_only, keep_alive=keep_alive)
        return keep_alive

    def _respond(self, target: str) -> Response:
        try:
            return self.app.respond(target)
        except Exception:  # a bug (MemoryError too): the console gets the traceback, the browser does not
            self.app.log(f"internal error for {target!r}:\n{traceback.format_exc()}")
            return internal_error_response()

    def _host_allowed(self, host: str) -> bool:
        """On loopback, only requests naming a local host: web pages elsewhere cannot read
        the preview through DNS rebinding."""
        if not self.loopback_only:
            return True
        host = host.strip().lower()
        if host.startswith("["):
            name = host[1:].split("]", 1)[0]
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return name in LOCAL_HOSTS or name == self.server_address[0]

    async def _send(self, writer: asyncio.StreamWriter, response: Response, *, head_only: bool, keep_alive: bool) -> None:
        try:
            head = response_head(response, keep_alive=keep_alive)
        except ValueError as exc:  # a header that could split the response: never sent
            self.app.log(f"internal error: refusing an unsafe response header: {exc}")
            response = internal_error_response()
            head = response_head(response, keep_alive=keep_alive)
        writer.write(head if head_only else head + response.body)
        await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT)

    # --- live reload ------------------------------------------------------------------

    async def _events(self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Server-sent events: `reload` when what this tab shows has changed."""
        if self.app.hub.count() >= self.max_subscribers:
            await self._send(writer, text_response(503, "Too many open tabs.\n"), head_only=False, keep_alive=False)
            return
        query = parse_qs(urlsplit(request.target).query)
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue = asyncio.Queue()

        def deliver(message: dict | None) -> None:  # called from the watcher thread
            try:
                loop.call_soon_threadsafe(inbox.put_nowait, message)
            except RuntimeError:  # the loop is closed: the server has stopped
                pass

        stream = Response(200, b"", "text/event-stream",
                          {"Cache-Control": "no-store", "Connection": "close", "X-Accel-Buffering": "no"})
        writer.write(response_head(stream, keep_alive=False, stream=True))
        sub, stale = await loop.run_in_executor(self.executor, self.app.subscribe, query.get("path", ["/"])[0],
                                                query.get("gen", [""])[0], deliver)
        gone = asyncio.ensure_future(reader.read(1))  # a byte or EOF from the tab: it went away
        try:
            writer.write(SUBSCRIBED)
            if stale:  # it changed between the page load and this subscription
                writer.write(reload_event({"changed": []}))
            else:
                await self._stream(inbox, gone, writer)
            await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT)
        finally:
            self.app.hub.remove(sub)
            gone.cancel()

    async def _stream(self, inbox: asyncio.Queue, gone: asyncio.Future, writer: asyncio.StreamWriter) -> None:
        while not self.app.hub.closed:
            await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT)
            message = asyncio.ensure_future(inbox.get())
            done, _ = await asyncio.wait({message, gone}, timeout=SSE_PING_SECONDS,
                                         return_when=asyncio.FIRST_COMPLETED)
            if message not in done:
                message.cancel()
                if gone in done:
                    return
                writer.write(PING)
            elif message.result() is None:  # the server is closing
                return
            else:
                writer.write(reload_event(message.result()))
