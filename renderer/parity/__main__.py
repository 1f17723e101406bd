"""`python -m renderer.parity OURS.jsonl`: the parity report."""

from renderer.parity import main

raise SystemExit(main())
