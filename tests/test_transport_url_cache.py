"""What ``AiohttpTransport`` remembers between calls: the URL object of a read without a
query, nothing else. A query may hold an account number, and a presigned PUT's URL is a
credential that must not outlive its call."""

from __future__ import annotations

from blaaiz_async.transport import AiohttpTransport, HTTPRequest

from .test_transport_failures import answer_ok, raw_server


async def test_only_reads_without_a_query_are_remembered() -> None:
    calls = [
        ("GET", "/api/external/wallet"),
        ("GET", "/api/external/bank/account-lookup?account_number=0123456789"),
        ("PUT", "/bucket/file?X-Amz-Signature=secret"),
        ("POST", "/api/external/payout"),
        ("DELETE", "/api/external/webhook"),
        ("GET", "/api/external/wallet"),  # the remembered one, sent again as it was
    ]
    async with raw_server(answer_ok) as server:
        transport = AiohttpTransport()
        try:
            for method, target in calls:
                body = None if method in ("GET", "DELETE") else b"{}"
                response = await transport.send(
                    HTTPRequest(method, server.url + target, {}, body, 5.0)
                )
                assert response.status == 200
            kept = list(transport._urls)
        finally:
            await transport.aclose()
    assert kept == [server.url + "/api/external/wallet"]
    lines = [r.split(b"\r\n", 1)[0].decode() for r in server.requests]
    assert lines == [f"{m} {t} HTTP/1.1" for m, t in calls]
