"""Typed models of the API's requests and responses."""

from .base import Model, Money
from .converter import converter
from .fees import FeeBreakdown
from .pagination import Page, PageLinks, PageMeta
from .transactions import (
    Recipient,
    SourceInformation,
    Transaction,
    TransactionStatus,
    TransactionType,
)
from .wallets import Country, Currency, Wallet

# -- model imports of group A --
# -- end of group A imports --
# -- model imports of group B --
# -- end of group B imports --

__all__ = [
    "Country",
    "Currency",
    "FeeBreakdown",
    "Model",
    "Money",
    "Page",
    "PageLinks",
    "PageMeta",
    "Recipient",
    "SourceInformation",
    "Transaction",
    "TransactionStatus",
    "TransactionType",
    "Wallet",
    "converter",
]
