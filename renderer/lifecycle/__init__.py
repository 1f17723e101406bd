"""Version lifecycle tools: `render migrate`, `render deprecate` and `render diff`.

They work on the parsed templates, whose tags keep exact source positions, and change a
docs tree only by replacing exact spans of its files (`edits.py`): everything they do not
need to touch stays byte-for-byte as it was.
"""
