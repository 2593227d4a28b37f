"""Each published document's signature (a hash of everything its bytes depend on), kept between
refreshes so that a document whose signature did not change is not rendered again."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

SIGNATURES_FILE = "signatures.json"

# The signature of a document published with an entry whose body could not be read: it never
# matches a real one, so the next refresh renders the document again.
INCOMPLETE = "incomplete"


def load_signatures(state_dir: Path) -> dict[str, str]:
    """path -> signature as the last refresh saved them; empty when there are none (then every
    document is rendered once and compared with what is published)."""
    try:
        data = json.loads((state_dir / SIGNATURES_FILE).read_bytes())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def save_signatures(
    state_dir: Path, signatures: Mapping[str, str], write: Callable[[Path, bytes], None]
) -> None:
    """Replace the saved signatures with `write` (an atomic write)."""
    write(state_dir / SIGNATURES_FILE, json.dumps(signatures).encode())
