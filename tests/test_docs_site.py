"""The docs site's configuration: every guide that includes README sections or examples
names ones that exist (the strict build itself runs in ``make docs``)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_every_include_names_a_readme_section_or_a_file_that_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    includes = [
        (page.name, target)
        for page in DOCS.glob("*.md")
        for target in re.findall(r'--8<-- "([^"]+)"', page.read_text())
    ]
    assert len(includes) >= 15
    for page, target in includes:
        path, _, section = target.partition(":")
        assert (ROOT / path).is_file(), (page, target)
        if section:
            assert f"--8<-- [start:{section}]" in readme, (page, target)
            assert f"--8<-- [end:{section}]" in readme, (page, target)
