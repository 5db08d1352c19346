"""The README works where users read it: on the package index (absolute links) and in a shell
(install lines that point at this project's repository)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
README = (REPO / "README.md").read_text(encoding="utf-8")
URLS = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
#: Code blocks hold Python, where `x["key"](arg)` looks like a link and is not one.
FENCED = re.compile(r"^```.*?^```", re.M | re.S)


def test_every_link_is_absolute() -> None:
    links = LINK.findall(FENCED.sub("", README))
    assert links
    relative = [link for link in links if not link.startswith(("https://", "http://", "#", "mailto:"))]
    assert not relative, f"relative links break on the package index: {relative}"


def test_links_into_the_repository_name_files_that_exist() -> None:
    prefix = URLS["Repository"] + "/blob/main/"
    targets = [
        link.removeprefix(prefix).split("#")[0] for link in LINK.findall(README) if link.startswith(prefix)
    ]
    assert targets
    missing = [target for target in targets if not (REPO / target).exists()]
    assert not missing


def test_install_lines_point_at_the_project_repository() -> None:
    installs = re.findall(r'pip install "testerarmy[^"]* @ git\+([^"@]+)@', README)
    assert installs
    assert set(installs) == {URLS["Repository"]}


def test_docs_the_readme_links_ship_in_the_sdist() -> None:
    sdist = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
    assert "/docs" in sdist["targets"]["sdist"]["include"]
