"""An uploaded file (bytes, a path, or a binary file object) with its first bytes peeked."""

import io
import os
import shutil
import tempfile
from typing import BinaryIO

HEAD_SIZE = 256 * 1024
SPOOL_SIZE = 16 * 1024 * 1024

SourceLike = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO


class _Prefixed(io.RawIOBase):
    """The peeked head followed by the rest of the stream, so nothing is read twice."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class Upload:
    """Owns what it opened: a path is closed by `close()`, a caller's file object is not."""

    def __init__(self, source: SourceLike) -> None:
        if isinstance(source, bytes | bytearray | memoryview):
            self._stream: BinaryIO = io.BytesIO(bytes(source))
            self._owned = True
        elif isinstance(source, str | os.PathLike):
            self._stream = open(source, "rb")  # noqa: SIM115 - closed by close()
            self._owned = True
        else:
            self._stream = source
            self._owned = False
        self._start = self._stream.tell() if self._stream.seekable() else None
        self.head = self._read_head()
        self.complete = len(self.head) < HEAD_SIZE

    def _read_head(self) -> bytes:
        parts: list[bytes] = []
        size = 0
        while size < HEAD_SIZE:
            chunk = self._stream.read(HEAD_SIZE - size)
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
        return b"".join(parts)

    def binary(self) -> io.BufferedReader:
        """The whole content as a stream, read once from the start."""
        return io.BufferedReader(_Prefixed(self.head, self._stream), buffer_size=1 << 16)

    def seekable(self) -> BinaryIO:
        """The whole content as a seekable file (XLSX is a zip archive); a non-seekable stream
        is spooled, in memory up to SPOOL_SIZE and on disk beyond."""
        if self._start is not None:
            self._stream.seek(self._start)
            return self._stream
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE)  # noqa: SIM115
        spool.write(self.head)
        shutil.copyfileobj(self._stream, spool)
        spool.seek(0)
        self._stream, self._owned, self._start = spool, True, 0  # type: ignore[assignment]
        return self._stream

    def close(self) -> None:
        if self._owned:
            self._stream.close()
