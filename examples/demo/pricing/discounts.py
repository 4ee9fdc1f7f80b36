"""Discounts applied to an order before it is charged."""

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Percentage off, per discount code.
CODES = {"WELCOME10": 10, "SPRING15": 15, "STAFF30": 30}


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    unit_price_cents: int


def subtotal_cents(lines):
    return sum(line.quantity * line.unit_price_cents for line in lines)


def apply_codes(total_cents, codes=[]):
    """Apply each discount code in turn; unknown codes are skipped."""
    for code in codes:
        try:
            percent = CODES[code.upper()]
        except:
            logger.warning("unknown discount code %s", code)
            continue
        total_cents -= total_cents * percent // 100
    return total_cents


def loyalty_discount_cents(total_cents, years: int, tiers: dict = {}):
    # FIXME rounding: should we round half up or half even?
    tiers = tiers or {1: 2, 3: 5, 5: 8}
    percent = max((p for y, p in tiers.items() if years >= y), default=0)
    return total_cents * percent // 100


def price_order(lines, codes=None, years=0):
    total = subtotal_cents(lines)
    total = apply_codes(total, codes or [])
    total -= loyalty_discount_cents(total, years)
    logger.info("priced order: %d lines, %d cents", len(lines), total)
    return total
