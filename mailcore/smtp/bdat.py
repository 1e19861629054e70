"""RFC 3030 CHUNKING: the BDAT argument and the chunks of one transaction. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field

# A chunk size with more digits than this is hostile, not a message (10**15 octets).
MAX_SIZE_DIGITS = 15
READ_PIECE = 64 * 1024  # chunks are read (or discarded) this much at a time


class BdatSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class BdatCommand:
    size: int
    last: bool


def parse_bdat(arg: str | None) -> BdatCommand:
    """RFC 3030 2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ];
    chunk-size = 1*DIGIT; end-marker = "LAST"."""
    parts = (arg or "").split(" ")
    if not 1 <= len(parts) <= 2:
        raise BdatSyntaxError(arg)
    size, *marker = parts
    if not (size.isascii() and size.isdigit()) or len(size) > MAX_SIZE_DIGITS:
        raise BdatSyntaxError(arg)
    if marker and marker[0].upper() != "LAST":
        raise BdatSyntaxError(arg)
    return BdatCommand(size=int(size), last=bool(marker))


@dataclass
class Chunks:
    """The octets of one BDAT transaction so far."""

    limit: int | None
    parts: list[bytes] = field(default_factory=list)
    size: int = 0
    started: bool = False  # a BDAT was accepted: DATA is out for this transaction

    def would_overflow(self, more: int) -> bool:
        return bool(self.limit) and self.size + more > (self.limit or 0)

    def add(self, piece: bytes) -> None:
        self.parts.append(piece)
        self.size += len(piece)

    def content(self) -> bytes:
        return b"".join(self.parts)
