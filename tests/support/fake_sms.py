"""A fake SMS provider on loopback, speaking the protocol HttpSmsBackend is configured for.

    with fake_sms_provider(token="secret") as provider:
        provider.url                 # http://127.0.0.1:<port>/messages
        provider.script = [429, 500] # answers for the next requests, then 200s again
        provider.received            # the JSON bodies it accepted

POST /messages with a JSON body {"to", "text", "from", "reference"} and the bearer token (or
basic credentials) it was started with. Answers: 200 {"id": "fake-<n>"} when accepted; 400 for
a number that is not E.164; 401 for wrong credentials; scripted statuses (429, 5xx...) as given.
"""

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeProvider:
    def __init__(self, token: str = "", user: str = "", password: str = "") -> None:
        self.token = token
        self.basic = base64.b64encode(f"{user}:{password}".encode()).decode() if user else ""
        self.script: list[int] = []
        self.received: list[dict] = []
        self.requests = 0
        self.lock = threading.Lock()
        self.url = ""

    def authorised(self, header: str) -> bool:
        if self.token:
            return header == f"Bearer {self.token}"
        if self.basic:
            return header == f"Basic {self.basic}"
        return True

    def answer(self, body: dict, authorization: str) -> tuple[int, dict]:
        with self.lock:
            self.requests += 1
            if not self.authorised(authorization):
                return 401, {"error": "unauthorised"}
            if self.script:
                status = self.script.pop(0)
                if status != 200:
                    return status, {"error": f"scripted {status}"}
            to = str(body.get("to", ""))
            if not (to.startswith("+") and to[1:].isdigit()):
                return 400, {"error": "invalid destination number"}
            self.received.append(body)
            return 200, {"id": f"fake-{len(self.received)}", "status": "queued"}


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real providers

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", 0))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                body = {}
            status, answer = provider.answer(body, self.headers.get("Authorization", ""))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    return Handler


@contextmanager
def fake_sms_provider(**credentials: str) -> Iterator[FakeProvider]:
    provider = FakeProvider(**credentials)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/messages"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
