"""``jsonschema``, imported without building the IRI grammar of ``rfc3987_syntax``.

When ``rfc3987_syntax`` is installed, importing ``jsonschema`` builds its IRI parser,
which costs around half a second of CPU on every ``tre check``. Rule-set schemas use no
string formats, so the module is hidden for the duration of the import (jsonschema
treats it as absent) and restored afterwards for anyone else who needs it.
"""

from __future__ import annotations

import sys

_HIDDEN = "rfc3987_syntax"
_saved = sys.modules.get(_HIDDEN)
if "jsonschema" not in sys.modules:
    sys.modules[_HIDDEN] = None  # type: ignore[assignment]
try:
    import jsonschema
finally:
    if _saved is not None:
        sys.modules[_HIDDEN] = _saved
    elif sys.modules.get(_HIDDEN, 0) is None:
        del sys.modules[_HIDDEN]

__all__ = ["jsonschema"]
