"""Redirects in the host's own format: each file is valid for its host and every entry of
the site's redirect table leads to a page of the site."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from docs_fixture import make_tree, page, versions_yaml

from renderer.site.model import SiteModel
from renderer.site.redirect_formats import NGINX_FILE, redirect_file

FILES = {
    "data/versions.yml": versions_yaml("2.22", "2.21"),
    "content/actions/index.md": page("Actions", "x\n", redirect_from="[/old-actions, /enterprise/admin/old-actions]"),
    "content/actions/with space.md": page("Spaced", "x\n", redirect_from="[/old/with space]"),
    "content/actions/guide.md": page("Guide", "x\n", versions="{free-pro-team: '*'}", redirect_from="[/guides/x]"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return SiteModel(make_tree(tmp_path_factory.mktemp("docs"), FILES))


def page_urls(site):
    return {site.url(p, v) for p, v in site.renders()}


def requests(key):
    return ["/", "/index.html"] if not key else [f"/{key}", f"/{key}/", f"/{key}/index.html"]


def test_json(site):
    name, data = redirect_file("json", site.redirects)
    assert name == "redirects.json"
    entries = {e["from"]: (e["to"], e["status"]) for e in json.loads(data)}
    assert entries == {"/" + k: (r.target, r.status) for k, r in site.redirects.items()}
    assert {to for to, _ in entries.values()} <= page_urls(site)


def test_netlify(site):
    name, data = redirect_file("netlify", site.redirects)
    assert name == "_redirects"
    rules = {}
    for line in data.decode().splitlines():
        if line and not line.startswith("#"):
            source, target, status = line.split()  # Netlify's grammar: three fields
            rules[source.replace("%20", " ")] = (target.replace("%20", " "), int(status))
    for key, redirect in site.redirects.items():
        path = f"/{key}" if key else "/"
        assert rules[path] == (redirect.target, redirect.status)  # Netlify also matches path + "/"
        assert redirect.target in page_urls(site)


def test_apache(site):
    name, data = redirect_file("apache", site.redirects)
    assert name == ".htaccess"
    rules = []
    for line in data.decode().splitlines():
        m = re.fullmatch(r'RedirectMatch (301|302) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"', line)
        if line and not line.startswith("#"):
            assert m, line
            rules.append((int(m[1]), re.compile(m[2].replace('\\"', '"')), m[3]))
    for key, redirect in site.redirects.items():
        for path in requests(key):
            matches = [(status, target) for status, pattern, target in rules if pattern.search(path)]
            assert matches == [(redirect.status, redirect.target)], path


def nginx_maps(text):
    maps = {}
    for name, body in re.findall(r"map \$uri \$(\w+) \{\n(.*?)\n\}", text, re.S):
        entries = dict(re.findall(r'^\s+"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)";$', body, re.M))
        maps[name] = entries
    return maps


def test_nginx_map_entries(site):
    name, data = redirect_file("nginx", site.redirects)
    assert name == NGINX_FILE
    maps = nginx_maps(data.decode())
    for key, redirect in site.redirects.items():
        table = maps["docs_redirect_permanent" if redirect.permanent else "docs_redirect_temporary"]
        for path in requests(key):
            assert table[path] == redirect.target


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (scripts/test installs Debian's)")
def test_nginx_accepts_the_map(site, tmp_path):
    _name, data = redirect_file("nginx", site.redirects)
    (tmp_path / "redirects.conf").write_bytes(data)
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    include {tmp_path}/redirects.conf;
    server {{
        listen 127.0.0.1:8;
        if ($docs_redirect_permanent) {{ return 301 $docs_redirect_permanent; }}
        if ($docs_redirect_temporary) {{ return 302 $docs_redirect_temporary; }}
    }}
}}
""")
    result = subprocess.run(["nginx", "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("fmt", ["netlify", "nginx", "apache", "json"])
def test_build_writes_one_file_instead_of_stubs(site, tmp_path, fmt):
    from renderer.build import BuildOptions, build

    out = tmp_path / "_site"
    report = build(BuildOptions(root=site.tree.root, out=out, redirects=fmt, progress=False, use_cache=False))
    assert report.ok
    name, expected = redirect_file(fmt, site.redirects)
    assert (out / name).read_bytes() == expected
    stubs = [f for f in out.rglob("index.html") if 'http-equiv="refresh"' in f.read_text(encoding="utf-8")]
    assert [f.relative_to(out).as_posix() for f in stubs] == ["index.html"]  # the root only
    for redirect in site.redirects.values():  # every target is a page of the built site
        assert (out / redirect.target.strip("/") / "index.html").is_file()
