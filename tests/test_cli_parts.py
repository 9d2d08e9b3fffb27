"""The pure parts under the command line: the .env reader and the table of likely causes
for a refused token."""

from __future__ import annotations

from pathlib import Path

import pytest

from blaaiz_async.cli.diagnosis import CAUSES, classify, explain
from blaaiz_async.cli.envfile import EnvFileError, load_env_file, parse_env
from blaaiz_async.errors import TokenError

# -- .env -------------------------------------------------------------------------------------


def test_env_lines_as_the_sandbox_prints_them_and_as_people_write_them() -> None:
    text = "\n".join(
        [
            "# blaaiz-async sandbox on http://127.0.0.1:8787",
            "BLAAIZ_BASE_URL=http://127.0.0.1:8787",
            "",
            "export BLAAIZ_CLIENT_ID = acme  # a comment",
            "BLAAIZ_CLIENT_SECRET='a#b c'",
            'BLAAIZ_WEBHOOK_SECRET="x\\"y\\\\z"  # quoted',
            "EMPTY=",
        ]
    )
    assert parse_env(text) == {
        "BLAAIZ_BASE_URL": "http://127.0.0.1:8787",
        "BLAAIZ_CLIENT_ID": "acme",
        "BLAAIZ_CLIENT_SECRET": "a#b c",
        "BLAAIZ_WEBHOOK_SECRET": 'x"y\\z',
        "EMPTY": "",
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("just words", "line 1 is not KEY=VALUE"),
        ("A=1\n1BAD=2", "line 2 is not KEY=VALUE"),
        ("A='open", "quote is not closed"),
        ('A="x" trailing', "after the closing quote"),
    ],
)
def test_env_lines_it_does_not_understand_are_refused(text: str, reason: str) -> None:
    with pytest.raises(EnvFileError, match=reason):
        parse_env(text)


def test_a_file_that_is_not_utf8_is_refused_with_where(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"BLAAIZ_CLIENT_ID=caf\xe9\n")
    with pytest.raises(EnvFileError, match=r"is not UTF-8 text \(byte 0xe9 at offset 20\)"):
        load_env_file(path, {})
    path.write_bytes(b"\xef\xbb\xbfBLAAIZ_CLIENT_ID=bom\n")  # a byte-order mark is fine
    environ: dict[str, str] = {}
    assert load_env_file(path, environ) == ["BLAAIZ_CLIENT_ID"]
    assert environ == {"BLAAIZ_CLIENT_ID": "bom"}


def test_the_environment_wins_over_the_file_and_only_blaaiz_names_are_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / ".env"
    path.write_text("BLAAIZ_CLIENT_ID=from-file\nBLAAIZ_BASE_URL=http://x\nPATH=/nowhere\n")
    environ = {"BLAAIZ_CLIENT_ID": "from-env"}
    assert load_env_file(path, environ) == ["BLAAIZ_BASE_URL"]
    assert environ == {"BLAAIZ_CLIENT_ID": "from-env", "BLAAIZ_BASE_URL": "http://x"}


# -- likely causes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        (401, "invalid_client", "invalid_client"),
        (400, "invalid_client", "invalid_client"),
        (401, None, "invalid_client"),
        (400, "invalid_scope", "invalid_scope"),
        (403, None, "forbidden"),
        (429, None, "unavailable"),
        (503, None, "unavailable"),
        (400, "unsupported_grant_type", "other"),
        (404, None, "not_found"),
        (405, None, "not_found"),
        (None, None, "unreachable"),
    ],
)
def test_a_refusal_is_classified_by_status_and_oauth_error(
    status: int | None, error: str | None, kind: str
) -> None:
    assert classify(TokenError("refused", status=status, error=error)) == kind


def test_the_causes_name_what_a_person_can_check() -> None:
    text = " ".join(" ".join(causes) for causes in CAUSES.values())
    for words in ("rotated", "scope", "API access", "allow-listed IP", "expired"):
        assert words in text
    lines = explain(TokenError("HTTP 403", status=403), "https://api-prod.blaaiz.com")
    assert lines[0] == "the token endpoint refused: HTTP 403"
    assert any("allow-listed" in line for line in lines)
    down = TokenError("could not reach the token endpoint: connection refused (x:1)")
    assert explain(down, "http://x:1")[0] == "cannot reach http://x:1: connection refused (x:1)"


def test_a_token_endpoint_that_is_not_there_points_at_the_url() -> None:
    """A 404 comes from a URL that is not the API's (a path appended to the origin, a web
    page): the causes are about the URL, not about the secret."""
    lines = explain(TokenError("HTTP 404", status=404), "https://api-dev.blaaiz.com/api/external")
    assert any("BLAAIZ_BASE_URL" in line and "/api/external" in line for line in lines), lines
    assert not any("secret" in line for line in lines), lines
