"""Credentials sources (``credentials=``): reading, re-reading on ``invalid_client``, a file
caught mid-write, callables sync and async, and no secret in any message, log, repr or key.
One process against the sandbox on a real socket; the fleet is in
test_credentials_rotation_fleet.py."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

import pytest

from blaaiz_async import BlaaizClient, ConfigurationError
from blaaiz_async.auth import (
    ClientCredentialsProvider,
    CredentialsError,
    EnvCredentials,
    FileCredentials,
    FileTokenStore,
)
from blaaiz_async.errors import TokenError
from blaaiz_async.sandbox import Sandbox

from ._rotation_workers import write_credentials

SECRET_LIKE = "sbxsec_TOPSECRET_value_0123456789"


def provider_of(client: BlaaizClient) -> ClientCredentialsProvider:
    provider = client.token_provider
    assert isinstance(provider, ClientCredentialsProvider)
    return provider


# -- the sources on their own -------------------------------------------------------------


def test_file_credentials_read_the_pair(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    write_credentials(path, "cid", SECRET_LIKE)
    source = FileCredentials(path)
    assert source() == ("cid", SECRET_LIKE)
    assert repr(source) == f"FileCredentials(path={str(path)!r})"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "does not exist"),
        (b"", "not complete JSON"),
        (b'{"client_id": "cid", "client_secret": "' + SECRET_LIKE[:12].encode(), "not complete"),
        (b'["cid", "' + SECRET_LIKE.encode() + b'"]', "JSON object"),
        (json.dumps({"client_secret": SECRET_LIKE}).encode(), "client_id is missing"),
        (json.dumps({"client_id": "cid"}).encode(), "client_secret is missing"),
        (json.dumps({"client_id": "cid", "client_secret": SECRET_LIKE + "\n"}).encode(), "stray"),
        (json.dumps({"client_id": "cid", "client_secret": 42}).encode(), "client_secret is"),
    ],
    ids=["missing", "empty", "half-written", "array", "no-id", "no-secret", "newline", "number"],
)
def test_a_bad_file_is_a_credentials_error_that_quotes_nothing_of_it(
    tmp_path: Path, content: bytes | None, problem: str
) -> None:
    path = tmp_path / "creds.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CredentialsError, match=problem) as info:
        FileCredentials(path)()
    assert isinstance(info.value, ConfigurationError)
    assert SECRET_LIKE[:8] not in str(info.value)
    # Nothing of the file in the frames an error report would show either.
    frames = []
    tb = info.value.__traceback__.tb_next  # past this test's own frame
    while tb is not None:
        frames.append(tb.tb_frame.f_locals)
        tb = tb.tb_next
    assert not any(SECRET_LIKE[:12] in repr(v) for f in frames for v in f.values())


def test_env_credentials_read_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_ID", "cid")
    monkeypatch.setenv("MY_SECRET", SECRET_LIKE)
    assert EnvCredentials("MY_ID", "MY_SECRET")() == ("cid", SECRET_LIKE)
    monkeypatch.setenv("BLAAIZ_CLIENT_ID", "default-id")
    monkeypatch.setenv("BLAAIZ_CLIENT_SECRET", SECRET_LIKE)
    assert EnvCredentials()() == ("default-id", SECRET_LIKE)
    monkeypatch.delenv("MY_SECRET")
    with pytest.raises(CredentialsError, match="MY_SECRET not set"):
        EnvCredentials("MY_ID", "MY_SECRET")()


# -- at start ------------------------------------------------------------------------------


def test_a_bad_source_is_a_configuration_error_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        BlaaizClient(
            credentials=FileCredentials(tmp_path / "nope.json"), base_url="http://127.0.0.1:1"
        )
    with pytest.raises(ConfigurationError, match="raised RuntimeError") as info:
        BlaaizClient(credentials=_raising, base_url="http://127.0.0.1:1")
    assert SECRET_LIKE not in str(info.value) and info.value.__cause__ is None
    with pytest.raises(ConfigurationError, match=r"must return \(client_id, client_secret\)"):
        BlaaizClient(credentials=lambda: SECRET_LIKE, base_url="http://127.0.0.1:1")  # type: ignore[arg-type,return-value]


def _raising() -> tuple[str, str]:
    raise RuntimeError(f"vault said no for {SECRET_LIKE}")


def test_credentials_conflicting_with_other_arguments_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    write_credentials(path, "cid", SECRET_LIKE)
    with pytest.raises(ConfigurationError, match="client_secret would be ignored"):
        BlaaizClient(credentials=FileCredentials(path), client_secret="x")
    with pytest.raises(ConfigurationError, match="credentials"):

        class Provider:
            async def get_token(self) -> object: ...
            async def invalidate(self, token: object) -> None: ...
            async def aclose(self) -> None: ...

        BlaaizClient(credentials=FileCredentials(path), token_provider=Provider())  # type: ignore[arg-type]


async def test_a_file_source_works_and_shows_no_secret(tmp_path: Path, sandbox: Sandbox) -> None:
    cid, secret = sandbox.add_client()
    path = tmp_path / "creds.json"
    write_credentials(path, cid, secret)
    async with BlaaizClient(
        credentials=FileCredentials(path), base_url=sandbox.url, rate_limit=None
    ) as client:
        assert await client.wallets.list()
        provider = provider_of(client)
        for text in (repr(client), repr(provider), provider.cache_key):
            assert secret not in text
        assert cid in repr(client)


async def test_an_async_source_is_read_at_start(
    sandbox: Sandbox,
) -> None:
    cid, secret = sandbox.add_client()
    reads: list[str] = []

    async def from_vault() -> tuple[str, str]:
        await asyncio.sleep(0)
        reads.append("async")
        return cid, secret

    client = BlaaizClient(credentials=from_vault, base_url=sandbox.url)
    assert reads == [] and provider_of(client).client_id is None
    async with client:
        assert reads == ["async"] and provider_of(client).client_id == cid
        assert await client.wallets.list()  # with the default rate budget, named by cid
    assert reads == ["async"]

    async def broken() -> tuple[str, str]:
        raise OSError(f"timeout talking to vault with {SECRET_LIKE}")

    with pytest.raises(ConfigurationError, match="raised OSError") as info:
        async with BlaaizClient(credentials=broken, base_url=sandbox.url):
            pass
    assert SECRET_LIKE not in str(info.value)


async def test_an_async_source_never_entered_is_read_by_the_first_call(sandbox: Sandbox) -> None:
    cid, secret = sandbox.add_client()

    async def from_vault() -> tuple[str, str]:
        return cid, secret

    client = BlaaizClient(credentials=from_vault, base_url=sandbox.url)
    try:
        assert await client.wallets.list()
        assert provider_of(client).client_id == cid
    finally:
        await client.aclose()


# -- rotation ------------------------------------------------------------------------------


async def test_a_sync_callable_is_read_at_construction_and_again_in_a_thread(
    sandbox: Sandbox,
) -> None:
    import threading

    cid, old = sandbox.add_client()
    secret = {"value": old}
    threads: list[str] = []

    def from_vault() -> tuple[str, str]:
        threads.append(threading.current_thread().name)
        return cid, secret["value"]

    main = threading.current_thread().name
    async with BlaaizClient(credentials=from_vault, base_url=sandbox.url, rate_limit=None) as c:
        assert threads == [main]  # read by the constructor
        assert await c.wallets.list()
        secret["value"] = sandbox.rotate_secret(cid)
        assert await c.wallets.list()  # 401, invalid_client, read again, new token, resent
    assert len(threads) == 2 and threads[1] != main  # the re-read ran off the event loop
    assert sandbox.count("oauth.token", 401) == 1


async def test_rotation_then_file_update_recovers_and_drops_the_old_token(
    tmp_path: Path, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    cid, old = sandbox.add_client()
    creds = tmp_path / "creds.json"
    store_path = tmp_path / "tokens" / "t.json"
    write_credentials(creds, cid, old)
    caplog.set_level(logging.DEBUG)
    async with BlaaizClient(
        credentials=FileCredentials(creds),
        base_url=sandbox.url,
        token_store=FileTokenStore(store_path),
        rate_limit=None,
    ) as client:
        await client.wallets.list()
        provider = provider_of(client)
        old_token = await provider.get_token()
        new = sandbox.rotate_secret(cid)
        with pytest.raises(TokenError) as info:
            await client.wallets.list()
        assert info.value.error == "invalid_client"
        # Half-written: the old credentials are kept, and the call fails as before.
        creds.write_text('{"client_id": "' + cid + '", "client_secret": "' + new[:10])
        await asyncio.sleep(1.05)  # past the negative cache
        with pytest.raises(TokenError) as info:
            await client.wallets.list()
        assert info.value.error == "invalid_client"
        write_credentials(creds, cid, new)
        await asyncio.sleep(1.05)
        assert await client.wallets.list()
        assert (await provider.get_token()).value != old_token.value
        stored = json.loads(store_path.read_text())
        assert old_token.value not in json.dumps(stored)
        for key, entry in stored.items():
            assert old not in key + json.dumps(entry) and new not in key + json.dumps(entry)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "keeping the current ones" in text and "read new credentials" in text
    assert old not in text and new not in text and new[:10] not in text


async def test_a_call_in_flight_when_the_secret_rotates_succeeds_if_the_file_has_the_new_one(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    cid, old = sandbox.add_client()
    creds = tmp_path / "creds.json"
    write_credentials(creds, cid, old)
    async with BlaaizClient(
        credentials=FileCredentials(creds), base_url=sandbox.url, rate_limit=None
    ) as client:
        await client.wallets.list()
        new = "sbxsec_next_" + os.urandom(6).hex()
        write_credentials(creds, cid, new)
        sandbox.set_latency(0.3, "wallets.list")
        in_flight = asyncio.ensure_future(client.wallets.list())
        await asyncio.sleep(0.1)  # the request has reached the sandbox
        sandbox.rotate_secret(cid, client_secret=new)
        assert await in_flight  # 401 on the revoked token, then the new secret, resent once
        assert sandbox.count("oauth.token", 401) == 1
        assert sandbox.count("oauth.token", 200) == 2


async def test_a_refused_secret_costs_about_one_token_request_a_second(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    cid, _ = sandbox.add_client()
    creds = tmp_path / "creds.json"
    write_credentials(creds, cid, "sbxsec_wrong_one")
    async with BlaaizClient(
        credentials=FileCredentials(creds), base_url=sandbox.url, rate_limit=None
    ) as client:
        failed = 0

        async def hammer() -> None:
            nonlocal failed
            loop = asyncio.get_running_loop()
            end = loop.time() + 2.5
            while loop.time() < end:
                try:
                    await client.wallets.list()
                except TokenError:
                    failed += 1
                await asyncio.sleep(0.01)

        await asyncio.gather(*(hammer() for _ in range(50)))
    assert failed > 1000
    assert 2 <= sandbox.count("oauth.token", 401) <= 4  # 2.5 s: one now, then one a second


# -- scopes left unspecified ----------------------------------------------------------------


async def test_default_scopes_refused_are_asked_again_without_scope_and_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with Sandbox(strict_scopes=True, token_ttl=1.0) as sb:
        cid, secret = sb.add_client("read-only")
        caplog.set_level(logging.INFO, logger="blaaiz_async")
        async with BlaaizClient(
            client_id=cid, client_secret=secret, base_url=sb.url, rate_limit=None
        ) as client:
            for _ in range(3):  # three tokens: the 1 s ones expire in between
                assert await client.wallets.list()
                await asyncio.sleep(1.0)
            token = await provider_of(client).get_token()
            from blaaiz_async import ScopeBundle

            assert token.scopes == ScopeBundle.READ_ONLY.scopes  # what the answer granted
        assert sb.count("oauth.token", 400) == 1  # the default set asked for once
        assert sb.count("oauth.token", 200) >= 3
    said = [r for r in caplog.records if "refused the default scopes" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING


async def test_scopes_asked_for_by_name_that_are_refused_stay_an_error() -> None:
    async with Sandbox(strict_scopes=True) as sb:
        cid, secret = sb.add_client("read-only")
        async with BlaaizClient(
            client_id=cid, client_secret=secret, base_url=sb.url, scopes="payouts", rate_limit=None
        ) as client:
            with pytest.raises(TokenError) as info:
                await client.fees.breakdown(
                    from_currency_id="NGN", to_currency_id="NGN", from_amount="1000.00"
                )
        assert info.value.error == "invalid_scope"
        assert sb.count("oauth.token", 400) == 1
        assert sb.count("oauth.token", 200) == 0


# -- the sandbox's rotation -------------------------------------------------------------------


def test_the_sandbox_rotation_revokes_the_old_secret_and_its_tokens() -> None:
    from blaaiz_async.sandbox import SandboxState

    state = SandboxState()
    cid, old = state.add_client()
    other, other_secret = state.add_client()
    form = {"grant_type": "client_credentials", "client_id": cid, "client_secret": old}
    assert state.issue_token(form)[0] == 200
    kept = state.issue_token({**form, "client_id": other, "client_secret": other_secret})[1]
    new = state.rotate_secret(cid)
    assert new != old
    assert state.issue_token(form)[0] == 401
    assert state.issue_token({**form, "client_secret": new})[0] == 200
    assert [t.client_id for t in state.tokens.values()].count(cid) == 1  # the old one: gone
    assert kept["access_token"] in state.tokens  # another credential's token stays
    with pytest.raises(KeyError):
        state.rotate_secret("nobody")
