"""Write the whole status page at once: a temporary directory renamed into place.

Readers (a web server, a bucket sync) see either the old page or the new one,
never half of each.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from statuscat_tui.core.statuspage import StatusPageModel
from statuscat_tui.publish.api import Api
from statuscat_tui.publish.atom import atom_feed
from statuscat_tui.publish.badges import badge
from statuscat_tui.publish.html import HtmlRenderer


def render_site(model: StatusPageModel) -> dict[str, bytes]:
    """Every file of the page, by its path relative to the output directory."""
    html = HtmlRenderer(model)
    files: dict[str, bytes] = {"index.html": html.index().encode()}
    for inc in model.incidents:
        files[f"incidents/{inc.id}.html"] = html.incident(inc).encode()
    for name, doc in Api(model).files().items():
        files[f"api/v2/{name}"] = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()
    files["history.atom"] = atom_feed(model)
    for c in model.components:
        files[f"badges/{c.id}.svg"] = badge(c).encode()
    return files


def write_site(model: StatusPageModel, out: Path) -> None:
    """Render ``model`` into ``out``, replacing what was there in one step."""
    write_files(render_site(model), out)


def write_files(files: dict[str, bytes], out: Path) -> None:
    out = Path(out)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=parent))
    try:
        for rel, data in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for d in [tmp, *(p for p in tmp.rglob("*") if p.is_dir())]:
            d.chmod(0o755)
        for f in (p for p in tmp.rglob("*") if p.is_file()):
            f.chmod(0o644)
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(new: Path, out: Path) -> None:
    if not out.exists():
        os.rename(new, out)
        return
    if not out.is_dir():
        raise NotADirectoryError(f"{out} exists and is not a directory")
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.resolve().parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
