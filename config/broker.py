"""The broker of `make run` and `make test` when CELERY_BROKER_URL names no server: kombu's
folder transport, with every message written whole before it appears in the queue folder.

kombu creates a message's file in the queue folder and then writes it; a worker that lists the
folder in between reads an empty message and stops with an "unrecoverable error". Here the
file is written in a folder beside the queue and renamed into it, one atomic step on the same
file system, so a worker sees no message or all of it. (Taking a message was already atomic:
kombu renames it out of the queue folder before reading it.)
"""

import os
import tempfile
import uuid
from pathlib import Path
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs) -> None:
        # The name kombu gives it: the time first, so that the queue is read in order.
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        incoming = Path(self.data_folder_out).parent / "incoming"
        incoming.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=incoming, delete=False) as draft:
            draft.write(str_to_bytes(dumps(payload)))
        os.replace(draft.name, os.path.join(self.data_folder_out, name))


class Transport(filesystem.Transport):
    Channel = Channel
