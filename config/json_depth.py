"""A limit on how deeply a JSON request body may nest. Python's json module parses nesting by
recursion: a few kilobytes of brackets ("[[[[...") raise RecursionError (a server error) and
cost a stack walk. Bodies are checked before they are parsed, in one linear pass over their
brackets; no document this project accepts (its API, Stripe's events) nests a tenth as deep."""

import re

MAX_DEPTH = 64

# A JSON string, whose brackets are text; what is left of the body outside strings is scanned.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether `body` (JSON, valid or not) opens more than `limit` arrays or objects at once."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
