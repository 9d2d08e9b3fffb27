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


def test_make_docs_is_strict() -> None:
    """mkdocs counts only the warnings it logs: ``--quiet`` hides them, and with them the
    failure ``--strict`` promises (a broken link built without a word)."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ndocs:", 1)[1].split("\n\n", 1)[0]
    command = next(line for line in recipe.splitlines() if "mkdocs build" in line).split()
    assert "--strict" in command
    assert not {"-q", "--quiet"} & set(command), command


def test_readme_sections_in_the_docs_hold_no_relative_links() -> None:
    """A section is read in README.md (links from the root) and on a docs page (links from
    docs/): a relative link can resolve in only one of them, so it belongs outside."""
    readme = (ROOT / "README.md").read_text()
    included = {
        section
        for page in DOCS.glob("*.md")
        for section in re.findall(r'--8<-- "README\.md:([^"]+)"', page.read_text())
    }
    for section in sorted(included):
        body = readme.split(f"--8<-- [start:{section}]", 1)[1].split(f"--8<-- [end:{section}]")[0]
        links = re.findall(r"\]\(([^)\s]+)\)", body)
        relative = [link for link in links if not re.match(r"[a-z]+:|#", link)]
        assert not relative, (section, relative)
