"""``blaaiz-async`` as a newcomer meets it: subprocesses in a folder of their own, with no
BLAAIZ_* settings but those a test gives. Each failure exits non-zero in a few lines and
never with a traceback."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from blaaiz_async import BlaaizClient
from tests.cli_support import CLI, clean_env, run_cli, table_row

COMMANDS = [
    [],
    ["demo"],
    ["sandbox"],
    ["token"],
    ["scopes"],
    ["scopes", "check"],
    ["webhook"],
    ["webhook", "verify"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    done = run_cli(*command, "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: blaaiz-async")
    assert "Traceback" not in done.stderr


def test_help_shows_the_defaults(tmp_path: Path) -> None:
    demo = run_cli("demo", "--help", cwd=tmp_path).stdout
    assert "[default: 4]" in demo and "[default: file]" in demo and "[default: 200]" in demo
    sandbox = run_cli("sandbox", "--help", cwd=tmp_path).stdout
    assert "[default: 8787" in sandbox and "--log-requests" in sandbox
    token = run_cli("token", "--help", cwd=tmp_path).stdout
    assert "BLAAIZ_CLIENT_SECRET" in token and "--show-token" in token


def test_version(tmp_path: Path) -> None:
    from blaaiz_async import __version__

    done = run_cli("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert __version__ in done.stdout


def modules_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return {name.split(".")[0] for name in json.loads(done.stdout)}


@pytest.mark.parametrize("statement", ["import blaaiz_async", "import blaaiz_async.cli"])
def test_the_sdk_never_imports_the_cli_libraries(statement: str) -> None:
    assert not modules_after(statement) & {"click", "typer", "rich"}


def test_without_the_cli_extra_the_command_says_what_to_install(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['rich'] = None\n"  # as if rich were not installed
        "from blaaiz_async.cli import main\n"
        "raise SystemExit(main(['scopes']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "blaaiz-async: the command line needs click and rich: pip install 'blaaiz-async[cli]'"
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def assert_refused(done: subprocess.CompletedProcess[str], reason: str, *, lines: int = 6) -> None:
    assert done.returncode != 0, done
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) <= lines, done.stderr
    assert reason in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["demo", "--processes", "-1"], "must be at least 1, got -1"),
        (["demo", "--concurrency", "0"], "must be at least 1, got 0"),
        (["demo", "--payouts", "many"], "not a whole number"),
        (["demo", "--token-ttl", "0"], "positive number of seconds"),
        (["demo", "--rate-window", "inf"], "positive number of seconds"),
        (["demo", "--token-ttl", "1e308"], "at most 315360000 seconds"),
        (["sandbox", "--port", "0", "--token-ttl", "1e308"], "at most 315360000 seconds"),
        (["demo", "--store", "redis", "--redis-url", "not-a-url"], "redis://"),
        (["demo", "--redis-url", "redis://127.0.0.1:1/0"], "for --store redis"),
        (["demo", "--store", "memory", "--fault", "kill-store"], "shared store"),
        (["demo", "--fault", "melt-cpu"], "--fault"),
        (["sandbox", "--port", "99999"], "99999"),
        (["sandbox", "--client-id", "only-the-id"], "both --client-id and --client-secret"),
        (["sandbox", "--port", "0", "--scopes", "wallet:raed"], "wallet:read"),
        (["scopes", "check", "payout.create"], "payouts.create"),
        (["token"], "BLAAIZ_CLIENT_ID and BLAAIZ_CLIENT_SECRET"),
        (["token", "--client-id", "x"], "BLAAIZ_CLIENT_SECRET is not set"),
        (["--env-file", "absent.env", "scopes"], "absent.env"),
    ],
)
def test_bad_input_exits_non_zero_in_a_few_lines(
    args: list[str], reason: str, tmp_path: Path
) -> None:
    assert_refused(run_cli(*args, cwd=tmp_path, timeout=30), reason)


def test_a_port_in_use_is_one_line(busy_port: int, tmp_path: Path) -> None:
    done = run_cli("sandbox", "--port", str(busy_port), cwd=tmp_path, timeout=30)
    assert_refused(done, f"cannot listen on 127.0.0.1:{busy_port}", lines=1)
    assert done.returncode == 1


def test_an_unreachable_redis_fails_fast_with_the_cause(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    done = run_cli("demo", "--store", "redis", "--redis-url", url, cwd=tmp_path, timeout=30)
    assert_refused(done, f"cannot reach Redis at {url}")


def test_an_unreachable_api_names_the_url_and_the_cause(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    env = clean_env(BLAAIZ_BASE_URL=url, BLAAIZ_CLIENT_ID="cid", BLAAIZ_CLIENT_SECRET="s3cr3t")
    done = run_cli("token", cwd=tmp_path, env=env, timeout=30)
    assert_refused(done, f"cannot reach {url}: connection refused")
    assert "s3cr3t" not in done.stderr + done.stdout


def test_a_warning_is_one_line_without_the_sdks_source(tmp_path: Path) -> None:
    """Plain http:// to another host warns: the user sees the warning, not a file of the
    SDK and the line of code that issued it."""
    env = clean_env(BLAAIZ_CLIENT_ID="cid", BLAAIZ_CLIENT_SECRET="s3cr3t")
    done = run_cli(
        "token", "--base-url", "http://192.0.2.1", "--timeout", "0.5", cwd=tmp_path, env=env
    )
    lines = done.stderr.splitlines()
    assert lines[0].startswith("warning: base_url 'http://192.0.2.1' is plain http://"), lines
    assert not any("BlaaizClient(" in line or ".py:" in line for line in lines), lines


def test_a_misspelt_setting_in_the_env_file_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "BLAAIZ_CLIENTID=x\nBLAAIZ_CLIENT_SECRET=y\nBLAAIZ_SANDBOX_WALLET_NGN=w\n"
    )
    done = run_cli("token", cwd=tmp_path)
    assert_refused(done, "BLAAIZ_CLIENT_ID is not set", lines=2)
    lines = done.stderr.splitlines()
    assert lines[0] == (
        "warning: .env sets BLAAIZ_CLIENTID, which no command reads; did you mean BLAAIZ_CLIENT_ID?"
    )


def test_a_malformed_env_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# ok\nBLAAIZ_CLIENT_ID=x\nthis is not a setting\n")
    assert_refused(run_cli("token", cwd=tmp_path), ".env line 3 is not KEY=VALUE")


def test_an_env_file_that_is_not_text_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"\xff\xfe\x00B\x00")  # UTF-16, as some editors save
    done = run_cli("token", cwd=tmp_path)
    assert_refused(done, ".env is not UTF-8 text (byte 0xff at offset 0)", lines=1)
    assert "unexpected" not in done.stderr


# -- scopes ---------------------------------------------------------------------------------


def test_scopes_lists_scopes_and_bundles(tmp_path: Path) -> None:
    done = run_cli("scopes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "payout:create" in done.stdout and "virtual-accounts" in done.stdout
    assert table_row(done.stdout, "payout:create")[1] == "full-access, payouts"


def test_scopes_check_shows_the_route(tmp_path: Path) -> None:
    done = run_cli("scopes", "check", "payouts.create", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(None, 1) for line in done.stdout.splitlines())
    assert lines["request"] == "POST /api/external/payout"
    assert lines["scopes"] == "payout:create"
    assert lines["bundles"] == "full-access, payouts"


@pytest.mark.parametrize(
    ("official", "ours", "request_line"),
    [
        ("collections.initiate", "collections.create", "POST /api/external/collection"),
        ("payouts.initiate", "payouts.create", "POST /api/external/payout"),
        (
            "signa.create_session",
            "compliance.create_session",
            "POST /api/external/compliance/kyc/sessions",
        ),
    ],
)
def test_scopes_check_takes_the_official_sdks_names(
    official: str, ours: str, request_line: str, tmp_path: Path
) -> None:
    """Code moving from the official Python SDK names its methods: they are looked up too."""
    done = run_cli("scopes", "check", official, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(None, 1) for line in done.stdout.splitlines())
    assert lines["route"] == f"{ours} (the official Python SDK's {official})"
    assert lines["request"] == request_line


# -- sandbox and token ----------------------------------------------------------------------


class RunningSandbox:
    """``blaaiz-async sandbox`` in the background, its .env lines read from its stdout."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [*CLI, "sandbox", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
            cwd=cwd,
        )
        assert self.proc.stdout is not None
        self.lines: list[str] = []
        self.values: dict[str, str] = {}
        while "BLAAIZ_SANDBOX_WALLET_GHS" not in self.values:
            line = self.proc.stdout.readline()
            if not line:
                self.stop()
                raise AssertionError(f"the sandbox ended: {self.stderr}")
            self.lines.append(line.rstrip("\n"))
            name, sep, value = line.strip().partition("=")
            if sep and not name.startswith("#"):
                self.values[name] = value
        self.stderr = ""

    @property
    def env_text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def stop(self) -> str:
        """Stop it; returns what it wrote on stderr."""
        if self.proc.returncode is not None:
            return self.stderr
        self.proc.terminate()
        _, self.stderr = self.proc.communicate(timeout=10)
        return self.stderr


@pytest.fixture
def fixed_sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    sandbox = RunningSandbox(
        "--client-id", "acme-dev", "--client-secret", "acme-secret-1", "--log-requests",
        cwd=tmp_path,
    )  # fmt: skip
    try:
        yield sandbox
    finally:
        sandbox.stop()


def test_sandbox_prints_env_lines_and_fixed_credentials_work(
    fixed_sandbox: RunningSandbox,
) -> None:
    values = fixed_sandbox.values
    assert values["BLAAIZ_CLIENT_ID"] == "acme-dev"
    assert values["BLAAIZ_CLIENT_SECRET"] == "acme-secret-1"
    assert values["BLAAIZ_BASE_URL"].startswith("http://127.0.0.1:")
    assert values["BLAAIZ_WEBHOOK_SECRET"] and values["BLAAIZ_SANDBOX_CUSTOMER_ID"]
    assert all(line.startswith("#") or "=" in line for line in fixed_sandbox.lines)

    async def call() -> list[str]:
        async with BlaaizClient(
            client_id="acme-dev",
            client_secret="acme-secret-1",
            base_url=values["BLAAIZ_BASE_URL"],
            rate_limit=None,
        ) as client:
            return [w.id for w in await client.wallets.list()]

    wallets = asyncio.run(call())
    assert values["BLAAIZ_SANDBOX_WALLET_NGN"] in wallets
    log = fixed_sandbox.stop()
    assert "POST /oauth/token 200" in log and "GET /api/external/wallet 200" in log
    assert "acme-secret-1" not in log


def test_token_reads_the_env_file_and_prints_scopes(
    fixed_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / ".env").write_text(fixed_sandbox.env_text)  # the sandbox's stdout, as is
    done = run_cli("token", "--scopes", "payouts", cwd=folder)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(None, 1) for line in done.stdout.splitlines())
    assert lines["scopes"] == "bank:read beneficiary:read fees:read payout:create wallet:read"
    assert lines["bundles"] == "payouts"
    assert lines["expires"].startswith("in 3")
    assert "token" not in lines  # only with --show-token
    shown = run_cli("token", "--show-token", cwd=folder)
    assert shown.returncode == 0 and "token " in shown.stdout


def test_token_with_a_wrong_secret_lists_the_likely_causes(
    fixed_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    env = clean_env(
        BLAAIZ_BASE_URL=fixed_sandbox.values["BLAAIZ_BASE_URL"],
        BLAAIZ_CLIENT_ID="acme-dev",
        BLAAIZ_CLIENT_SECRET="acme-secret-0",  # the one before a rotation
    )
    done = run_cli("token", cwd=tmp_path, env=env)
    assert_refused(done, "invalid_client", lines=8)
    assert done.returncode == 1
    assert "rotated" in done.stderr and "environment" in done.stderr
    assert "acme-secret-0" not in done.stderr


# -- demo -----------------------------------------------------------------------------------

SMALL = ["demo", "--processes", "2", "--concurrency", "5", "--payouts", "2"]


def test_demo_shares_one_token_within_the_rate_limit(tmp_path: Path) -> None:
    done = run_cli(*SMALL, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert table_row(out, "calls ok")[1] == "20"
    assert table_row(out, "calls failed")[1] == "0"
    assert table_row(out, "token requests")[1] == "1"
    assert table_row(out, "429 responses")[1] == "0"
    assert table_row(out, "retries")[1] == "0"
    assert table_row(out, "local scope denials")[1] == "0"
    assert table_row(out, "rate budget used")[1] == "10%"  # 20 of 200 in one window
    assert "ms" in table_row(out, "latency p50/p95/p99")[1]
    assert "20/20" in done.stderr  # the progress bar
    assert "Traceback" not in done.stderr


def test_demo_recovers_from_revoked_tokens_with_one_refetch(tmp_path: Path) -> None:
    done = run_cli(*SMALL, "--fault", "revoke-tokens", cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert table_row(out, "calls failed")[1] == "0"
    assert table_row(out, "token requests")[1] == "2"  # one at the start, ONE after
    assert int(table_row(out, "401 responses")[1]) > 0
    assert table_row(out, "retries")[1] == table_row(out, "401 responses")[1]
    assert "revoked" in table_row(out, "fault")[2]


def test_demo_survives_a_garbled_token_file(tmp_path: Path) -> None:
    args = [*SMALL, "--fault", "kill-store", "--fault", "revoke-tokens"]
    done = run_cli(*args, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert table_row(done.stdout, "calls failed")[1] == "0"
    assert table_row(done.stdout, "token requests")[1] == "2"
    assert "token file" in done.stdout


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_demo_on_its_own_redis_survives_killing_it(tmp_path: Path) -> None:
    done = run_cli(*SMALL, "--store", "redis", "--fault", "kill-store", cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert table_row(done.stdout, "calls failed")[1] == "0"
    assert table_row(done.stdout, "token requests")[1] == "1"  # each process kept its copy
    assert "killed redis-server" in done.stdout
