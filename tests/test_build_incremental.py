"""Build output: atomic swaps, byte-identical rebuilds, incremental re-rendering, executors."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from test_build_support import FPT, V21, V22, built, make_docs, read, run_build, tree_digest

from renderer.build import BuildFailed, Cache, links, pages, runner
from renderer.build.digests import sha1
from renderer.build.output import FileWriter
from renderer.errors import RenderError
from renderer.model.tree import DocsTree
from renderer.site.linkcheck import LinkChecker
from renderer.site.search import bundle_pages, read_bundle

USERS_OF_SHARED_NOTE = {"alpha/getting-started/first-steps.md", "alpha/getting-started/platforms.md"}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("._site."))


def test_identical_input_gives_identical_bytes(tmp_path):
    root = make_docs(tmp_path / "docs")
    first = run_build(root, tmp_path / "a" / "_site", use_cache=False)
    second = run_build(root, tmp_path / "b" / "_site", use_cache=False)
    assert first.ok and second.ok
    assert tree_digest(tmp_path / "a" / "_site") == tree_digest(tmp_path / "b" / "_site")
    # a rebuild with nothing changed renders and writes nothing, and the site stays the same
    again = run_build(root, tmp_path / "a" / "_site")
    assert again.mode == "incremental" and again.rendered == 0 and again.files_written == 0
    assert tree_digest(tmp_path / "a" / "_site") == tree_digest(tmp_path / "b" / "_site")


def test_editing_a_reusable_rerenders_only_its_users(tmp_path):
    root, out = built(tmp_path)
    reusable = root / "reusables/alpha/shared-note.md"
    reusable.write_text(reusable.read_text().replace("Shared note", "Edited note"))
    report = run_build(root, out)
    assert report.mode == "incremental"
    assert {relpath for relpath, _ in report.rendered_keys} == USERS_OF_SHARED_NOTE
    assert len(report.rendered_keys) == 6  # two pages x three versions
    assert "Edited note about Alpha Tool." in read(out, f"/en/{V21}/alpha/getting-started/platforms/")
    # same bytes as a clean build of the edited tree
    clean = tmp_path / "clean" / "_site"
    run_build(root, clean, use_cache=False)
    assert tree_digest(out) == tree_digest(clean)
    # an unused reusable renders nothing
    (root / "reusables/alpha/unused.md").write_text("Still unused.\n")
    assert run_build(root, out).rendered == 0


def test_editing_a_variable_title_and_page(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    clean = tmp_path / "clean" / "_site"
    assert run_build(root, out).ok
    # a variable used in the beta product title: beta renders again, everything's sidebar changes
    variables = root / "data/variables/product.yml"
    variables.write_text(variables.read_text().replace("Beta Tool", "Gamma Tool"))
    report = run_build(root, out)
    assert {relpath for relpath, _ in report.rendered_keys} == {"beta/index.md", "index.md"}
    assert report.laid_out == 10  # every free-pro-team page: the product list in its header changed
    assert "Gamma Tool" in read(out, f"/en/{FPT}/alpha/advanced/deep/")
    run_build(root, clean, use_cache=False)
    assert tree_digest(out) == tree_digest(clean)
    # editing one article's body: only that article renders again
    deep = root / "content/alpha/advanced/deep.md"
    deep.write_text(deep.read_text().replace("xylophone", "marimba"))
    report = run_build(root, out)
    assert {relpath for relpath, _ in report.rendered_keys} == {"alpha/advanced/deep.md"}
    # the page and the search bundle (word index, the page's fragment, metadata, entry) of fpt and 2.22
    assert report.files_written == 10
    shutil.rmtree(clean.parent)
    run_build(root, clean, use_cache=False)
    assert tree_digest(out) == tree_digest(clean)


def test_adding_and_removing_pages(tmp_path):
    root, out = built(tmp_path)
    new = root / "content/alpha/advanced/newer.md"
    new.write_text("---\ntitle: Newer\nversions:\n  free-pro-team: '*'\nredirect_from: /older\n---\n\nNew.\n")
    index = root / "content/alpha/advanced/index.md"
    index.write_text(index.read_text() + "{% link_in_list /newer %}\n")
    report = run_build(root, out)
    assert ("alpha/advanced/newer.md", FPT) in report.rendered_keys
    assert "Newer" in read(out, f"/en/{FPT}/alpha/advanced/deep/")  # in the sidebar
    assert (out / "older" / "index.html").is_file()
    new.unlink()
    index.write_text(index.read_text().replace("{% link_in_list /newer %}\n", ""))
    run_build(root, out)
    assert not (out / "en" / FPT / "alpha" / "advanced" / "newer").exists()
    assert not (out / "older").exists()
    clean = tmp_path / "clean" / "_site"
    run_build(root, clean, use_cache=False)
    assert tree_digest(out) == tree_digest(clean)


def test_a_failure_mid_build_leaves_the_previous_site(tmp_path, monkeypatch):
    root, out = built(tmp_path)
    before = tree_digest(out)
    deep = root / "content/alpha/advanced/deep.md"
    deep.write_text(deep.read_text().replace("xylophone", "marimba"))
    real_write = FileWriter.write
    calls = []

    def failing_write(self, relpath, data):
        calls.append(relpath)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_write(self, relpath, data)

    monkeypatch.setattr(FileWriter, "write", failing_write)
    for use_cache in (True, False):  # incremental and full builds
        calls.clear()
        with pytest.raises(BuildFailed, match="No space left on device"):  # (a one-line reason, not an OSError)
            run_build(root, out, use_cache=use_cache)
        assert tree_digest(out) == before
        assert leftovers(tmp_path) == []
    monkeypatch.undo()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(links.BuildLinkCheck, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_build(root, out)
    assert tree_digest(out) == before and leftovers(tmp_path) == []
    monkeypatch.undo()
    report = run_build(root, out)
    assert report.ok and "marimba" in read(out, f"/en/{FPT}/alpha/advanced/deep/")


def test_an_interrupted_commit_makes_the_next_build_full(tmp_path, monkeypatch):
    root, out = built(tmp_path)
    deep = root / "content/alpha/advanced/deep.md"
    deep.write_text(deep.read_text().replace("xylophone", "marimba"))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Cache, "save", crash)  # the new site is in place, its cache not yet saved
    (root / "content/beta/index.md").unlink()
    with pytest.raises(KeyboardInterrupt):
        run_build(root, out)
    monkeypatch.undo()
    assert "marimba" in read(out, f"/en/{FPT}/alpha/advanced/deep/")
    report = run_build(root, out)
    assert report.mode == "full" and report.ok
    clean = tmp_path / "clean" / "_site"
    run_build(root, clean, use_cache=False)
    assert tree_digest(out) == tree_digest(clean)


def test_a_commit_interrupted_before_the_swap_leaves_the_previous_site(tmp_path, monkeypatch):
    root, out = built(tmp_path)
    before = tree_digest(out)
    deep = root / "content/alpha/advanced/deep.md"
    deep.write_text(deep.read_text().replace("xylophone", "marimba"))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("renderer.build.publish.swap_in", crash)
    with pytest.raises(KeyboardInterrupt):
        run_build(root, out)
    monkeypatch.undo()
    assert tree_digest(out) == before and leftovers(tmp_path) == []
    report = run_build(root, out)
    assert report.ok and "marimba" in read(out, f"/en/{FPT}/alpha/advanced/deep/")
    clean = tmp_path / "clean" / "_site"
    run_build(root, clean, use_cache=False)
    assert tree_digest(out) == tree_digest(clean)


def test_process_pool_gives_the_same_site(tmp_path, monkeypatch):
    root = make_docs(tmp_path / "docs")
    serial = run_build(root, tmp_path / "serial" / "_site", use_cache=False)
    monkeypatch.setattr(runner, "SERIAL_BELOW", 0)
    pooled = run_build(root, tmp_path / "pool" / "_site", jobs=2, use_cache=False)
    assert serial.ok and pooled.ok and pooled.rendered == serial.rendered == 24
    assert tree_digest(tmp_path / "serial" / "_site") == tree_digest(tmp_path / "pool" / "_site")


def test_pool_workers_check_the_links_and_the_build_process_only_anchors_into_other_renders(tmp_path, monkeypatch):
    root = make_docs(tmp_path / "docs")
    deep = root / "content/alpha/advanced/deep.md"
    deep.write_text(deep.read_text() + "\nSee [gone](/alpha/nowhere) and [there](/alpha/getting-started/first-steps#nope).\n")
    serial = run_build(root, tmp_path / "serial" / "_site", use_cache=False)
    monkeypatch.setattr(runner, "SERIAL_BELOW", 0)
    monkeypatch.setattr(runner, "PAGES_PER_TASK", 1)  # a task per page: the build process lets go of the texts
    checked_here: list = []
    real_check = links.BuildLinkCheck._check
    monkeypatch.setattr(links.BuildLinkCheck, "_check",
                        lambda self, *args: (checked_here.append(args), real_check(self, *args))[1])
    pooled = run_build(root, tmp_path / "pool" / "_site", jobs=2, use_cache=False)
    located = {(p.file, p.line, p.column, p.message) for p in serial.broken_links}
    assert located and located == {(p.file, p.line, p.column, p.message) for p in pooled.broken_links}
    assert {p.kind for p in pooled.broken_links if p.file == "content/alpha/advanced/deep.md" and p.line > 1} == {
        "link", "anchor"}
    assert checked_here == []  # the workers checked every render
    assert tree_digest(tmp_path / "serial" / "_site") == tree_digest(tmp_path / "pool" / "_site")


def test_a_pool_build_reads_a_page_again_in_its_worker_and_fails_if_it_changed_meanwhile(tmp_path, monkeypatch):
    root, out = built(tmp_path)
    before = tree_digest(out)
    deep = root / "content/alpha/advanced/deep.md"
    real_defer = pages.LoadedPages.defer_texts

    def defer_then_edit(self, tree):
        real_defer(self, tree)
        assert all("text" not in page.__dict__ for page in self.pages if page.relpath == "alpha/advanced/deep.md")
        deep.write_text(deep.read_text().replace("xylophone", "marimba"))  # after the plan read it

    monkeypatch.setattr(pages.LoadedPages, "defer_texts", defer_then_edit)
    monkeypatch.setattr(runner, "SERIAL_BELOW", 0)
    with pytest.raises(BuildFailed) as failed:
        run_build(root, out, jobs=2, use_cache=False)
    errors = failed.value.report.errors
    assert {(p.file, p.message) for p in errors} == {
        ("content/alpha/advanced/deep.md", "the file changed while the site was being built; build again")}
    assert tree_digest(out) == before  # the site as it was
    monkeypatch.setattr(pages.LoadedPages, "defer_texts", real_defer)
    report = run_build(root, out, jobs=2)
    assert report.ok and "marimba" in read(out, f"/en/{FPT}/alpha/advanced/deep/")


def test_a_deferred_text_is_read_once_and_kept_until_forgotten(tmp_path):
    root = make_docs(tmp_path / "docs")
    page = DocsTree(root).page("alpha/advanced/deep.md")
    file = root / "content/alpha/advanced/deep.md"
    text = page.text
    page.defer_text(str(file), sha1(file.read_bytes()), sha1)
    assert "text" not in page.__dict__ and page.text == text and "text" in page.__dict__  # kept once read
    page.defer_text(str(file), sha1(file.read_bytes()), sha1)
    page.forget_text(str(file))  # (the build process once the workers are done)
    assert page.text == text and "text" not in page.__dict__  # read each time, not kept
    page.defer_text(str(file), sha1(b"other bytes"), sha1)
    with pytest.raises(RenderError, match="changed while the site was being built"):
        page.text  # noqa: B018


def test_pool_workers_write_the_search_bundles_and_keep_the_files_that_did_not_change(tmp_path, monkeypatch):
    root = make_docs(tmp_path / "docs")
    monkeypatch.setattr(runner, "SERIAL_BELOW", 0)
    out = tmp_path / "_site"
    first = run_build(root, out, jobs=2)
    assert first.work_seconds.get("search index", 0) > 0  # (the workers' stage)
    fragments = out / "search" / FPT / "pagefind" / "fragment"
    before = {p.name: p.stat().st_ino for p in fragments.iterdir()}
    page = root / "content" / "alpha" / "getting-started" / "platforms.md"
    page.write_text(page.read_text() + "\nA sentence about zebras.\n")
    again = run_build(root, out, jobs=2)
    after = {p.name: p.stat().st_ino for p in fragments.iterdir()}
    kept = [name for name in after if before.get(name) == after[name]]
    assert len(after.keys() - before.keys()) == 1  # the edited page's fragment
    assert len(kept) == len(after) - 1  # the others are the live site's files, not written again
    assert again.ok and any("zebras" in str(p["content"]) for p in bundle_pages(read_bundle(out, FPT)))
    clean = tmp_path / "clean" / "_site"
    run_build(root, clean, jobs=2, use_cache=False)
    assert tree_digest(out) == tree_digest(clean)


def test_pages_parsed_by_a_helper_process(tmp_path, monkeypatch):
    root = make_docs(tmp_path / "docs", {"content/beta/broken.md": "---\ntitle: [oops\n---\n"})
    serial = run_build(root, tmp_path / "serial" / "_site", keep_going=True)
    monkeypatch.setattr(pages, "PARSE_HELPER_ABOVE", 0)
    helped = run_build(root, tmp_path / "helped" / "_site", jobs=2, keep_going=True)
    assert [str(e) for e in helped.errors] == [str(e) for e in serial.errors]
    assert serial.errors[0].file == "content/beta/broken.md"
    assert tree_digest(tmp_path / "serial" / "_site") == tree_digest(tmp_path / "helped" / "_site")


def test_dask_executor_gives_the_same_site(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed", reason="distributed is not installed (pip install docs-renderer[dask])")
    root = make_docs(tmp_path / "docs")
    serial = run_build(root, tmp_path / "serial" / "_site", use_cache=False)
    kept_messages = []
    futures = []
    real_dask = runner.TaskRunner._dask

    def dask_spy(self):
        executor, workers, close = real_dask(self)
        kept_messages.append(executor._client.scheduler_comm.recent_message_log.maxlen)
        kept_messages.append(executor._kwargs.get("pure"))  # tasks that write files are not pure (nor hashed for a key)
        real_submit = executor.submit

        def submit(*args, **kwargs):
            futures.append(real_submit(*args, **kwargs))
            return futures[-1]

        executor.submit = submit
        return executor, workers, close

    monkeypatch.setattr(runner.TaskRunner, "_dask", dask_spy)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        address = cluster.scheduler_address.removeprefix("tcp://")
        report = run_build(root, tmp_path / "dask" / "_site", executor=f"dask://{address}", use_cache=False)
    assert report.ok and report.rendered == serial.rendered
    assert kept_messages == [0, False]  # the client keeps no copy of the tasks it sent (by default its last 1,000 messages)
    # a task's results travel as one pickle, not as a list that Dask would serialize item by item
    assert len(futures) > 1 and {type(future.result()) for future in futures} == {bytes}
    assert tree_digest(tmp_path / "serial" / "_site") == tree_digest(tmp_path / "dask" / "_site")


def test_dask_worker_processes_build_incrementally(tmp_path):
    distributed = pytest.importorskip("distributed", reason="distributed is not installed (pip install docs-renderer[dask])")
    root = make_docs(tmp_path / "docs")
    _age(root)  # so the second build takes its pages' frontmatter from the cache
    out = tmp_path / "dask" / "_site"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        executor = f"dask://{cluster.scheduler_address.removeprefix('tcp://')}"
        first = run_build(root, out, executor=executor)
        page = root / "content" / "alpha" / "getting-started" / "platforms.md"
        page.write_text(page.read_text() + "\nOne more line.\n")
        again = run_build(root, out, executor=executor)
    assert first.ok and again.ok and 0 < again.rendered < first.rendered
    assert "load tree" in first.work_seconds and "load tree" in again.work_seconds  # a worker's tree per build
    clean = tmp_path / "clean" / "_site"
    run_build(root, clean, use_cache=False)
    assert tree_digest(out) == tree_digest(clean)


def _age(root: Path, seconds: float = 600) -> None:
    """Make every file look old, as in a checkout edited long after its last build."""
    import os
    import time

    past = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def test_unchanged_files_are_not_read_again(tmp_path):
    root = make_docs(tmp_path / "docs")
    _age(root)
    out = tmp_path / "_site"
    assert run_build(root, out).ok
    assert run_build(root, out).rendered == 0
    # touched but identical: read again, same digest, nothing renders
    note = root / "reusables/alpha/shared-note.md"
    note.write_text(note.read_text())
    assert run_build(root, out).rendered == 0
    # edited: its users render again, even though the same size
    note.write_text(note.read_text().replace("Shared", "Sharec"))
    report = run_build(root, out)
    assert {relpath for relpath, _ in report.rendered_keys} == USERS_OF_SHARED_NOTE
    page = root / "content/alpha/getting-started/only-latest.md"
    page.write_text(page.read_text().replace("quasar", "pulsar"))
    report = run_build(root, out)
    assert report.rendered_keys == [("alpha/getting-started/only-latest.md", FPT)]
    assert "pulsar" in read(out, f"/en/{FPT}/alpha/getting-started/only-latest/")
    clean = tmp_path / "clean" / "_site"
    run_build(root, clean, use_cache=False)
    assert tree_digest(out) == tree_digest(clean)


def test_link_check_follows_changes_elsewhere(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    assert run_build(root, out).broken_links == []
    # a heading that another page links to is renamed: the linking page did not change,
    # but its link is now broken
    deep = root / "content/alpha/advanced/deep.md"
    deep.write_text(deep.read_text().replace("## The section", "## Another section"))
    report = run_build(root, out)
    assert sorted(report.rendered_keys) == sorted([("alpha/advanced/deep.md", FPT), ("alpha/advanced/deep.md", V22)])
    assert [(b.file, b.versions, b.message.split(":")[0]) for b in report.broken_links] == [
        ("content/alpha/getting-started/first-steps.md", (FPT, V22), "link '/en/<version>/alpha/advanced/deep#the-section'")]
    again = run_build(root, out)  # a build that renders nothing reports it again
    assert again.rendered == 0 and again.broken_links == report.broken_links
    deep.write_text(deep.read_text().replace("## Another section", "## The section"))
    assert run_build(root, out).broken_links == []



def test_an_error_half_way_through_the_commit_never_leaves_a_mix(tmp_path, monkeypatch):
    """EPERM on the third file moved or linked into place: readers see the old site or the new
    one, never some files of each."""
    import errno
    import os

    root, out = built(tmp_path)
    before = tree_digest(out)
    note = root / "reusables/alpha/shared-note.md"
    note.write_text(note.read_text().replace("Shared note", "Edited note"))  # several pages and indexes change
    clean = tmp_path / "clean" / "_site"
    run_build(root, clean, use_cache=False)
    after = tree_digest(clean)
    calls = []

    def failing(real):
        def call(src, dst, *args, **kwargs):
            if str(dst).startswith(str(tmp_path)) and ".render-cache" not in str(dst):
                calls.append(dst)
                if len(calls) == 3:
                    raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(dst))
            return real(src, dst, *args, **kwargs)
        return call

    for name in ("replace", "rename", "link"):
        monkeypatch.setattr(os, name, failing(getattr(os, name)))
    try:
        run_build(root, out)
    except (OSError, BuildFailed):
        pass
    monkeypatch.undo()
    assert len(calls) >= 3
    assert tree_digest(out) in (before, after), "the site is a mix of two builds"


def test_frontmatter_warnings_survive_the_cache_and_the_schema_file_counts(tmp_path, monkeypatch):
    root = make_docs(tmp_path / "docs")
    deep = root / "content/alpha/getting-started/first-steps.md"
    deep.write_text(deep.read_text().replace("versions: '*'\n", "versions: '*'\ncolour: red\n", 1))
    _age(root)
    out = tmp_path / "_site"

    def colour_warnings(report):
        return [p for p in report.warnings if "colour" in p.message]

    first = run_build(root, out)
    assert [p.versions for p in colour_warnings(first)] == [(FPT, V22, V21)]
    # the page is not parsed again (its frontmatter comes from the cache), but it renders again
    note = root / "reusables/alpha/shared-note.md"
    note.write_text(note.read_text().replace("Shared note", "Edited note"))
    again = run_build(root, out)
    assert again.mode == "incremental" and ("alpha/getting-started/first-steps.md", FPT) in again.rendered_keys
    assert [p.versions for p in colour_warnings(again)] == [(FPT, V22, V21)]
    # and in a full build where a helper process parses half of the pages
    monkeypatch.setattr(pages, "PARSE_HELPER_ABOVE", 0)
    helped = run_build(root, tmp_path / "helped" / "_site", jobs=2)
    assert [p.versions for p in colour_warnings(helped)] == [(FPT, V22, V21)]
    # declaring the field in data/frontmatter.yml changes every page's validation: a full build
    (root / "data" / "frontmatter.yml").write_text("fields:\n  colour: string\n")
    declared = run_build(root, out)
    assert declared.mode == "full" and colour_warnings(declared) == []


def test_link_check_reads_again_only_renders_whose_links_may_have_changed(tmp_path, monkeypatch):
    root, out = built(tmp_path)
    checked: list[tuple[str, str]] = []
    real_check = LinkChecker.check
    monkeypatch.setattr(LinkChecker, "check", lambda self, page, version, *rest, **named: (
        checked.append((page.relpath, version)), real_check(self, page, version, *rest, **named))[1])
    edit_note = root / "reusables/alpha/shared-note.md"
    edit_note.write_text(edit_note.read_text().replace("Shared note", "Edited note"))
    report = run_build(root, out)
    assert sorted(checked) == sorted(report.rendered_keys)  # no ids changed: only the new renders
    checked.clear()
    deep = root / "content/alpha/advanced/deep.md"  # its ids change: the pages linking into it are read again
    deep.write_text(deep.read_text().replace("## The section", "## Another section"))
    report = run_build(root, out)
    assert set(checked) == set(report.rendered_keys) | {("alpha/getting-started/first-steps.md", FPT),
                                                        ("alpha/getting-started/first-steps.md", V22)}


def test_a_scratch_folder_that_cannot_be_made_leaves_no_staging_folder(tmp_path, monkeypatch):
    from renderer.build import builder

    def no_room(out):
        raise OSError(28, "No space left on device")

    root = make_docs(tmp_path / "docs")
    monkeypatch.setattr(builder, "make_scratch", no_room)
    with pytest.raises(BuildFailed, match="cannot write the site: No space left"):
        run_build(root, tmp_path / "_site")
    assert leftovers(tmp_path) == [] and not list(tmp_path.glob("._site.build-*"))


def test_a_killed_builds_scratch_folder_is_deleted_by_the_next_build(tmp_path):
    root = make_docs(tmp_path / "docs")
    out = tmp_path / "_site"
    run_build(root, out)
    killed = tmp_path / "._site.scratch-99999-abcd"  # as make_scratch names it
    killed.mkdir()
    (killed / "search-0123456789abcdef.json").write_text("[]")
    other = tmp_path / "._other.scratch-99999-abcd"  # another site's: not ours to delete
    other.mkdir()
    run_build(root, out)
    assert not killed.exists() and other.exists()
    assert leftovers(tmp_path) == []


def test_jobs_1_runs_one_pagefind_at_a_time_of_one_thread(tmp_path, monkeypatch):
    from renderer.site import search

    real, running, most, threads_seen = search.run_pagefind, [0], [0], []
    lock = threading.Lock()

    def tracked(site, bundle, threads=None):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.2)  # (long enough for a second one to start, were it allowed)
            real(site, bundle, threads)
        finally:
            with lock:
                running[0] -= 1
            threads_seen.append(threads)

    monkeypatch.setattr(search, "run_pagefind", tracked)
    report = run_build(make_docs(tmp_path / "docs"), tmp_path / "_site", jobs=1)
    assert report.ok and most[0] == 1 and threads_seen == [1, 1, 1]
    assert len(list((tmp_path / "_site" / "search").glob("*/pagefind/pagefind.js"))) == 3  # every version has one


def test_a_loader_for_workers_holds_no_page_text_and_loads_the_same_pages(tmp_path, monkeypatch):
    root = make_docs(tmp_path / "docs", {"content/beta/broken.md": "---\ntitle: [oops\n---\n"})
    kept = pages.PageLoader(DocsTree(root), {}, time.time_ns(), use_helper=False).load()
    monkeypatch.setattr(pages, "PARSE_HELPER_ABOVE", 0)  # half of the pages read by the helper process
    let_go = pages.PageLoader(DocsTree(root), {}, time.time_ns(), use_helper=True, keep_texts=False).load()

    def shape(loaded):
        return ([(p.relpath, p.frontmatter, p.body_offset, p.versions, [str(w) for w in p.warnings]) for p in loaded.pages],
                loaded.digests, loaded.frontmatter_digests, [str(e) for e in loaded.errors], loaded.parsed)

    assert shape(let_go) == shape(kept) and len(kept.pages) > 4 and kept.errors
    assert all("text" in p.__dict__ for p in kept.pages) and not any("text" in p.__dict__ for p in let_go.pages)
    assert [p.text for p in let_go.pages] == [p.text for p in kept.pages]  # read again, digest checked
    # an unchanged file whose stat changed is read and found the same as its cache entry: not parsed again
    cache = Cache(pages=let_go.cache_entries())
    deep = root / "content/alpha/advanced/deep.md"
    deep.touch()
    again = pages.PageLoader(DocsTree(root), cache.pages, time.time_ns(), use_helper=True, keep_texts=False).load()
    assert again.parsed == set() and shape(again)[:4] == shape(kept)[:4]
    deep.write_text(deep.read_text().replace("xylophone", "marimba"))
    with pytest.raises(RenderError, match="changed while the site was being built"):
        next(p for p in again.pages if p.relpath == "alpha/advanced/deep.md").text  # noqa: B018
