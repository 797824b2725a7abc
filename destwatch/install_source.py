"""Where the running destwatch came from, as a pip requirement that installs the same one again.

`destwatch init` writes CI workflows that must install the destwatch that wrote them, and nothing else:
guessing a package name on an index is how a stranger's package ends up running beside a destination's
secrets. The installed distribution's `direct_url.json` (PEP 610) says where it came from:

- none: an index (pip writes none for an index install), so `destwatch==X.Y.Z`;
- a VCS URL: that URL at the commit that was installed;
- an archive URL: that URL, with the hash pip recorded;
- anything local (`file://`: a folder, a wheel, an editable install, a clone on this disk): nothing CI
  can reach, so no requirement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import Distribution, PackageNotFoundError, distribution

__all__ = ["InstallSource", "install_source"]


@dataclass(frozen=True)
class InstallSource:
    """A pip requirement for this destwatch, or, when `requirement` is empty, the `reason` there is none."""

    requirement: str
    reason: str = ""


def install_source(dist: Distribution | None = None) -> InstallSource:
    """How CI installs the same destwatch as `dist` (by default, the installed one)."""
    if dist is None:
        try:
            dist = distribution("destwatch")
        except PackageNotFoundError:
            return InstallSource("", "destwatch runs from a source tree that was never installed")
    text = dist.read_text("direct_url.json")
    if text is None:
        return InstallSource(f"destwatch=={dist.version}")
    direct = json.loads(text)
    url = direct["url"]
    # Local whatever its kind: a folder, a wheel, an editable install, a git repository on this disk.
    if url.startswith("file:"):
        return InstallSource("", f"destwatch was installed from {url}, which CI cannot reach")
    if "vcs_info" in direct:
        vcs = direct["vcs_info"]
        subdirectory = f"#subdirectory={direct['subdirectory']}" if direct.get("subdirectory") else ""
        return InstallSource(f"destwatch @ {vcs['vcs']}+{url}@{vcs['commit_id']}{subdirectory}")
    sha256 = direct.get("archive_info", {}).get("hashes", {}).get("sha256")
    return InstallSource(f"destwatch @ {url}" + (f"#sha256={sha256}" if sha256 else ""))
