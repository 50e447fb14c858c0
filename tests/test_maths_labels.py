"""The maths document and the code cite the same equations.

``docs/maths.md`` defines each label in bold, ``**(F1)**``; the code cites a label as
``(F1)`` in a comment or docstring. A label the code cites must be defined in the
document, and every label the document defines must be computed somewhere in the code.
"""

import re

import pytest

from helpers import ROOT

DOCUMENT = ROOT / "docs" / "maths.md"
# the core, and the compiled kernels that repeat it
CODE = sorted((ROOT / "pynet").glob("*.py")) + sorted((ROOT / "pynet_fast").glob("*.p*"))
DEFINED = re.compile(r"\*\*\(([A-Z](?:-[A-Za-z]|\d)?)\)\*\*")
# "(F1)", "(E-l)", "(D)", "(Q4)": not the argument of a name such as Y(L) or W(l)
CITED = re.compile(r"(?<![\w)\]])\(([A-Z](?:-[A-Za-z]|\d)?)\)")
LABELS = {"F1", "F2", "L1", "E-L", "E-l", "X-l", "D", "U-W", "U-B", "I", "Q1", "Q2", "Q3", "Q4"}


def defined_labels():
    if not DOCUMENT.exists():
        pytest.fail("the maths document %s is missing" % DOCUMENT)  # shipped in the sdist too
    return set(DEFINED.findall(DOCUMENT.read_text(encoding="utf-8")))


def cited_labels():
    cited = {}
    for path in CODE:
        if path.suffix not in (".py", ".pyx", ".pxi"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for label in CITED.findall(line):
                cited.setdefault(label, []).append("%s:%d" % (path.relative_to(ROOT), number))
    return cited


def test_the_document_defines_every_equation_of_the_network():
    assert defined_labels() == LABELS


def test_every_label_the_code_cites_is_in_the_document():
    unknown = {label: places for label, places in cited_labels().items() if label not in defined_labels()}
    assert not unknown, "cited in the code but not defined in docs/maths.md: %s" % unknown


def test_every_label_in_the_document_is_computed_by_the_core():
    cited = cited_labels()
    network = [label for label, places in cited.items()
               if any(place.startswith("pynet/network.py") or place.startswith("pynet/initial.py") for place in places)]
    missing = sorted(defined_labels() - set(network))
    assert not missing, "defined in docs/maths.md but never cited by pynet/network.py or initial.py: %s" % missing


def test_the_label_patterns_can_fail():
    assert CITED.findall("Z = W  # (F1) Z(l) = W(l)^T Y(l-1); (Q9) and Y(L) B[l](D)") == ["F1", "Q9"]
    assert DEFINED.findall("- **(F1)** `Z(l)`, and (F2) alone") == ["F1"]
