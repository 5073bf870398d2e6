"""Content decoding with a bounded output: the size cap counts decoded bytes as they are made.

httpx decodes each network chunk through every stacked coding before a caller can count the
bytes, so `gzip, gzip` of a few KB becomes gigabytes first. Here the fetcher reads raw bytes
and feeds them to one zlib decompressor that is never asked for more than the cap allows.
"""

from __future__ import annotations

import zlib

__all__ = ["ACCEPT_ENCODING", "BodyTooLarge", "BoundedDecoder", "DecodeError"]

ACCEPT_ENCODING = "gzip, deflate"  # only the codings decoded here


class DecodeError(ValueError):
    """The body's coding is refused or broken; str() is a short reason for an admin."""


class BodyTooLarge(DecodeError):
    """More decoded bytes than the cap."""


class BoundedDecoder:
    """Decodes one content coding (identity, gzip or deflate) with a bounded output."""

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        codings = [
            c.strip().lower()
            for c in (content_encoding or "").split(",")
            if c.strip().lower() not in ("", "identity")
        ]
        if len(codings) > 1:
            # Nobody compresses a feed twice; a stack of codings is a bomb's way to grow.
            raise DecodeError(f"refusing stacked content codings ({', '.join(codings)})")
        self.coding = codings[0] if codings else "identity"
        if self.coding in ("gzip", "x-gzip"):
            self._zlib: zlib._Decompress | None = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif self.coding == "deflate":
            self._zlib = zlib.decompressobj()
        elif self.coding == "identity":
            self._zlib = None
        else:
            raise DecodeError(f"unsupported content coding {self.coding[:40]!r}")
        self.max_bytes = max_bytes
        self.total = 0
        self._started = False

    def feed(self, data: bytes) -> bytes:
        if self._zlib is None:
            return self._count(data)
        if self.coding == "deflate" and not self._started and data:
            self._started = True
            if data[0] & 0x0F != 8:  # no zlib header: servers often send raw deflate
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        out: list[bytes] = []
        try:
            while data:
                # At most one byte past the cap: enough to know the body is too big.
                piece = self._zlib.decompress(data, self.max_bytes - self.total + 1)
                out.append(self._count(piece))
                data = self._zlib.unconsumed_tail
                if self._zlib.eof:
                    break  # trailing garbage after the stream is ignored, as httpx does
        except zlib.error:
            raise DecodeError("cannot decode the compressed body") from None
        return b"".join(out)

    def flush(self) -> bytes:
        if self._zlib is None:
            return b""
        try:
            return self._count(self._zlib.flush())
        except zlib.error:
            raise DecodeError("cannot decode the compressed body") from None

    def _count(self, piece: bytes) -> bytes:
        self.total += len(piece)
        if self.total > self.max_bytes:
            raise BodyTooLarge(self.max_bytes)
        return piece
