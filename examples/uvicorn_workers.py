"""Web workers of one host sharing ONE token (and one rate budget) through a file.

Run it with several worker processes::

    export BLAAIZ_BASE_URL=... BLAAIZ_CLIENT_ID=... BLAAIZ_CLIENT_SECRET=...
    export BLAAIZ_TOKEN_FILE=/run/blaaiz/token.json   # default: in the temp directory
    uvicorn --app-dir examples uvicorn_workers:app --workers 4

Any pre-fork server works the same way (gunicorn with a uvicorn worker class, say): each
worker process makes its own ``BlaaizClient`` in the app's lifespan, and all of them use
the same ``FileTokenStore``. However many workers start at once, one token request goes
out; the others read the token from the file, and one of them refreshes it, under an OS
file lock, before it expires. The file holds no client secret, and is written with owner-only
permissions: put it in a directory only the workers' user can write.

- ``GET /balances``: the wallets' balances, through this worker's client.
- ``GET /worker``: which process answered, and the fingerprint of the token it used (never
  the token itself), to see the sharing at work.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI

from blaaiz_async import BlaaizClient
from blaaiz_async.auth import FileTokenStore
from blaaiz_async.integrations.fastapi import Blaaiz

TOKEN_FILE = Path(
    os.environ.get("BLAAIZ_TOKEN_FILE") or Path(tempfile.gettempdir()) / "blaaiz-token.json"
)


def make_client() -> BlaaizClient:
    """Called once per worker process, at startup: credentials from ``BLAAIZ_*``."""
    return BlaaizClient(token_store=FileTokenStore(TOKEN_FILE))


blaaiz = Blaaiz(client_factory=make_client)
app = FastAPI(title="blaaiz-async on uvicorn workers", lifespan=blaaiz.lifespan)
Client = Annotated[BlaaizClient, Depends(blaaiz.client)]


@app.get("/balances")
async def balances(client: Client) -> dict[str, str]:
    return {w.currency or w.id: str(w.available) for w in await client.wallets.list()}


@app.get("/worker")
async def worker(client: Client) -> dict[str, str | int]:
    provider = client.token_provider
    token = await provider.get_token() if provider is not None else None
    return {"pid": os.getpid(), "token": token.fingerprint if token is not None else "api key"}
