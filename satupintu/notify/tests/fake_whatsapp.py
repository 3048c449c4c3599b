"""A local HTTP server speaking the WhatsApp Business Cloud API's messages endpoint."""

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "test-cloud-api-token"
PHONE_NUMBER_ID = "109876543210"


class FakeCloudAPI:
    """Records what it was sent; ``fail_with`` makes the next answers errors (status, body)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail_with: list[tuple[int, dict]] = []
        self._ids = itertools.count(1)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(
                        401, {"error": {"code": 190, "message": "Invalid OAuth access token"}}
                    )
                if self.path != f"/v21.0/{PHONE_NUMBER_ID}/messages":
                    return self._answer(404, {"error": {"code": 803, "message": "Unknown path"}})
                if body.get("messaging_product") != "whatsapp" or "to" not in body:
                    return self._answer(
                        400, {"error": {"code": 100, "message": "Invalid parameter"}}
                    )
                if api.fail_with:
                    return self._answer(*api.fail_with.pop(0))
                api.received.append(body)
                wamid = f"wamid.TEST{next(api._ids):06d}"
                return self._answer(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                        "messages": [{"id": wamid}],
                    },
                )

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v21.0"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
