"""The shared 2020 corpus: every page in every version renders, and parity is reported."""

from __future__ import annotations

import pytest
from docs_fixture import CORPUS

from renderer import parity
from renderer.commands.export import iter_renders
from renderer.errors import RenderError
from renderer.model.tree import DocsTree

REFERENCE = CORPUS / "reference-renders.jsonl.gz"
pytestmark = pytest.mark.skipif(not REFERENCE.is_file(), reason=f"shared 2020 corpus not found at {CORPUS}")

# Floors just under the last measured run (see the issue note); regressions fail.
PARITY_FLOORS = {"title": 0.999, "headings": 0.96, "hrefs": 0.96, "text": 0.955, "intro-text": 0.999, "intro-links": 0.97}
# Without the pages built from REST/GraphQL data that the corpus does not contain: the
# targets of the generalization issue (title, headings, hrefs >= 99.9 %, text >= 99.5 %).
PARITY_FLOORS_WITHOUT_GENERATED = {"title": 0.999, "headings": 0.999, "hrefs": 0.999, "text": 0.995, "intro-text": 0.999}

# The mistakes in the corpus that GitHub's engine let through: each is reported, located.
REAL_MISTAKES = {
    # (file, line, column, message fragment)
    ("content/github/administering-a-repository/managing-git-lfs-objects-in-archives-of-your-repository.md", 6, 1,
     "invalid version range '=>2.23'"),
    ("data/reusables/webhooks/secret.md", 1, 344, "did you mean 'elsif'"),
    ("data/reusables/organizations/choose-user-role-send-invitation.md", 4, 111, "unexpected 'else' after 'else'"),
    ("data/reusables/github-actions/self-hosted-runner-management-permissions-required.md", 1, 213, "did you mean 'elsif'"),
    ("data/reusables/github-actions/disabling-github-actions.md", 1, 191, "did you mean 'elsif'"),
    ("content/github/managing-security-vulnerabilities/about-alerts-for-vulnerable-dependencies.md", 36, 98, "unexpected '%'"),
    ("content/github/managing-subscriptions-and-notifications-on-github/configuring-notifications.md", 113, 309,
     "unexpected '%'"),
    ("content/github/receiving-notifications-about-activity-on-github/about-email-notifications.md", 27, 264,
     "unexpected '%'"),
    ("content/developers/webhooks-and-events/securing-your-webhooks.md", 37, 372, "did you mean 'elsif'"),
    ("content/github/administering-a-repository/disabling-or-limiting-github-actions-for-a-repository.md", 26, 673,
     "did you mean 'elsif'"),
    ("content/actions/hosting-your-own-runners/removing-self-hosted-runners.md", 65, 9, "did you mean 'elsif'"),
    ("content/actions/hosting-your-own-runners/managing-access-to-self-hosted-runners-using-groups.md", 59, 9,
     "did you mean 'elsif'"),
    ("content/actions/hosting-your-own-runners/adding-self-hosted-runners.md", 53, 9, "did you mean 'elsif'"),
    ("content/github/finding-security-vulnerabilities-and-errors-in-your-code/configuring-code-scanning.md", 169, 33,
     "expected end of expression, found '=='"),
}


@pytest.fixture(scope="module")
def lenient_export():
    tree = DocsTree(CORPUS, lenient=True)
    errors: list[RenderError] = []
    records = {(r["version"], r["path"]): r for r in iter_renders(tree, errors)}
    return records, errors


def test_strict_mode_reports_each_real_mistake_located():
    tree = DocsTree(CORPUS)
    errors: list[RenderError] = []
    count = sum(1 for _ in iter_renders(tree, errors))
    assert count > 4500
    for err in errors:
        assert err.file and err.line and err.column, str(err)
        assert err.version or "version range" in err.message, str(err)  # frontmatter errors are per file
    reported = {(e.file, e.line, e.column) for e in errors}
    for file, line, column, fragment in REAL_MISTAKES:
        assert (file, line, column) in reported, (file, line, column)
        assert any(fragment in e.message for e in errors if (e.file, e.line, e.column) == (file, line, column))
    # the rest are the REST pages' `{% include %}` of operations the corpus does not hold
    others = [e for e in errors if (e.file, e.line, e.column) not in {m[:3] for m in REAL_MISTAKES}]
    assert all("include 'rest_operations_at_current_path' not found" in e.message for e in others), others[:3]


def test_every_render_completes_and_matches_the_reference_set(lenient_export):
    records, errors = lenient_export
    assert not errors, [str(e) for e in errors]
    assert set(records) == set(parity.load_renders(REFERENCE))


def test_parity_with_githubs_2020_renderer(lenient_export):
    records, _ = lenient_export
    reference = parity.load_renders(REFERENCE)
    generated = parity.pages_needing_generated_data(CORPUS / "content")
    report = parity.compare(records, reference, frozenset(generated))
    print(report.format(max_examples=3))
    for aspect, floor in PARITY_FLOORS.items():
        assert report.ratio(aspect) >= floor, aspect
    assert 40 <= len(generated) <= 60
    subset = parity.compare(
        {k: v for k, v in records.items() if k[1] not in generated},
        {k: v for k, v in reference.items() if k[1] not in generated},
    )
    for aspect, floor in PARITY_FLOORS_WITHOUT_GENERATED.items():
        assert subset.ratio(aspect) >= floor, aspect
