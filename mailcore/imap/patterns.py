"""LIST and LSUB mailbox patterns (RFC 3501 6.3.8) and hierarchy helpers.

"*" matches any run of characters, "%" any run without the hierarchy delimiter. The
reference and the pattern are joined by plain concatenation, which is the RFC's own
example ("~smith/Mail/" + "foo.*"); the RFC leaves anything cleverer to the
implementation. The empty pattern (LIST "" "": the delimiter and root) is a special
request the session answers itself; compiled, it matches no mailbox.

INBOX is case-insensitive (RFC 3501 5.1): a name whose first level is INBOX matches a
pattern that matches any spelling of it, so "inbox", "InBox/%" and "i*" all find INBOX.

Matching runs in time linear in the name for any pattern (a set of pattern positions
moved along the name as one bitmask), so a hostile pattern such as "*a*a*a*a*a*b" cannot
stall the event loop the way a backtracking regular expression would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

INBOX = "INBOX"


def join(reference: str, pattern: str) -> str:
    """The full pattern: the reference followed by the pattern (RFC 3501 6.3.8)."""
    return reference + pattern


def compile(reference: str, pattern: str, delimiter: str = "/") -> Callable[[str], bool]:
    """A predicate telling whether a mailbox name (as stored, INBOX upper-case) matches."""
    full = _collapse(join(reference, pattern))
    if not full:
        return lambda name: False
    size = len(full)
    literal: dict[str, int] = {}
    star = percent = 0
    for index, ch in enumerate(full):
        bit = 1 << index
        if ch == "*":
            star |= bit
        elif ch == "%":
            percent |= bit
        else:
            literal[ch] = literal.get(ch, 0) | bit
    wild = star | percent
    accept = 1 << size

    def closure(states: int) -> int:
        # A wildcard may match nothing: from its position, also stand after it. Runs of
        # wildcards were collapsed to one, so one step suffices.
        return states | ((states & wild) << 1)

    def step(states: int, ch: str, fold: bool) -> int:
        match = literal.get(ch, 0)
        if fold:
            match |= literal.get(ch.lower(), 0) | literal.get(ch.upper(), 0)
        moved = (states & match) << 1
        stay = states & (star if ch == delimiter else wild)
        return closure(moved | stay)

    def matches(name: str) -> bool:
        # The INBOX level of a name compares case-insensitively.
        folded = len(INBOX) if _in_inbox(name, delimiter) else 0
        states = closure(1)
        for index, ch in enumerate(name):
            states = step(states, ch, index < folded)
            if not states:
                return False
        return bool(states & accept)

    return matches


def _collapse(pattern: str) -> str:
    """Merge runs of wildcards: any run holding "*" is "*", a run of "%" is "%"."""
    out: list[str] = []
    for ch in pattern:
        if ch in "*%" and out and out[-1] in "*%":
            if ch == "*":
                out[-1] = "*"
            continue
        out.append(ch)
    return "".join(out)


def _in_inbox(name: str, delimiter: str) -> bool:
    head = name[: len(INBOX)]
    rest = name[len(INBOX) :]
    return head.upper() == INBOX and (not rest or rest.startswith(delimiter))


def ancestors(name: str, delimiter: str = "/") -> list[str]:
    """The levels above a name: "a/b/c" -> ["a", "a/b"]."""
    levels = name.split(delimiter)
    return [delimiter.join(levels[:i]) for i in range(1, len(levels))]


def parents(names: Iterable[str], delimiter: str = "/") -> set[str]:
    """Every name that has at least one child among `names` (whether or not it exists
    itself): one pass, for \\HasChildren / \\HasNoChildren (RFC 3348) over a whole
    listing instead of a scan per mailbox."""
    out: set[str] = set()
    for name in names:
        out.update(ancestors(name, delimiter))
    return out


def has_children(name: str, names: Iterable[str], delimiter: str = "/") -> bool:
    """Whether any of `names` lies below `name`."""
    prefix = name + delimiter
    return any(other.startswith(prefix) for other in names)


def missing_levels(names: Iterable[str], delimiter: str = "/") -> set[str]:
    """Levels of hierarchy that are not mailboxes themselves ("a" when only "a/b"
    exists). RFC 3501 6.3.8: when "%" ends a pattern, such matching levels are listed
    too, with \\Noselect."""
    existing = set(names)
    return parents(existing, delimiter) - existing
