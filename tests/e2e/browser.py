"""Browser helpers for the console tests: Debian's Chromium driven by
Playwright, axe-core accessibility checks, TOTP codes, screenshots."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import os
import re
import shutil
import struct
from pathlib import Path

CHROMIUM = os.environ.get("KEYWARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = os.environ.get("KEYWARD_SCREENSHOTS")  # a directory, when screenshots are wanted


def chromium_path() -> str:
    path = shutil.which(CHROMIUM) or CHROMIUM
    if not Path(path).is_file():
        raise FileNotFoundError(f"Chromium not found at {CHROMIUM}: scripts/test installs it (apt-get install chromium)")
    return path


def totp(seed_base32: str, at: float) -> str:
    """RFC 6238: HMAC-SHA1 over the 30-second counter, dynamic truncation, 6 digits."""
    key = base64.b32decode(seed_base32 + "=" * (-len(seed_base32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def steady_now() -> float:
    """Now, moved past a 30-second step boundary when one is under 3 s away,
    so codes computed here are for the step the server sees too."""
    import time

    now = time.time()
    if now % 30 > 27:
        time.sleep(30 - now % 30 + 0.1)
        now = time.time()
    return now


def _axe_source() -> str:
    import axe_playwright_python  # ships axe-core's axe.min.js

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


_AXE: str | None = None


def assert_accessible(page, what: str) -> None:
    """Runs axe-core in the page (through the DevTools protocol, so the page's
    CSP stays in force) and fails on serious or critical violations."""
    global _AXE
    if _AXE is None:
        _AXE = _axe_source()
    page.evaluate(_AXE)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{what}: accessibility violations: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
    )


def screenshot(page, name: str, mask=()) -> None:
    """Saves a screenshot into $KEYWARD_SCREENSHOTS (docs/screenshots when
    refreshing the README's pictures); nothing otherwise."""
    if not SCREENSHOTS:
        return
    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True, mask=list(mask))


def outbox_link(outbox: Path, to: str) -> str:
    """The reset link in the newest message to `to` in the outbox."""
    messages = sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    for path in reversed(messages):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if to in str(msg["To"]):
            body = msg.get_body(preferencelist=("plain",)).get_content()
            m = re.search(r"https?://\S+/signin/reset/confirm\?token=\S+", body)
            assert m, f"no reset link in {path}: {body!r}"
            return m.group(0)
    raise AssertionError(f"no message to {to} in {outbox} ({[p.name for p in messages]})")
