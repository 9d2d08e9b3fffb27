"""Models: lenient optional scalars, errors that pickle, signed URLs kept out of reprs."""

from __future__ import annotations

from decimal import Decimal

import cattrs
import pytest

from blaaiz_async import Scope
from blaaiz_async.errors import (
    InsufficientScopeError,
    TokenError,
    ValidationError,
    error_for_status,
)


def test_optional_scalars_are_read_leniently_but_not_blindly() -> None:
    from blaaiz_async.models import PageMeta, Wallet, converter

    wallet = converter.structure(
        {"id": 7, "currency_id": 12, "is_active": "true", "amount": "10.50", "new": 1}, Wallet
    )
    assert wallet.id == "7" and wallet.currency_id == "12" and wallet.is_active is True
    assert wallet.amount == Decimal("10.50") and wallet.extra == {"new": 1}
    assert converter.structure({"current_page": "2", "to": 3.0}, PageMeta).current_page == 2
    for bad in (
        {"id": "w", "currency": {"code": "NGN"}},
        {"id": "w", "is_active": "maybe"},
        {"id": "w", "amount": True},
        {"id": "w", "amount": "lots"},
    ):
        with pytest.raises(cattrs.BaseValidationError):
            converter.structure(bad, Wallet)
    with pytest.raises(cattrs.BaseValidationError):
        converter.structure({"current_page": float("inf")}, PageMeta)


def test_errors_survive_pickle() -> None:
    import pickle

    from blaaiz_async.errors import MalformedResponseError, UploadError

    errors: list[Exception] = [
        error_for_status(404, {"message": "Customer not found"}, route="customers.get"),
        error_for_status(429, {}, retry_after=3.0),
        error_for_status(422, {"message": "bad", "errors": {"email": ["bad"]}}),
        InsufficientScopeError(
            required=frozenset({Scope.PAYOUT_CREATE}), granted=frozenset(), route="payouts.create"
        ),
        TokenError("no", status=401, error="invalid_client"),
        MalformedResponseError("odd", status=200, body={"a": 1}, route="x"),
        UploadError("storage said no", step="upload", status=403),
        ValidationError("payout: bank_id is required", field="bank_id"),
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error) and copy.__dict__ == error.__dict__


def test_signed_upload_urls_stay_out_of_reprs() -> None:
    from blaaiz_async.models import PresignedUpload
    from blaaiz_async.models.compliance import KycDocumentUploadUrl

    signed = "https://s3.example/bucket/f?X-Amz-Signature=deadbeef"
    for obj in (
        PresignedUpload(file_id="f1", upload_url=signed, headers={"x-amz-acl": "private"}),
        KycDocumentUploadUrl(url=signed, headers={"x-amz-meta": "sig"}),
    ):
        assert "deadbeef" not in repr(obj) and "x-amz" not in repr(obj)
    assert PresignedUpload(file_id="f1", url=signed).target_url == signed
