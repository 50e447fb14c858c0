"""Every link from the README and the documents in docs/ to a file of the project leads to one."""

import re

from helpers import ROOT

DOCUMENTS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
# [text](target) and ![alt](target); the target ends at a space (a title) or the bracket
LINK = re.compile(r"\]\(([^)\s]+)")


def local_targets(document):
    for target in LINK.findall(document.read_text(encoding="utf-8")):
        if "://" in target or target.startswith(("#", "mailto:")):
            continue
        yield target.split("#", 1)[0]


def test_the_documents_link_to_files_that_exist():
    assert (ROOT / "docs" / "speed.md") in DOCUMENTS
    broken = ["%s -> %s" % (document.relative_to(ROOT), target)
              for document in DOCUMENTS for target in local_targets(document)
              if not (document.parent / target).exists()]
    assert not broken, "links to missing files: %s" % ", ".join(broken)


def test_the_readme_sends_its_reader_to_the_speed_notes():
    assert "docs/speed.md" in set(local_targets(ROOT / "README.md"))
