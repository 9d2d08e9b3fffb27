"""A token store that cannot work at all is refused when the client is built, instead of
every process flapping between "unavailable" and "is back" in its log; one that breaks
later still degrades to a per-process token."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from blaaiz_async import BlaaizClient, ConfigurationError
from blaaiz_async.auth import FileTokenStore
from blaaiz_async.auth.stores.redis import RedisTokenStore
from blaaiz_async.sandbox import Sandbox


def client_on(store: object) -> BlaaizClient:
    return BlaaizClient(
        client_id="cid", client_secret="sbxsec_never_shown", base_url="http://127.0.0.1:9",
        token_store=store,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_folder_that_cannot_be_created_is_refused_at_construction(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigurationError, match="cannot be created") as info:
        client_on(FileTokenStore(blocker / "deeper" / "tokens.json"))
    assert "sbxsec" not in str(info.value)
    assert not (blocker.parent / "deeper").exists()


def test_a_token_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is a folder"):
        client_on(FileTokenStore(tmp_path))


def test_a_planted_symlink_at_start_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "tokens"
    folder.mkdir(mode=0o700)
    (folder / "t.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(ConfigurationError, match="symbolic link"):
        client_on(FileTokenStore(folder / "t.json"))


def test_a_folder_still_to_be_made_is_fine_and_nothing_is_created_yet(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "tokens.json"
    client_on(FileTokenStore(path))
    assert not (tmp_path / "not").exists()


@pytest.mark.parametrize(
    "url",
    ["not-a-url", "redis:/host", "redis://", "redis://host:notaport", "redis://h:6379/abc",
     "http://host:6379"],
)  # fmt: skip
def test_a_malformed_redis_url_is_refused_when_the_store_is_made(url: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid Redis URL"):
        RedisTokenStore.from_url(url)


def test_a_redis_url_with_a_password_is_not_quoted_in_the_refusal() -> None:
    with pytest.raises(ConfigurationError) as info:
        RedisTokenStore.from_url("redis://user:hunter2pass@host:6379/notadb")
    assert "hunter2pass" not in str(info.value)


async def test_a_store_that_breaks_after_start_still_degrades_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "tokens"
    async with Sandbox(token_ttl=2.0) as sb:
        cid, secret = sb.add_client()
        async with BlaaizClient(
            client_id=cid, client_secret=secret, base_url=sb.url, rate_limit=None,
            token_store=FileTokenStore(folder / "t.json"),
        ) as client:  # fmt: skip
            assert await client.wallets.list()
            folder.chmod(0o777)  # now others could swap the file: the store refuses it
            with caplog.at_level(logging.WARNING, logger="blaaiz_async.auth"):
                provider = client.token_provider
                assert provider is not None
                await provider.invalidate(await provider.get_token())
                assert await client.wallets.list()  # a per-process token
            folder.chmod(0o700)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unavailable" in warnings[0], warnings


@pytest.mark.parametrize(
    "url",
    ["redis://user:hunter2/x@host:6379/0", "redis://user:hun/ter2@host:6379/0",
     "redis://user:hun?ter2@host:6379/0", "redis://user:hun#ter2@host:6379/0",
     "redis://:hunter2/x@host:6379/0", "redis://us/er:hunter2@host:6379/0"],
)  # fmt: skip
def test_a_password_with_an_unencoded_reserved_character_is_not_quoted_either(url: str) -> None:
    # The parser ends the host part at the / ? or #, so part of the password becomes the
    # "port" it complains about, or the database path.
    with pytest.raises(ConfigurationError, match="percent-encode") as info:
        RedisTokenStore.from_url(url)
    for piece in ("hunter2", "hun", "ter2"):
        assert piece not in str(info.value), str(info.value)


def test_a_valid_url_with_an_encoded_password_is_shown_redacted() -> None:
    store = RedisTokenStore.from_url("redis://user:hun%2Fter2@host:6379/0")
    assert "hun" not in repr(store) and "ter2" not in repr(store)


def test_an_ancestor_that_is_a_file_is_named_as_such(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    blocker.chmod(0o755)  # executable and writable: only its kind is wrong
    with pytest.raises(ConfigurationError, match="is not a folder"):
        client_on(FileTokenStore(blocker / "deeper" / "tokens.json"))


def test_a_folder_others_can_write_is_refused_at_start(tmp_path: Path) -> None:
    folder = tmp_path / "tokens"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(ConfigurationError, match="writable by group or others"):
        client_on(FileTokenStore(folder / "t.json"))


@pytest.mark.skipif(
    not os.path.isdir("/proc/sys") or os.access("/proc/sys", os.W_OK),
    reason="needs a folder this process cannot write, even as root",
)
def test_a_folder_this_process_cannot_write_is_refused_at_start() -> None:
    with pytest.raises(ConfigurationError, match="not writable by this process"):
        client_on(FileTokenStore("/proc/sys/blaaiz-test/tokens.json"))
