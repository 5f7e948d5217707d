"""LibreOffice headless, for recalculating and printing exported workbooks in tests.

One throwaway profile per test session (``OOXMLRecalcMode`` = 0: always recalculate on load, written
into the profile before the first start), several files per ``soffice`` run (each start costs seconds).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice") or "soffice"

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


class LibreOffice:
    def __init__(self, profile: Path) -> None:
        self.profile = profile
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")

    def convert(self, files: list[Path], target: str, outdir: Path, timeout: int = 900) -> list[Path]:
        """Convert ``files`` in one run; ``target`` e.g. ``xlsx`` (recalculated) or ``pdf``."""
        outdir.mkdir(parents=True, exist_ok=True)
        names = [f.name for f in files]
        assert len(set(names)) == len(names), "file names must be unique within one conversion"
        cmd = [SOFFICE, f"-env:UserInstallation={self.profile.resolve().as_uri()}", "--headless",
               "--norestore", "--nologo", "--convert-to", target, "--outdir", str(outdir), *map(str, files)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        ext = target.split(":", 1)[0]
        out = [outdir / (f.stem + "." + ext) for f in files]
        missing = [p.name for p in out if not p.is_file()]
        assert not missing, (missing, proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
        return out
