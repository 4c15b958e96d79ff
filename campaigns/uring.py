"""Socket options set in one system call, through Linux's io_uring (kernel 6.7 and newer).

Sending needs the message's final "." (held in the SMTP socket) and the row's COMMIT (held in
the database socket) to share one fate when the worker is killed: both leave, or neither.
What decides their fate is each socket's SO_LINGER: reset-on-close drops held bytes, the
default sends them. Two setsockopt() calls leave a gap in which a SIGKILL lands between them;
one io_uring_enter() with several setsockopt requests does not return to user space, where a
signal is acted on, until all are done. See docs/decisions.md (session 7, "one system call").

Only what that needs is here: a ring of four entries per process, SOCKET_URING_OP_SETSOCKOPT
requests, and their results. `Ring.open()` returns None where the kernel has no io_uring or
no socket commands (older kernels, seccomp profiles that forbid it); callers then fall back
to one call per option.
"""

import ctypes
import logging
import mmap
import os
import platform
import socket
import struct

_SYSCALLS = {"x86_64": (425, 426), "aarch64": (425, 426)}  # io_uring_setup, io_uring_enter
IORING_OFF_SQ_RING, IORING_OFF_CQ_RING, IORING_OFF_SQES = 0, 0x8000000, 0x10000000
IORING_OP_URING_CMD = 46
SOCKET_URING_OP_SETSOCKOPT = 3
SQE_SIZE, CQE_SIZE = 64, 16
ENTRIES = 4
log = logging.getLogger(__name__)

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class _Offsets(ctypes.Structure):
    # io_sqring_offsets and io_cqring_offsets share this shape (field names differ).
    _fields_ = (
        [(name, ctypes.c_uint32) for name in ("head", "tail", "mask", "entries")]
        + [(name, ctypes.c_uint32) for name in ("a", "b", "c", "d")]
        + [("user_addr", ctypes.c_uint64)]
    )


class _Params(ctypes.Structure):
    _fields_ = [
        ("sq_entries", ctypes.c_uint32),
        ("cq_entries", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("sq_thread_cpu", ctypes.c_uint32),
        ("sq_thread_idle", ctypes.c_uint32),
        ("features", ctypes.c_uint32),
        ("wq_fd", ctypes.c_uint32),
        ("resv", ctypes.c_uint32 * 3),
        ("sq_off", _Offsets),
        ("cq_off", _Offsets),
    ]


class Ring:
    """One process's ring. Not shared across fork(): `for_this_process()` makes a new one."""

    def __init__(self, fd: int, params: _Params, enter: int) -> None:
        self.fd, self.enter = fd, enter
        sq, cq = params.sq_off, params.cq_off
        self.sq = mmap.mmap(fd, sq.c + params.sq_entries * 4, offset=IORING_OFF_SQ_RING)
        self.cq = mmap.mmap(fd, cq.b + params.cq_entries * CQE_SIZE, offset=IORING_OFF_CQ_RING)
        self.sqes = mmap.mmap(fd, params.sq_entries * SQE_SIZE, offset=IORING_OFF_SQES)
        # io_sqring_offsets: flags (a), dropped (b), array (c)
        self.sq_tail, self.sq_mask, self.sq_array = sq.tail, params.sq_entries - 1, sq.c
        self.cq_head, self.cq_tail, self.cq_mask = cq.head, cq.tail, params.cq_entries - 1
        self.cqes = cq.b  # io_cqring_offsets: overflow (a), cqes (b), flags (c)
        self.options: list[bytes] = []  # kept alive until the kernel has read them
        self.broken = False  # a call that failed half way leaves the rings out of step

    @classmethod
    def open(cls) -> "Ring | None":
        numbers = _SYSCALLS.get(platform.machine())
        if numbers is None:
            return None
        params = _Params()
        fd = _libc.syscall(ctypes.c_long(numbers[0]), ctypes.c_uint(ENTRIES), ctypes.byref(params))
        if fd < 0:
            return None
        ring = cls(fd, params, numbers[1])
        return ring if ring._works() else ring.close()

    def close(self) -> None:
        for area in (self.sq, self.cq, self.sqes):
            area.close()
        os.close(self.fd)

    def setsockopts(self, calls: list[tuple[int, int, int, bytes]]) -> list[int]:
        """setsockopt(fd, level, name, value) for each call, all in one io_uring_enter; the
        results in order (0, or a negative errno)."""
        tail = self._u32(self.sq, self.sq_tail)
        self.options = [value for *_, value in calls]
        for n, (fd, level, name, value) in enumerate(calls):
            slot = (tail + n) & self.sq_mask
            self.sqes[slot * SQE_SIZE : (slot + 1) * SQE_SIZE] = _sqe(fd, level, name, value, n)
            struct.pack_into("I", self.sq, self.sq_array + slot * 4, slot)
        # Stores from this thread are visible to the kernel it enters next: no barrier needed.
        struct.pack_into("I", self.sq, self.sq_tail, (tail + len(calls)) & 0xFFFFFFFF)
        count = ctypes.c_uint(len(calls))
        no = ctypes.c_uint(0)  # min_complete, flags: the requests complete inline, nothing waits
        self.broken = True  # until both the submission and the reaping have gone through
        submitted = _libc.syscall(
            ctypes.c_long(self.enter),
            ctypes.c_int(self.fd),
            count,
            no,
            no,
            None,
            ctypes.c_size_t(0),
        )
        if submitted != len(calls):
            raise OSError(ctypes.get_errno(), "io_uring_enter submitted too few")
        return self._reap(len(calls))

    def _reap(self, count: int) -> list[int]:
        head = self._u32(self.cq, self.cq_head)
        if (self._u32(self.cq, self.cq_tail) - head) & 0xFFFFFFFF < count:  # indexes wrap
            raise OSError("io_uring: a socket option did not complete at once")
        results = [0] * count
        for n in range(count):
            offset = self.cqes + ((head + n) & self.cq_mask) * CQE_SIZE
            user_data, res, _flags = struct.unpack_from("QiI", self.cq, offset)
            results[user_data] = res
        struct.pack_into("I", self.cq, self.cq_head, (head + count) & 0xFFFFFFFF)
        self.broken = False
        return results

    def _works(self) -> bool:
        """The kernel knows socket commands (6.7+): try one on a throwaway socket."""
        with socket.socket() as probe:
            value = struct.pack("ii", 0, 0)
            try:
                results = self.setsockopts(
                    [(probe.fileno(), socket.SOL_SOCKET, socket.SO_LINGER, value)]
                )
            except OSError:
                return False
        return results == [0]

    @staticmethod
    def _u32(area: mmap.mmap, offset: int) -> int:
        return struct.unpack_from("I", area, offset)[0]


def _sqe(fd: int, level: int, name: int, value: bytes, user_data: int) -> bytes:
    address = ctypes.cast(ctypes.c_char_p(value), ctypes.c_void_p).value
    sqe = bytearray(SQE_SIZE)
    struct.pack_into("BBHi", sqe, 0, IORING_OP_URING_CMD, 0, 0, fd)
    struct.pack_into("II", sqe, 8, SOCKET_URING_OP_SETSOCKOPT, 0)  # cmd_op
    struct.pack_into("II", sqe, 16, level, name)
    struct.pack_into("Q", sqe, 32, user_data)
    struct.pack_into("I", sqe, 44, len(value))  # optlen
    struct.pack_into("Q", sqe, 48, address)  # optval
    return bytes(sqe)


_ring: tuple[int, "Ring | None"] | None = None


def for_this_process() -> "Ring | None":
    """This process's ring (None where io_uring cannot set socket options)."""
    global _ring
    if _ring is None or _ring[0] != os.getpid():
        _ring = (os.getpid(), Ring.open())
        if _ring[1] is None:
            log.warning(
                "io_uring cannot set socket options here (kernel older than 6.7, a seccomp "
                "profile or kernel.io_uring_disabled): a worker killed in the microseconds "
                "between arming a message and its COMMIT sends it twice (README, Sending)"
            )
    ring = _ring[1]
    return None if ring is None or ring.broken else ring
