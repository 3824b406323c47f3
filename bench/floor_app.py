"""The floor for any Python server here: bare starlette + uvicorn doing the least a Stripe-like
endpoint must do. It reads the query string and form body and parses them (``parse_qsl``),
then answers a JSON object serialised per request, of the size the ``X-Floor-Size`` header asks
for (``bench/run_bench.py`` sends the size of the emulator's own answer to the same request).

    python bench/floor_app.py --port 12112

The fastest stack uvicorn ships (``uvicorn[standard]``: httptools parsing HTTP, uvloop running
the event loop), no access log: the emulator serves on the same stack.
"""

from __future__ import annotations

import argparse
import json
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DEFAULT_SIZE = 1000
SKELETON = {"id": "floor_1AbCdEfGhIjKlMnOpQrStUvW", "object": "floor", "livemode": False, "pad": ""}


async def answer(request: Request) -> Response:
    body = await request.body()
    params = parse_qsl(request.url.query, keep_blank_values=True)
    params += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    size = int(request.headers.get("x-floor-size", DEFAULT_SIZE))
    out = dict(SKELETON, params=len(params))
    base = len(json.dumps(out, separators=(",", ":")))
    out["pad"] = "x" * max(size - base, 0)
    return Response(json.dumps(out, separators=(",", ":")).encode(), media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST", "DELETE"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12112)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        http="httptools",
        loop="uvloop",
        log_level="warning",
        access_log=False,
        lifespan="off",
    )


if __name__ == "__main__":
    main()
