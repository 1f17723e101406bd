"""`python -m renderer ...` is the `render` command."""

from renderer.commands import main

raise SystemExit(main())
