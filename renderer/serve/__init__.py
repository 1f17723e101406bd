"""`render serve`: a live preview server for writers.

Pages are rendered on request (no build first) with the same pipeline and layout as
`render build` (app.py), cached with what they used and dropped when that changes
(invalidation.py, fed by watcher.py). Open tabs are told to reload over server-sent
events (`/__reload`, reload.py) by a small script injected into every served page.
http.py and wire.py speak HTTP; routing.py maps request paths to what they show.

Safety: the server binds to loopback by default, answers GET and HEAD only, and reads
files only through the docs tree (pages, data) or from site/static after resolving
symlinks; anything else is the 404 page.
"""

from renderer.serve.app import PreviewApp
from renderer.serve.paths import is_temp_file, request_segments
from renderer.serve.server import PreviewServer

__all__ = ["PreviewApp", "PreviewServer", "is_temp_file", "request_segments"]
