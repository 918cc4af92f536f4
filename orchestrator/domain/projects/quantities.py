"""Kubernetes resource quantities ("500m", "2Gi", "1.5"): checked, parsed and summed.

Only the plain forms people write in a spec are accepted: a non-negative decimal number
with an optional binary (Ki…Ei) or decimal (m, k, M…E) suffix. Exponent forms ("1e3")
are valid Kubernetes but never needed here, and refusing them keeps messages simple.
"""

from __future__ import annotations

import re
from decimal import Decimal

QUANTITY_PATTERN = r"^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$"
"""The quantities accepted (also the CRD schema's pattern)."""
_QUANTITY = re.compile(QUANTITY_PATTERN)

_MULTIPLIERS: dict[str, Decimal] = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}


class InvalidQuantity(ValueError):
    """A string that is not a Kubernetes quantity; the message says what to write."""


def parse_quantity(text: str, *, example: str = "2Gi") -> Decimal:
    """The value of ``text`` in base units (cores or bytes); raise with an example otherwise."""
    match = _QUANTITY.match(text.strip()) if text == text.strip() else None
    if match is None:
        raise InvalidQuantity(f"{text!r} is not a Kubernetes quantity; write e.g. {example}")
    return Decimal(match[1]) * _MULTIPLIERS[match[2] or ""]


def format_cpu(cores: Decimal) -> str:
    """``cores`` as a quantity: whole cores plainly, otherwise millicores ("1500m")."""
    if cores == cores.to_integral_value():
        return str(int(cores))
    return f"{int((cores * 1000).to_integral_value(rounding='ROUND_CEILING'))}m"


def format_bytes(amount: Decimal) -> str:
    """``amount`` bytes as a quantity in the largest binary unit that keeps it whole."""
    whole = int(amount.to_integral_value(rounding="ROUND_CEILING"))
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        unit = int(_MULTIPLIERS[suffix])
        if whole and whole % unit == 0:
            return f"{whole // unit}{suffix}"
    return str(whole)
