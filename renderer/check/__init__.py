"""`render check`: the docs build a repository runs in CI.

One pass over a docs tree that reports every problem it can find, located as
``file:line:col``:

1. every page's frontmatter against the schema (`frontmatter`), and frontmatter version
   ranges that select no supported release (`version-range`, warning) — ranges.py;
2. every Liquid source parses: page bodies, Liquid in frontmatter fields, every reusable
   (used or not) and every variable value holding Liquid (`liquid`) — sources.py;
3. statically, from the parsed templates, so references inside branches that no version
   renders are checked too: every `{% data %}` path resolves (`data`); version ids
   compared with `currentVersion` or given to `ver_gt`/`ver_lt` name a plan and a
   release that exist, supported or deprecated (`version-reference`) — references.py;
   conditions that only involve `currentVersion` are not constant over the versions the
   page exists in (all supported versions for reusables and variables)
   (`constant-condition`, warning) — conditions.py;
4. every page renders in every version it exists in (`render`) — renders.py;
5. internal links and `#anchors` in the rendered HTML (`link`, `anchor`), by the site's
   link checker (renderer.site.linkcheck) — links.py.

Pages and their (page, version) renders come from the site model (renderer.site.model).
The same mistake seen in several versions is reported once, with the versions listed
(findings.py, renderer.problems); report.py writes the result. The command line is renderer/commands/check.py.
"""

from renderer.check.checker import Checker, run_check
from renderer.check.report import Report, summary, write_report
from renderer.problems import Problem, format_github, format_text

KINDS = ("config", "frontmatter", "page", "yaml", "liquid", "data", "version-reference", "version-range", "constant-condition",
         "render", "link", "anchor")

__all__ = ["KINDS", "Checker", "Problem", "Report", "format_github", "format_text", "run_check", "summary",
           "write_report"]
