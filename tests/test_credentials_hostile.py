"""Credentials sources fed what a careless or hostile environment gives them: files too
large, too deep, not files at all; callables that return the wrong shape, fail, or hang;
values with stray characters; and every new object and error printed, pickled and taken
apart frame by frame, with no secret anywhere. Against the sandbox, in process or over a
real socket."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pickle
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from blaaiz_async import BlaaizClient
from blaaiz_async.auth import (
    ClientCredentialsProvider,
    CredentialsError,
    EnvCredentials,
    FileCredentials,
    FileTokenStore,
)
from blaaiz_async.auth import provider as provider_module
from blaaiz_async.auth.credentials import CredentialReader, Secret
from blaaiz_async.errors import TokenError
from blaaiz_async.sandbox import Sandbox
from blaaiz_async.transport import HTTPRequest, HTTPResponse, MockTransport

from ._rotation_workers import write_credentials

SECRET_LIKE = "sbxsec_TOPSECRET_value_0123456789"


def locals_of(tb: TracebackType | None) -> list[str]:
    """The repr of every local of every frame from ``tb`` on: what an error report shows."""
    shown: list[str] = []
    while tb is not None:
        shown.extend(repr(value) for value in tb.tb_frame.f_locals.values())
        tb = tb.tb_next
    return shown


def no_secret_in_frames(exc: BaseException) -> None:
    tb = exc.__traceback__
    assert tb is not None
    shown = locals_of(tb.tb_next)  # past the test's own frame
    assert not [text for text in shown if SECRET_LIKE in text]
    assert exc.__cause__ is None and exc.__context__ is None


BAD_RESULTS = [
    (("cid", SECRET_LIKE, "extra"), r"must return \(client_id, client_secret\), got tuple"),
    (["cid", SECRET_LIKE, "extra"], r"must return \(client_id, client_secret\), got list"),
    ({"client_id": "cid", "client_secret": SECRET_LIKE}, "got dict"),
    (SECRET_LIKE, "got str"),
    (None, "got NoneType"),
    (("", SECRET_LIKE), "client_id is missing"),
    (("cid", ""), "client_secret is missing"),
    (("cid", SECRET_LIKE.encode()), "client_secret is missing or not a non-empty string"),
    ((7, SECRET_LIKE), "client_id is missing"),
    (("cid", SECRET_LIKE + "\r\n"), "stray newline"),
    (("cid\r\nX-Injected: 1", SECRET_LIKE), "client_id holds whitespace"),
    (("cid", SECRET_LIKE + "\x00"), "control characters"),
    (("cid", SECRET_LIKE + "\u00a0"), "whitespace"),
]
BAD_IDS = [
    "3-tuple", "3-list", "dict", "str", "none", "empty-id", "empty-secret", "bytes", "int-id",
    "crlf", "header-injection", "nul", "nbsp",
]  # fmt: skip


@pytest.mark.parametrize(("result", "problem"), BAD_RESULTS, ids=BAD_IDS)
def test_a_sync_source_returning_the_wrong_thing_is_refused_at_construction_and_leaves_no_trace(
    result: Any, problem: str
) -> None:
    with pytest.raises(CredentialsError, match=problem) as info:
        BlaaizClient(credentials=lambda: result, base_url="http://127.0.0.1:9")
    assert SECRET_LIKE not in str(info.value) and SECRET_LIKE not in repr(info.value)
    no_secret_in_frames(info.value)


@pytest.mark.parametrize(("result", "problem"), BAD_RESULTS, ids=BAD_IDS)
async def test_an_async_source_returning_the_wrong_thing_is_refused_and_leaves_no_trace(
    result: Any, problem: str
) -> None:
    async def source() -> Any:
        return result

    client = BlaaizClient(credentials=source, base_url="http://127.0.0.1:9")
    try:
        with pytest.raises(CredentialsError, match=problem) as info:
            await client.__aenter__()
    finally:
        await client.aclose()
    assert SECRET_LIKE not in str(info.value)
    no_secret_in_frames(info.value)


def test_a_list_of_two_and_a_unicode_secret_are_taken_as_they_are() -> None:
    secret = SECRET_LIKE + "é密"
    reader = CredentialReader(lambda: ["cid", secret])  # type: ignore[arg-type,return-value]
    reader.read_now()
    assert reader.current == ("cid", Secret(secret))
    assert reader.current is not None and reader.current[1].reveal() == secret


# -- files -------------------------------------------------------------------------------------


def test_a_file_up_to_64_kib_is_read_and_a_larger_one_refused(tmp_path: Path) -> None:
    body = json.dumps({"client_id": "cid", "client_secret": SECRET_LIKE}).encode()
    path = tmp_path / "creds.json"
    path.write_bytes(body + b" " * (64 * 1024 - len(body)))  # exactly the limit, still JSON
    assert FileCredentials(path)() == ("cid", SECRET_LIKE)
    path.write_bytes(body + b" " * (64 * 1024 - len(body) + 1))
    with pytest.raises(CredentialsError, match="larger than 64 KiB") as info:
        FileCredentials(path)()
    no_secret_in_frames(info.value)


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 60_000,
        b'{"client_id": "cid", "client_secret": "' + SECRET_LIKE.encode() + b'", "x": '
        + b"[" * 30_000 + b"]" * 30_000 + b"}",
    ],
    ids=["deep-array", "deep-beside-the-pair"],
)  # fmt: skip
def test_json_nested_deeper_than_the_decoder_goes_is_a_credentials_error(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "creds.json"
    path.write_bytes(content)
    with pytest.raises(CredentialsError, match="not complete JSON") as info:
        FileCredentials(path)()
    no_secret_in_frames(info.value)


@pytest.mark.parametrize(
    "content",
    [
        os.urandom(256),
        b"\xff\xfe" + os.urandom(64),
        json.dumps({"client_id": {"id": "cid"}, "client_secret": SECRET_LIKE}).encode(),
        json.dumps({"client_id": "cid", "client_secret": [SECRET_LIKE]}).encode(),
        json.dumps({"client_id": "cid", "client_secret": None}).encode(),
        json.dumps({"client_id": "cid", "client_secret": True}).encode(),
        json.dumps({"client_id": "", "client_secret": ""}).encode(),
        b'{"client_id": "cid", "client_secret": NaN}',
        b'{"client_id": "cid", "client_secret": "' + SECRET_LIKE.encode() + b'\\ud800"}',
        json.dumps({"client_id": "cid", "client_secret": SECRET_LIKE}).encode() + b"garbage",
        json.dumps(SECRET_LIKE).encode(),
        b"null",
    ],
    ids=[
        "binary", "utf16-bom-garbage", "nested-id", "list-secret", "null-secret", "bool-secret",
        "empty-strings", "nan", "lone-surrogate", "trailing-garbage", "a-string", "null",
    ],
)  # fmt: skip
def test_files_of_the_wrong_shape_are_refused_without_quoting_them(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "creds.json"
    path.write_bytes(content)
    with pytest.raises(CredentialsError) as info:
        FileCredentials(path)()
    assert str(path) in str(info.value) and SECRET_LIKE[:10] not in str(info.value)
    no_secret_in_frames(info.value)


def test_a_utf8_bom_and_a_symlinked_file_are_read(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_bytes(
        b"\xef\xbb\xbf" + json.dumps({"client_id": "cid", "client_secret": "s"}).encode()
    )
    link = tmp_path / "link.json"
    link.symlink_to(target)  # how a Kubernetes secret volume presents its files
    assert FileCredentials(link)() == ("cid", "s")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_or_a_device_is_refused_instead_of_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "creds.json"
    os.mkfifo(fifo)
    with pytest.raises(CredentialsError, match="not a regular file"):
        FileCredentials(fifo)()  # before: open() waited for a writer, for ever
    device = tmp_path / "zero.json"
    device.symlink_to("/dev/zero")
    with pytest.raises(CredentialsError, match="not a regular file"):
        FileCredentials(device)()
    with pytest.raises(CredentialsError, match=r"not a regular file|cannot be read"):
        FileCredentials(tmp_path)()


def test_a_file_replaced_while_in_use_is_read_whole_each_time(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    write_credentials(path, "cid", "first_secret")
    source = FileCredentials(path)
    assert source() == ("cid", "first_secret")
    write_credentials(path, "other-cid", "second_secret")  # renamed over the old one
    assert source() == ("other-cid", "second_secret")
    path.write_text('{"client_id": "cid", "client_se')  # caught mid-write
    with pytest.raises(CredentialsError, match="not complete JSON"):
        source()


# -- the environment ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cid", "secret", "problem"),
    [
        ("cid", SECRET_LIKE + "\n", "client_secret holds whitespace"),
        ("c id", SECRET_LIKE, "client_id holds whitespace"),
        ("cid", " " + SECRET_LIKE, "client_secret holds whitespace"),
        ("", SECRET_LIKE, "MY_ID not set"),
        ("cid", "", "MY_SECRET not set"),
    ],
    ids=["newline", "space-in-id", "leading-space", "empty-id", "empty-secret"],
)
def test_env_values_with_stray_characters_or_empty_are_refused(
    monkeypatch: pytest.MonkeyPatch, cid: str, secret: str, problem: str
) -> None:
    monkeypatch.setenv("MY_ID", cid)
    monkeypatch.setenv("MY_SECRET", secret)
    with pytest.raises(CredentialsError, match=problem) as info:
        EnvCredentials("MY_ID", "MY_SECRET")()
    assert SECRET_LIKE not in str(info.value)


# -- printed, pickled -------------------------------------------------------------------------


def test_no_secret_in_the_repr_str_or_pickle_of_any_new_object_or_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = Secret(SECRET_LIKE)
    assert repr(secret) == str(secret) == "'***'" and f"{secret}" == "'***'"
    assert repr((("cid", secret),)) == "(('cid', '***'),)"
    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(secret)
    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(("cid", secret))

    path = tmp_path / "creds.json"
    write_credentials(path, "cid", SECRET_LIKE)
    monkeypatch.setenv("BLAAIZ_CLIENT_ID", "cid")
    monkeypatch.setenv("BLAAIZ_CLIENT_SECRET", SECRET_LIKE)
    for source in (FileCredentials(path), EnvCredentials()):
        assert SECRET_LIKE not in repr(source) + str(source)
        assert SECRET_LIKE.encode() not in pickle.dumps(source)
        assert repr(pickle.loads(pickle.dumps(source))) == repr(source)
        reader = CredentialReader(source)
        reader.read_now()
        assert SECRET_LIKE not in repr(reader) + repr(reader.current) + str(reader.current)
        provider = ClientCredentialsProvider(
            credentials=source, base_url="http://127.0.0.1:9", scopes=frozenset()
        )
        assert SECRET_LIKE not in repr(provider) + provider.cache_key
        with pytest.raises(TypeError):
            pickle.dumps(provider)

    error = CredentialsError("credentials source x: client_secret is missing")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is CredentialsError and str(copy) == str(error)
    assert copy.retryable is False


# -- refused secrets, unchanged sources -----------------------------------------------------------


async def test_an_unchanged_source_after_a_refusal_is_not_taken_for_a_rotation(
    tmp_path: Path,
    sandbox: Sandbox,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No negative cache here: every call goes to the token endpoint, so each one can be
    # counted (the cache has its own test).
    monkeypatch.setattr(provider_module, "NEGATIVE_CACHE_SECONDS", 0.0)
    cid, _ = sandbox.add_client()
    creds = tmp_path / "creds.json"
    write_credentials(creds, cid, "sbxsec_wrong_and_stays_wrong")
    caplog.set_level(logging.INFO, logger="blaaiz_async")
    async with BlaaizClient(
        credentials=FileCredentials(creds), base_url=sandbox.url, rate_limit=None,
        transport=sandbox.transport(),
    ) as client:  # fmt: skip
        for calls in range(1, 4):
            with pytest.raises(TokenError) as info:
                await client.wallets.list()
            assert info.value.error == "invalid_client"
            # one token request per call: the same credentials are not sent twice in a row
            assert sandbox.count("oauth.token", 401) == calls
    said = [r.getMessage() for r in caplog.records]
    assert not [m for m in said if "read new credentials" in m], said


async def test_a_secret_echoed_by_the_token_endpoint_is_masked_in_the_error(
    tmp_path: Path,
) -> None:
    def endpoint(request: HTTPRequest) -> HTTPResponse:
        form = bytes(request.body).decode()  # type: ignore[arg-type]
        body = {"error": "invalid_client", "error_description": f"bad client: {form}"}
        return HTTPResponse(401, {}, json.dumps(body).encode())

    creds = tmp_path / "creds.json"
    write_credentials(creds, "cid", SECRET_LIKE)
    async with BlaaizClient(
        credentials=FileCredentials(creds), base_url="https://api.test",
        transport=MockTransport(endpoint), rate_limit=None,
    ) as client:  # fmt: skip
        with pytest.raises(TokenError) as info:
            await client.wallets.list()
    assert info.value.error == "invalid_client"
    assert "bad client" in str(info.value) and SECRET_LIKE not in str(info.value)
    assert SECRET_LIKE not in repr(info.value)


# -- sources that fail or hang ------------------------------------------------------------------


async def test_an_async_source_that_keeps_failing_is_read_once_per_negative_cache_window(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A window longer than the test: every call below falls in the first one.
    monkeypatch.setattr(provider_module, "NEGATIVE_CACHE_SECONDS", 3600.0)
    reads = 0

    async def vault() -> tuple[str, str]:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0)
        raise OSError(f"vault unreachable; token {SECRET_LIKE}")

    # The default rate limit: its gate reads the source before any token is asked for.
    client = BlaaizClient(credentials=vault, base_url=sandbox.url, transport=sandbox.transport())
    try:
        outcomes = await asyncio.gather(
            *(client.wallets.list() for _ in range(50)), return_exceptions=True
        )
        for _ in range(20):
            with pytest.raises(CredentialsError):
                await client.wallets.list()
    finally:
        await client.aclose()
    assert all(isinstance(o, CredentialsError) for o in outcomes)
    assert all(SECRET_LIKE not in str(o) for o in outcomes)
    assert reads == 1  # before: one read of the secrets manager per call
    assert sandbox.count("oauth.token") == 0


async def test_a_hung_async_source_fails_the_call_instead_of_holding_it(sandbox: Sandbox) -> None:
    never = asyncio.Event()

    async def vault() -> tuple[str, str]:
        await never.wait()
        raise AssertionError("unreachable")

    client = BlaaizClient(
        credentials=vault, base_url=sandbox.url, transport=sandbox.transport(), timeout=0.3
    )
    try:
        # wait_for only turns a regression into a failure instead of a hang
        with pytest.raises(CredentialsError, match=r"did not answer within 0\.3 s"):
            await asyncio.wait_for(client.wallets.list(), 60)
    finally:
        await client.aclose()


async def test_a_sync_source_that_hangs_on_a_re_read_keeps_the_old_credentials(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    cid, secret = sandbox.add_client()
    release = threading.Event()
    reads = 0

    def vault() -> tuple[str, str]:
        nonlocal reads
        reads += 1
        if reads > 1:
            release.wait(60)  # a secrets manager that does not answer
        return cid, secret

    caplog.set_level(logging.WARNING, logger="blaaiz_async")
    try:
        async with BlaaizClient(
            credentials=vault, base_url=sandbox.url, transport=sandbox.transport(),
            rate_limit=None, timeout=0.3,
        ) as client:  # fmt: skip
            assert await client.wallets.list()
            sandbox.rotate_secret(cid)
            with pytest.raises(TokenError) as info:
                await asyncio.wait_for(client.wallets.list(), 60)
            assert info.value.error == "invalid_client"  # the old secret, still refused
    finally:
        release.set()
    said = "\n".join(r.getMessage() for r in caplog.records)
    assert "did not answer" in said and "keeping the current ones" in said


# -- rotations --------------------------------------------------------------------------------


async def test_rotation_to_another_client_id_drops_the_old_clients_token_and_works(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    old_cid, old_secret = sandbox.add_client()
    new_cid, new_secret = sandbox.add_client()
    creds = tmp_path / "creds.json"
    store_path = tmp_path / "tokens" / "t.json"
    write_credentials(creds, old_cid, old_secret)
    async with BlaaizClient(
        credentials=FileCredentials(creds), base_url=sandbox.url, rate_limit=None,
        token_store=FileTokenStore(store_path), transport=sandbox.transport(),
    ) as client:  # fmt: skip
        assert await client.wallets.list()
        provider = client.token_provider
        assert isinstance(provider, ClientCredentialsProvider)
        old_key, old_token = provider.cache_key, await provider.get_token()
        write_credentials(creds, new_cid, new_secret)
        sandbox.rotate_secret(old_cid)  # the old credential: refused, its tokens revoked
        assert await client.wallets.list()
        assert provider.client_id == new_cid and provider.cache_key != old_key
        assert "client:" + old_cid not in provider.cache_key
        stored = json.loads(store_path.read_text())
        assert old_key not in stored and old_token.value not in json.dumps(stored)
        assert provider.cache_key in stored
        assert new_cid in repr(client) and new_secret not in repr(client)


async def test_two_rotations_in_quick_succession_end_on_the_last_secret(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_module, "NEGATIVE_CACHE_SECONDS", 0.0)
    cid, first = sandbox.add_client()
    creds = tmp_path / "creds.json"
    write_credentials(creds, cid, first)
    async with BlaaizClient(
        credentials=FileCredentials(creds), base_url=sandbox.url, rate_limit=None,
        transport=sandbox.transport(),
    ) as client:  # fmt: skip
        assert await client.wallets.list()
        second = sandbox.rotate_secret(cid)
        write_credentials(creds, cid, second)
        third = sandbox.rotate_secret(cid)  # rotated again before anyone used the second
        with pytest.raises(TokenError) as info:  # the file still has the second one
            await client.wallets.list()
        assert info.value.error == "invalid_client"
        write_credentials(creds, cid, third)
        assert await client.wallets.list()
        assert sandbox.count("oauth.token", 401) == 2  # the first secret once, the second once


async def test_after_recovery_the_source_is_not_read_again_for_every_token(
    sandbox: Sandbox,
) -> None:
    cid, old = sandbox.add_client()
    secret = {"value": old}
    reads = 0

    def vault() -> tuple[str, str]:
        nonlocal reads
        reads += 1
        return cid, secret["value"]

    async with BlaaizClient(
        credentials=vault, base_url=sandbox.url, rate_limit=None, transport=sandbox.transport()
    ) as client:
        assert await client.wallets.list()
        secret["value"] = sandbox.rotate_secret(cid)
        assert await client.wallets.list()  # refused, read again, recovered
        assert reads == 2
        provider = client.token_provider
        assert isinstance(provider, ClientCredentialsProvider)
        for _ in range(3):  # three more tokens, each one asked for with the new secret
            await provider.invalidate(await provider.get_token())
            assert await client.wallets.list()
    assert reads == 2
    assert sandbox.count("oauth.token", 401) == 1


async def test_a_rotated_secret_and_refused_default_scopes_in_the_very_first_token_request(
    tmp_path: Path,
) -> None:
    async with Sandbox(strict_scopes=True) as sb:
        cid, old = sb.add_client("read-only")
        creds = tmp_path / "creds.json"
        write_credentials(creds, cid, old)
        client = BlaaizClient(
            credentials=FileCredentials(creds), base_url=sb.url, transport=sb.transport(),
            rate_limit=None,
        )  # fmt: skip
        try:
            write_credentials(creds, cid, sb.rotate_secret(cid))  # before the first call
            assert await client.wallets.list()  # invalid_client, re-read, invalid_scope, ok
        finally:
            await client.aclose()
        assert sb.count("oauth.token", 401) == 1 and sb.count("oauth.token", 400) == 1


async def test_an_async_source_without_a_rate_limit_or_async_with_is_read_by_the_first_call(
    sandbox: Sandbox,
) -> None:
    cid, secret = sandbox.add_client()

    async def vault() -> tuple[str, str]:
        return cid, secret

    client = BlaaizClient(
        credentials=vault, base_url=sandbox.url, rate_limit=None, transport=sandbox.transport()
    )
    try:
        assert await client.wallets.list()
    finally:
        await client.aclose()


async def test_an_async_source_spends_the_same_rate_budget_as_a_sync_one_of_its_client(
    sandbox: Sandbox,
) -> None:
    cid, secret = sandbox.add_client()

    async def vault() -> tuple[str, str]:
        return cid, secret

    sync = BlaaizClient(credentials=lambda: (cid, secret), base_url=sandbox.url,
                        transport=sandbox.transport())  # fmt: skip
    late = BlaaizClient(credentials=vault, base_url=sandbox.url, transport=sandbox.transport())
    try:
        assert await sync.wallets.list() and await late.wallets.list()
        # The gate of each names the account by its client id (hashed), not by its kind.
        assert repr(sync._pipeline.gate) in repr(late._pipeline.gate)
    finally:
        await sync.aclose()
        await late.aclose()


async def test_a_grace_rotation_to_another_client_drops_the_old_clients_shared_token(
    tmp_path: Path,
) -> None:
    """The dashboard may refuse the old secret while its tokens stay valid for a while: the
    token found refused at a proactive refresh is dropped from the shared store too."""
    async with Sandbox(token_ttl=4.0) as sb:
        old_cid, old_secret = sb.add_client()
        new_cid, new_secret = sb.add_client()
        creds = tmp_path / "creds.json"
        store_path = tmp_path / "tokens" / "t.json"
        write_credentials(creds, old_cid, old_secret)
        async with BlaaizClient(
            credentials=FileCredentials(creds), base_url=sb.url, rate_limit=None,
            token_store=FileTokenStore(store_path), transport=sb.transport(),
        ) as client:  # fmt: skip
            provider = client.token_provider
            assert isinstance(provider, ClientCredentialsProvider)
            first = await provider.get_token()
            old_key = provider.cache_key
            assert old_key in json.loads(store_path.read_text())
            sb.state.credentials[old_cid].client_secret = "sbxsec_replaced"  # tokens kept
            write_credentials(creds, new_cid, new_secret)
            while not first.needs_refresh():
                await asyncio.sleep(0.05)
            assert await client.wallets.list()  # served by the old token; a refresh starts
            while provider.client_id != new_cid or provider.cache_key not in json.loads(
                store_path.read_text()
            ):
                await asyncio.sleep(0.05)
        stored = json.loads(store_path.read_text())
        assert old_key not in stored and first.value not in json.dumps(stored)


async def test_a_hung_sync_source_occupies_one_worker_thread_not_one_per_refusal(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_module, "NEGATIVE_CACHE_SECONDS", 0.0)
    cid, secret = sandbox.add_client()
    release = threading.Event()
    reads = 0

    def vault() -> tuple[str, str]:
        nonlocal reads
        reads += 1
        if reads > 1:
            release.wait(60)
        return cid, secret

    try:
        async with BlaaizClient(
            credentials=vault, base_url=sandbox.url, transport=sandbox.transport(),
            rate_limit=None, timeout=0.3,
        ) as client:  # fmt: skip
            assert await client.wallets.list()
            sandbox.rotate_secret(cid)
            for _ in range(4):  # each refused: the first re-read hangs, the others wait on it
                with pytest.raises(TokenError):
                    await asyncio.wait_for(client.wallets.list(), 60)
            assert reads == 2  # before: one more hung thread per refusal
    finally:
        release.set()


async def test_a_refusal_reads_the_source_once_even_when_it_gave_another_refused_secret(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_module, "NEGATIVE_CACHE_SECONDS", 0.0)
    cid, first = sandbox.add_client()
    answers = [first]
    reads = 0

    def vault() -> tuple[str, str]:
        nonlocal reads
        reads += 1
        return cid, answers[-1]

    async with BlaaizClient(
        credentials=vault, base_url=sandbox.url, rate_limit=None, transport=sandbox.transport()
    ) as client:
        assert await client.wallets.list()
        sandbox.rotate_secret(cid)
        answers.append("sbxsec_also_wrong")  # the vault has a new secret, not the right one
        with pytest.raises(TokenError):
            await client.wallets.list()  # refused, read (new), refused again: one read
        assert reads == 2
        assert sandbox.count("oauth.token", 401) == 2


async def test_a_rotation_to_another_client_spends_the_new_clients_budget(
    tmp_path: Path,
) -> None:
    """The account budget is named by the client id: after a rotation that brings another
    one, calls spend that client's budget, as a process started with it does."""
    async with Sandbox() as sb:
        old_cid, old_secret = sb.add_client()
        new_cid, new_secret = sb.add_client()
        creds = tmp_path / "creds.json"
        write_credentials(creds, old_cid, old_secret)
        rotating = BlaaizClient(
            credentials=FileCredentials(creds), base_url=sb.url, transport=sb.transport()
        )
        started_new = BlaaizClient(
            client_id=new_cid, client_secret=new_secret, base_url=sb.url, transport=sb.transport()
        )
        try:
            assert await rotating.wallets.list() and await started_new.wallets.list()
            before = repr(rotating._pipeline.gate)
            assert repr(started_new._pipeline.gate) not in before
            write_credentials(creds, new_cid, new_secret)
            sb.state.credentials[old_cid].client_secret = "sbxsec_revoked"
            sb.revoke_all_tokens()
            assert await rotating.wallets.list()  # a 401, invalid_client, the new id read
            assert await rotating.wallets.list()  # admitted by the new id's budget
            assert rotating.token_provider is not None
            assert rotating.token_provider.client_id == new_cid  # type: ignore[attr-defined]
            assert repr(started_new._pipeline.gate) in repr(rotating._pipeline.gate)
        finally:
            await rotating.aclose()
            await started_new.aclose()
