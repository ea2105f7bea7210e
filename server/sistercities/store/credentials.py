"""Store credentials (from the environment only) and URLs fit for messages.

Never imports Flask.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

CREDENTIAL_VARS = ("SISTERCITIES_STORE_USER", "SISTERCITIES_STORE_PASSWORD", "SISTERCITIES_STORE_TOKEN")


def mask_url(url: Any) -> Any:
    """``url`` with the password of its userinfo replaced by ``***`` (anything else unchanged)."""
    if not isinstance(url, str) or "@" not in url:
        return url
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@]*)@", lambda m: m.group(1) + (
        m.group(2).split(":", 1)[0] + ":***" if ":" in m.group(2) else "***") + "@", url)


def credentials(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The store credentials in the environment: ``{"user", "password"}`` or ``{"token"}``
    or ``{}``."""
    env = os.environ if environ is None else environ
    token = env.get("SISTERCITIES_STORE_TOKEN", "")
    if token:
        return {"token": token}
    user = env.get("SISTERCITIES_STORE_USER", "")
    if user:
        return {"user": user, "password": env.get("SISTERCITIES_STORE_PASSWORD", "")}
    return {}


def safe_url(url: str) -> str:
    """``url`` without userinfo, query string or fragment: fit for a message."""
    try:
        p = urllib.parse.urlsplit(url)
        host = p.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = host + (f":{p.port}" if p.port else "")
    except ValueError:
        return "<the configured store URL>"
    return urllib.parse.urlunsplit((p.scheme, netloc, p.path, "", ""))
