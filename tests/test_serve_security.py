"""`render serve` under hostile input: header injection, memory, connection floods, bad clients.

Any web page can make a browser send requests to 127.0.0.1, so the preview server must
stay small and responsive whatever it is sent.
"""

from __future__ import annotations

import gc
import resource
import socket
import struct
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from docs_fixture import REPO_ROOT, time_limit
from test_server import FPT, get, make_tree, raw_get, wait_for, write

from renderer.serve import PreviewApp, PreviewServer

MB = 1024 * 1024


def rst_close(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashing or impatient client does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def traced_growth(action) -> int:
    """Bytes still allocated after `action()` that were not before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        action()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


# --------------------------------------------------------------------------
# Header injection
# --------------------------------------------------------------------------


def test_crlf_in_a_file_name_cannot_add_response_headers(tmp_path):
    root = make_tree(tmp_path)
    write(root, "content/guide/evil\r\nSet-Cookie: pwned=1.md",
          "---\ntitle: Evil\nversions:\n  free-pro-team: '*'\nredirect_from:\n  - /evil-old\n---\nEvil.\n")
    with PreviewServer(root, port=0, watch=False) as server:
        for target in (b"/evil-old", b"/en/evil-old"):
            _, reply = raw_get(server, target)
            lines = reply.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            names = [line.split(b":", 1)[0].strip().lower() for line in lines[1:]]
            assert b"set-cookie" not in names, lines
            assert len(names) == len(set(names)), lines
            for line in lines:
                assert all(0x20 <= byte < 0x7F or byte == 0x09 for byte in line), line


def test_header_values_never_carry_control_characters():
    from renderer.serve.responses import header_block

    block = header_block("HTTP/1.1 301 Moved Permanently", [("Location", "/en/x/evil\r\nSet-Cookie: a=b/caf\u00e9 %/")])
    assert block.count(b"\r\n") == 3  # status line, one header, the blank line
    assert b"Location: /en/x/evil%0D%0ASet-Cookie:%20a=b/caf%C3%A9%20%25/\r\n" in block
    for bad in ("text/html\r\nSet-Cookie: a=b", "a\nb", "a\x00b", "caf\u00e9", "a\x7fb"):
        with pytest.raises(ValueError):
            header_block("HTTP/1.1 200 OK", [("Content-Type", bad)])
    with pytest.raises(ValueError):
        header_block("HTTP/1.1 200 OK", [("X-Bad\r\nName", "v")])


# --------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------


def test_404_paths_are_not_remembered(tmp_path):
    """<img src=http://127.0.0.1:4000/...> on any web page can send endless made-up URLs."""
    app = PreviewApp(make_tree(tmp_path))
    assert app.respond(f"/en/{FPT}/guide/alpha/").status == 200

    def flood():
        for i in range(150):
            long_name = f"{i:04d}" + "x" * 60_000
            assert app.respond(f"/en/{FPT}/{long_name}/").status == 404
            assert app.respond(f"/{long_name}").status == 404

    growth = traced_growth(flood)  # 300 URLs of 60 KB: 18 MB (36 MB as .md and /index.md) if kept
    assert growth < 4 * MB, f"{growth / MB:.1f} MB kept after 300 distinct 404s"


def test_saving_a_page_many_times_keeps_memory_bounded(tmp_path):
    """Each save used to keep the previous text's parsed template for good."""
    root = make_tree(tmp_path)
    app = PreviewApp(root)
    page = root / "content/guide/alpha.md"
    front = "---\ntitle: Alpha page\nversions:\n  free-pro-team: '*'\n---\n"

    def saves(round_: int):
        for i in range(15):
            body = "".join(f"{{% if currentVersion == 'free-pro-team@latest' %}}s{round_}-{i} {{% endif %}}\n"
                           for _ in range(600))
            page.write_text(front + body, encoding="utf-8")
            assert app.apply_changes([(2, str(page))]) == 0  # no tab open
            assert app.respond(f"/en/{FPT}/guide/alpha/").status == 200

    saves(1)  # the first round fills the caches that are meant to stay
    growth = traced_growth(lambda: saves(2))  # 15 new texts of 40 KB: about 14 MB if their templates are kept
    assert growth < 5 * MB, f"{growth / MB:.1f} MB kept after 15 more saves"


def test_parsed_templates_are_a_bounded_lru(tmp_path, monkeypatch):
    from renderer.model import tree as tree_module
    from renderer.model.tree import DocsTree

    monkeypatch.setattr(tree_module, "TEMPLATE_CACHE_CHARS", 20_000)
    tree = DocsTree(make_tree(tmp_path))
    first = "{% if x %}first{% endif %}" + "a" * 4000
    template = tree.parse_template(first)
    assert tree.parse_template(first) is template  # cached
    for i in range(3):  # 3 x 4.5 KB more: still within 20,000 characters
        tree.parse_template(f"{i}" + "b" * 4000)
    assert tree.parse_template(first) is template  # and now the most recently used
    for i in range(10):
        tree.parse_template(f"{i}" + "c" * 4000)
    assert tree.parse_template(first) is not template  # evicted: parsed again


def test_lru_cache_bounds():
    from renderer.model.lru import LRUCache

    cache: LRUCache[str, str] = LRUCache(3, 10, lambda key, value: len(value))
    for key in "abc":
        cache.put(key, "xx")
    assert cache.get("a") == "xx"  # a is now the most recent
    cache.put("d", "xx")  # four entries: b, the least recent, goes
    assert cache.keys() == ["c", "a", "d"]
    cache.put("e", "xxxxxxx")  # weight 13 > 10: the oldest go until it fits
    assert cache.keys() == ["d", "e"] and cache.weight == 9
    cache.put("huge", "x" * 11)  # heavier than the whole cache: not kept
    assert "huge" not in cache and len(cache) == 2


# --------------------------------------------------------------------------
# Connections
# --------------------------------------------------------------------------


def _limit_descriptors(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


def spawn_server(root: Path, *args: str, fd_limit: int | None = None) -> tuple[subprocess.Popen, int]:
    """`render serve` in a subprocess on a free port; returns it and the port."""
    proc = subprocess.Popen([sys.executable, "-m", "renderer", "serve", "--root", str(root), "--port", "0", *args],
                            cwd=REPO_ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            preexec_fn=_limit_descriptors(fd_limit) if fd_limit else None)
    line = proc.stderr.readline()
    if "Serving" not in line:
        proc.kill()
        raise AssertionError(f"render serve did not start: {line}{proc.stderr.read()}")
    return proc, int(line.split("http://127.0.0.1:", 1)[1].split("/", 1)[0])


def test_slow_connections_beyond_the_descriptor_limit_do_not_block_others(tmp_path):
    root = make_tree(tmp_path)
    proc, port = spawn_server(root, "--no-watch", fd_limit=200)
    slow = []
    try:
        for _ in range(260):  # more than the server may open: it is out of descriptors
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /en/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
            slow.append(sock)
        with time_limit(20):
            for _ in range(3):
                status, _, body = get(port, f"/en/{FPT}/guide/alpha/")
                assert status == 200 and "Alpha body" in body
    finally:
        for sock in slow:
            sock.close()
        proc.kill()
        proc.wait()


def test_a_slow_request_head_is_cut_off(tmp_path):
    """The whole head must arrive in time: a byte now and then does not keep a connection."""
    with PreviewServer(make_tree(tmp_path), port=0, watch=False, head_timeout=1.0) as server, time_limit(15):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(b"GET /en/ HTTP/1.1\r\n")
        closed = False
        for i in range(40):
            time.sleep(0.25)
            try:
                sock.sendall(f"X-Drip-{i}: x\r\n".encode())
                sock.setblocking(False)
                closed = sock.recv(1) == b""
                sock.setblocking(True)
            except BlockingIOError:
                sock.setblocking(True)
            except OSError:
                closed = True
            if closed:
                break
        sock.close()
        assert closed, "a head dripping for 10 s was still being read"
        assert get(server, f"/en/{FPT}/guide/alpha/")[0] == 200


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


def test_bad_port_is_a_one_line_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "renderer", "serve", "--root", str(make_tree(tmp_path)),
                             "--port", "99999"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "99999" in result.stderr, result.stderr


def test_console_log_shows_control_characters_instead_of_obeying_them(capsys):
    from renderer.commands.serve import log

    log("changed: content/a\x1b[31m\rb.md\ninternal error:\n  line two")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\r" not in err
    assert "content/a\\x1b[31m\\rb.md" in err and err.count("\n") == 3


def test_client_resetting_its_connection_logs_no_traceback(tmp_path, capfd):
    logs: list[str] = []
    with PreviewServer(make_tree(tmp_path), port=0, watch=False, log=logs.append) as server:
        for request in (b"GET /en/free-pro-", b"GET /en/free-pro-team@latest/guide/alpha/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"):
            for _ in range(5):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
                sock.sendall(request)
                rst_close(sock)
        time.sleep(0.3)
        assert get(server, f"/en/{FPT}/guide/alpha/")[0] == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err
    assert not [line for line in logs if "Traceback" in line or "rror" in line], logs


def test_internal_error_page_shows_no_traceback(tmp_path, monkeypatch):
    logs: list[str] = []

    def out_of_memory(*args, **kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr("renderer.serve.app.render_page", out_of_memory)
    with PreviewServer(make_tree(tmp_path), port=0, watch=False, log=logs.append) as server:
        status, _, body = get(server, f"/en/{FPT}/guide/alpha/")
    assert status == 500 and "Internal error" in body
    assert "Traceback" not in body and 'File "' not in body and str(REPO_ROOT) not in body
    assert any("Traceback" in line and "MemoryError" in line for line in logs), logs


# --------------------------------------------------------------------------
# The docs tree itself goes away
# --------------------------------------------------------------------------


def test_content_folder_moved_away_then_back(tmp_path):
    root = make_tree(tmp_path)
    with PreviewServer(root, port=0, watch=True) as server:
        assert server.wait_watching(5)
        path = f"/en/{FPT}/guide/alpha/"
        assert get(server, path)[0] == 200
        (root / "content").rename(root / "content.moved")
        assert wait_for(lambda: get(server, path)[0] == 500)
        status, _, body = get(server, path)
        assert status == 500 and "docs tree is gone" in body
        (root / "content.moved").rename(root / "content")
        assert wait_for(lambda: get(server, path)[0] == 200), "the page did not come back with content/"
        page = root / "content/guide/alpha.md"  # and the watcher follows the folder that came back
        page.write_text(page.read_text().replace("Alpha body in", "Alpha body, back, in"))
        assert wait_for(lambda: "Alpha body, back, in" in get(server, path)[2])
