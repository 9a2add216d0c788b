"""MkDocs hooks: the site publishes the repository files its pages link to.

The pages under docs/ link to files outside it (`../examples/app.py`,
`../benchmarks/results/serve.md`, the charts `../benchmarks/results/*.png`), so that the
links work where the Markdown is read in the repository. MkDocs knows only the files under
docs/: `on_files` adds every file of examples/ and benchmarks/ to the site, under
`repository/`, at the source path those links name, so the same links work on the site,
and `mkdocs build --strict` still fails on a link that points nowhere. CONTRIBUTING.md
stays at the root, where contributors look for it, and is also the site's Contributing
page.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED_FOLDERS = ("examples", "benchmarks")
SITE_FOLDER = "repository"
ROOT_PAGES = {"contributing.md": "CONTRIBUTING.md"}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for folder in PUBLISHED_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files.append(_repository_file(path.relative_to(ROOT).as_posix(), config))
    for page, source in ROOT_PAGES.items():
        files.append(File.generated(config, page, abs_src_path=str(ROOT / source)))
    return files


def _repository_file(relative: str, config: MkDocsConfig) -> File:
    """`relative` as the file a page's `../relative` link resolves to, written under
    SITE_FOLDER (a Markdown file is rendered as a page there, outside the navigation)."""
    source = str(ROOT / relative)
    placed = File.generated(config, f"{SITE_FOLDER}/{relative}", abs_src_path=source)
    linked = File.generated(
        config, f"../{relative}", abs_src_path=source, inclusion=InclusionLevel.NOT_IN_NAV
    )
    linked.dest_uri = placed.dest_uri
    return linked
