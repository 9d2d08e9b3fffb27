"""Every ``python`` block of README.md runs, section by section, against a real sandbox.

The blocks are collected by their ``## `` section. Each section with code has a check in
``CHECKS``: it may prepare the sandbox first (a lost answer, say), then runs the section's
blocks in order in one namespace, as ``python`` would run them one after the other, and looks
at what they did (requests the sandbox saw, what they printed, the app they defined).

The environment is the one the README's Quickstart sets up: the lines ``blaaiz-async
sandbox`` prints (``BLAAIZ_BASE_URL``, ``BLAAIZ_CLIENT_ID``, ``BLAAIZ_CLIENT_SECRET``,
``BLAAIZ_WEBHOOK_SECRET``, ``BLAAIZ_SANDBOX_CUSTOMER_ID``, ``BLAAIZ_SANDBOX_WALLET_<CUR>``),
plus ``REDIS_URL`` (a redis-server of the test's own), ``BLAAIZ_API_KEY`` (a legacy key the
sandbox accepts) and ``BLAAIZ_CREDENTIALS_FILE`` (a JSON file with the credentials).

"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.errors import WebhookVerificationError
from blaaiz_async.sandbox import Sandbox, background_sandbox
from blaaiz_async.webhooks.signature import sign_headers
from tests.redis_support import RedisServer, command

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    source: str


def readme_sections(text: str, language: str = "python") -> dict[str, list[Block]]:
    """``## `` heading -> its blocks in ``language``, in order (sections without any left
    out)."""
    sections: dict[str, list[Block]] = {}
    heading = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            heading = line[3:].strip()
        elif line.startswith("```"):
            fence, start, body = line[3:].strip(), i + 1, []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if fence == language:
                sections.setdefault(heading, []).append(Block(start, "\n".join(body) + "\n"))
        i += 1
    return sections


SECTIONS = readme_sections(README.read_text())


@dataclass
class Env:
    sandbox: Sandbox
    redis: RedisServer
    tmp: Path
    monkeypatch: pytest.MonkeyPatch


class Run:
    """Runs the blocks of one section; ``out`` is what was printed during the check, by the
    blocks and by the code they defined."""

    def __init__(self, section: str) -> None:
        self.section = section
        self._printed = io.StringIO()

    @property
    def out(self) -> str:
        return self._printed.getvalue()

    def blocks(self) -> dict[str, Any]:
        """Every block of the section in order, in one fresh namespace (a script's)."""
        namespace: dict[str, Any] = {"__name__": "__main__"}
        for block in SECTIONS[self.section]:
            exec(compile(block.source, f"README.md:{block.line}", "exec"), namespace)
        return namespace


@pytest.fixture
def env(
    redis_server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Env]:
    with background_sandbox() as sb:
        client_id, client_secret = sb.add_client()
        variables = {
            "BLAAIZ_BASE_URL": sb.url,
            "BLAAIZ_CLIENT_ID": client_id,
            "BLAAIZ_CLIENT_SECRET": client_secret,
            "BLAAIZ_WEBHOOK_SECRET": sb.webhook_secret,
            "BLAAIZ_SANDBOX_CUSTOMER_ID": sb.customer_id,
            "REDIS_URL": redis_server.url,
            "BLAAIZ_API_KEY": sb.add_api_key(),
            "BLAAIZ_CREDENTIALS_FILE": str(tmp_path / "credentials.json"),
        }
        for wallet in sb.state.wallets.values():
            variables[f"BLAAIZ_SANDBOX_WALLET_{wallet['currency']}"] = str(wallet["id"])
        (tmp_path / "credentials.json").write_text(
            json.dumps({"client_id": client_id, "client_secret": client_secret})
        )
        for name in ("BLAAIZ_ENVIRONMENT", "BLAAIZ_ALLOW_INSECURE_HTTP"):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        monkeypatch.chdir(tmp_path)
        yield Env(sb, redis_server, tmp_path, monkeypatch)


# -- one check per section with code ---------------------------------------------------------


def check_quickstart(run: Run, env: Env) -> None:
    run.blocks()
    payout_id, status, amount = run.out.split()
    assert env.sandbox.count("payouts.create") == 1
    assert env.sandbox.count("transactions.get", 200) == 1
    assert status and amount == "1000.00" and payout_id
    assert env.sandbox.token_requests == 1


def check_scopes(run: Run, env: Env) -> None:
    run.blocks()
    assert env.sandbox.count("payouts.create") == 0, "the payout must be refused locally"
    assert env.sandbox.count("wallets.list", 200) == 1
    assert "refused locally, missing: payout:create" in run.out


def check_errors(run: Run, env: Env) -> None:
    env.sandbox.drop_after_processing("payouts.create")  # done, then the answer is lost
    run.blocks()
    lines = run.out.splitlines()
    assert lines[0].startswith("404 ")
    assert lines[1] == "outcome unknown, looking up order-1042"
    reference, status = lines[2].split()
    assert reference == "order-1042" and status
    assert env.sandbox.count("payouts.create") == 1, "a payout must never be resent"


def _payout_delivery(event_id: str = "evt-readme-1") -> bytes:
    return json.dumps(
        {
            "type": "payout",
            "event_id": event_id,
            "transaction_id": "tx-1",
            "transaction_reference": "order-7",
            "transaction_status": "SUCCESSFUL",
            "transaction_amount": 125.5,
            "transaction_currency": "NGN",
        }
    ).encode()


def check_webhooks(run: Run, env: Env) -> None:
    ns = run.blocks()
    body = _payout_delivery()
    headers = sign_headers(env.sandbox.webhook_secret, body)

    async def deliveries() -> tuple[bool, bool, str]:
        try:
            first = await ns["receive"](body, headers)
            again = await ns["receive"](body, headers)
            try:
                await ns["receive"](body.replace(b"125.5", b"999"), headers)
            except WebhookVerificationError as err:
                reason = err.reason
            else:
                reason = "accepted"
            return first, again, reason
        finally:
            await ns["guard"].aclose()

    first, again, reason = asyncio.run(deliveries())
    assert (first, again, reason) == (True, False, "signature_mismatch")
    assert run.out.split() == ["order-7", "SUCCESSFUL", "125.5"]
    assert command(env.redis.port, "DBSIZE") != b"0", "the guard should be the Redis one"


def check_fastapi(run: Run, env: Env) -> None:
    import httpx

    ns = run.blocks()
    app, secret = ns["app"], env.sandbox.webhook_secret
    body = _payout_delivery("evt-readme-2")

    async def serve() -> list[httpx.Response]:
        async with app.router.lifespan_context(app):  # what uvicorn does at start and stop
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
                return [
                    await http.get("/balances"),
                    await http.post("/webhooks/blaaiz", content=body, headers=sign_headers(
                        secret, body)),
                    await http.post("/webhooks/blaaiz", content=body, headers=sign_headers(
                        secret, body)),
                    await http.post("/webhooks/blaaiz", content=body, headers=sign_headers(
                        "not-the-secret", body)),
                ]  # fmt: skip

    balances, first, again, forged = asyncio.run(serve())
    assert balances.status_code == 200 and "NGN" in balances.json()
    assert (first.status_code, again.status_code, forged.status_code) == (200, 200, 400)
    assert forged.json() == {"error": "signature_mismatch"}
    assert run.out.count("event payout evt-readme-2") == 1, "handled once"


def check_processes(run: Run, env: Env) -> None:
    run.blocks()
    run.blocks()  # a second worker: a new client, the same file
    assert run.out.count("currencies") == 2
    assert (env.tmp / "blaaiz-token.json").exists()
    assert env.sandbox.token_requests == 1, "the second worker must take the stored token"


def check_redis(run: Run, env: Env) -> None:
    run.blocks()
    run.blocks()
    assert run.out.count("wallets") == 2
    assert env.sandbox.token_requests == 1, "the second client must take the stored token"
    assert command(env.redis.port, "DBSIZE") != b"0"


def check_rate_limit(run: Run, env: Env) -> None:
    run.blocks()
    seconds = float(re.fullmatch(r"10 calls at 5 a second: ([\d.]+)s\n", run.out)[1])  # type: ignore[index]
    assert seconds >= 0.9, "the second five must wait for the window"
    assert env.sandbox.count("currencies.list", 200) == 10


def check_rotation(run: Run, env: Env) -> None:
    for name in ("BLAAIZ_CLIENT_ID", "BLAAIZ_CLIENT_SECRET"):  # the file is the only source
        env.monkeypatch.delenv(name)
    run.blocks()
    assert run.out.endswith("wallets\n")
    assert env.sandbox.token_requests == 1


def check_api_key(run: Run, env: Env) -> None:
    with pytest.warns(UserWarning, match="api_key is not used"):
        run.blocks()
    assert run.out.splitlines()[0] == "oauth"
    assert env.sandbox.token_requests == 1, "OAuth, not the key, must be used"


def check_sandbox(run: Run, env: Env) -> None:
    run.blocks()
    assert re.fullmatch(r"\d+ wallets\n", run.out)


CHECKS: dict[str, Callable[[Run, Env], None]] = {
    "Quickstart": check_quickstart,
    "Scopes and least privilege": check_scopes,
    "Errors and unknown outcomes": check_errors,
    "Webhooks": check_webhooks,
    "FastAPI": check_fastapi,
    "Several processes on one host": check_processes,
    "A fleet on Redis": check_redis,
    "The rate limit": check_rate_limit,
    "Credentials that rotate": check_rotation,
    "Moving from the API key": check_api_key,
    "Testing your code with the sandbox": check_sandbox,
}


def test_every_section_with_code_has_a_check() -> None:
    assert sorted(SECTIONS) == sorted(CHECKS)


@pytest.mark.parametrize("section", list(CHECKS))
def test_section(section: str, env: Env) -> None:
    run = Run(section)
    with contextlib.redirect_stdout(run._printed):
        CHECKS[section](run, env)


# -- the Quickstart as a newcomer runs it ------------------------------------------------------


def test_the_quickstart_runs_as_its_shell_lines_say(tmp_path: Path) -> None:
    """Its two shell blocks in two processes: ``blaaiz-async sandbox > .env`` (on a free
    port rather than 8787), then the second block verbatim in bash, with ``quickstart.py``
    being the section's python block."""
    start, load = readme_sections(README.read_text(), "sh")["Quickstart"]
    command = start.source.split("#")[0].split()
    assert command == ["blaaiz-async", "sandbox", ">", ".env"], start.source
    (tmp_path / "quickstart.py").write_text(SECTIONS["Quickstart"][0].source)
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLAAIZ_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    with (tmp_path / ".env").open("w") as dotenv:
        sandbox = subprocess.Popen(
            [str(bin_dir / "blaaiz-async"), "sandbox", "--port", "0"],
            stdout=dotenv, stderr=subprocess.PIPE, cwd=tmp_path, env=env,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not re.search(r"BLAAIZ_SANDBOX_WALLET_\w+=\S+\n", (tmp_path / ".env").read_text()):
            assert sandbox.poll() is None and time.monotonic() < deadline, "no .env lines"
            time.sleep(0.05)
        done = subprocess.run(
            ["bash", "-euc", load.source], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=20)
    assert done.returncode == 0, done.stderr
    payout_id, status, amount = done.stdout.split()
    assert (status, amount) == ("SUCCESSFUL", "1000.00") and payout_id


# -- the table from the official Python SDK ---------------------------------------------------


def _table_rows(section: str) -> list[tuple[str, str]]:
    text = README.read_text()
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:3] for line in body.splitlines() if line.startswith("| `")]
    return [(left.strip(), right.strip()) for left, right in rows]


def _resolve(target: object, dotted: str) -> object:
    for part in dotted.split("."):
        if part != "*":
            target = getattr(target, part)
    return target


def test_the_official_sdk_table_names_methods_that_exist() -> None:
    client = BlaaizClient(client_id="id", client_secret="secret", base_url="http://127.0.0.1:9")
    rows = _table_rows("From the official Python SDK")
    assert len(rows) >= 25
    resolved = 0
    for left, right in rows:
        for name in re.findall(r"`((?:client|blaaiz_async)\.[\w.*]+)", right):
            if name.startswith("client."):
                _resolve(client, name.removeprefix("client."))
            else:
                module, attr = name.rsplit(".", 1)
                getattr(importlib.import_module(module), attr)
            resolved += 1
        # An official name that exists here must be the same method as ours (an alias).
        official = re.match(r"`(\w+)\.(\w+)\(", left)
        ours = re.match(r"`client\.(\w+)\.(\w+)\(", right)
        if official and ours and official[1] == ours[1]:
            resource = getattr(client, ours[1])
            alias = getattr(type(resource), official[2], None)
            assert alias in (None, getattr(type(resource), ours[2])), left
    assert resolved >= 30


def test_every_official_sdk_method_name_works_here() -> None:
    """The table promises the official names as aliases: each of them, as transcribed in
    tests/data/endpoints.tsv, is a method of ours (its ``signa`` group is ``compliance``)."""
    client = BlaaizClient(client_id="id", client_secret="secret", base_url="http://127.0.0.1:9")
    table = ROOT / "tests" / "data" / "endpoints.tsv"
    names = [
        line.split("\t")[1]
        for line in table.read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert len(names) >= 70
    missing = []
    for name in names:
        group, method = name.split(".")
        resource = getattr(client, "compliance" if group == "signa" else group)
        if not callable(getattr(resource, method, None)):
            missing.append(name)
    assert not missing, missing
