"""``blaaiz-async webhook verify`` as a subprocess: exit 0 with the event's type and id, or
exit 1 with a one-line reason and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from blaaiz_async.webhooks import sign_headers

SECRET = "whsec_cli_8e2f"
BODY = b'{"type": "payout_initiated", "event_id": "evt-cli-1", "transaction_amount": 12.50}'


def run(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "BLAAIZ_WEBHOOK_SECRET"}
    done = subprocess.run(
        [sys.executable, "-m", "blaaiz_async", "webhook", "verify", *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, **(env or {})},
    )
    return done


@pytest.fixture
def body_file(tmp_path: Path) -> Path:
    path = tmp_path / "delivery.json"
    path.write_bytes(BODY)
    return path


def header_args(headers: dict[str, str]) -> list[str]:
    return [arg for name, value in headers.items() for arg in ("--header", f"{name}: {value}")]


def assert_refused(done: subprocess.CompletedProcess[str], reason: str) -> None:
    assert done.returncode == 1, done
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert reason in lines[0]
    assert "Traceback" not in done.stderr
    assert SECRET not in done.stderr


def test_a_valid_delivery_prints_type_and_id(body_file: Path) -> None:
    done = run(str(body_file), *header_args(sign_headers(SECRET, BODY)), "--secret", SECRET)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "payout_initiated evt-cli-1"


def test_signature_and_timestamp_flags_and_the_environment_secret(body_file: Path) -> None:
    headers = sign_headers(SECRET, BODY)
    done = run(
        str(body_file),
        "--signature", headers["x-blaaiz-signature"],
        "--timestamp", headers["x-blaaiz-timestamp"],
        env={"BLAAIZ_WEBHOOK_SECRET": SECRET},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "payout_initiated evt-cli-1"


def test_the_body_can_come_from_stdin() -> None:
    done = run("-", *header_args(sign_headers(SECRET, BODY)), "--secret", SECRET, stdin=BODY)
    assert done.returncode == 0, done.stderr


def test_header_names_are_case_insensitive(body_file: Path) -> None:
    headers = {k.upper(): v for k, v in sign_headers(SECRET, BODY).items()}
    done = run(str(body_file), *header_args(headers), "--secret", SECRET)
    assert done.returncode == 0, done.stderr


def test_a_wrong_secret_is_a_mismatch(body_file: Path) -> None:
    done = run(str(body_file), *header_args(sign_headers(SECRET, BODY)), "--secret", "other")
    assert_refused(done, "signature_mismatch")


def test_an_old_saved_delivery_needs_a_wider_tolerance(body_file: Path) -> None:
    headers = sign_headers(SECRET, BODY, timestamp=int(time.time()) - 3600)
    assert_refused(
        run(str(body_file), *header_args(headers), "--secret", SECRET), "timestamp_too_old"
    )
    done = run(str(body_file), *header_args(headers), "--secret", SECRET, "--tolerance", "inf")
    assert done.returncode == 0, done.stderr


def test_missing_pieces_each_have_a_reason(body_file: Path, tmp_path: Path) -> None:
    headers = sign_headers(SECRET, BODY)
    only_ts = {"x-blaaiz-timestamp": headers["x-blaaiz-timestamp"]}
    assert_refused(
        run(str(body_file), *header_args(only_ts), "--secret", SECRET), "missing_signature"
    )
    assert_refused(run(str(body_file), *header_args(headers)), "no secret")
    assert_refused(run(str(tmp_path / "absent.json"), "--secret", SECRET), "cannot read")
    assert_refused(
        run(str(body_file), "--header", "no colon here", "--secret", SECRET), "NAME: VALUE"
    )
    assert_refused(
        run(str(body_file), *header_args(headers), "--secret", SECRET, "--tolerance", "nan"),
        "tolerance",
    )
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"not json")
    signed = sign_headers(SECRET, b"not json")
    assert_refused(run(str(garbage), *header_args(signed), "--secret", SECRET), "invalid_json")


def test_a_header_given_twice_is_refused_not_guessed(body_file: Path) -> None:
    headers = sign_headers(SECRET, BODY)
    both = run(str(body_file), *header_args(headers), "--signature", "0" * 64, "--secret", SECRET)
    assert_refused(both, "--signature and --header 'x-blaaiz-signature: ...' both given")
    twice = run(
        str(body_file), *header_args(headers),
        "--header", f"X-Blaaiz-Timestamp: {headers['x-blaaiz-timestamp']}", "--secret", SECRET,
    )  # fmt: skip
    assert_refused(twice, "given more than once")
