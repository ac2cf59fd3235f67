"""The API reference (docs/api) says what the code says.

* Every name in the ``__all__`` of scifor, scidb, scilineage and scihist, and every
  function and class file of the MATLAB packages +scifor, +scidb, +scilineage, +scihist
  and +scistack, has an entry on its package's page, and no page lists a name the code
  does not have.
* An entry's summary line is the first line of the Python docstring, or the H1 line of
  the MATLAB help text, word for word (reStructuredText roles and Markdown backticks
  aside); a page's first line is the package docstring's first line or its Contents.m
  H1 line.
* The Python signatures shown name the parameters of the code, in order, and every
  error identifier the pages mention exists in the code.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
API = ROOT / "docs" / "api"
TOOLBOX = ROOT / "toolbox"

PYTHON_PACKAGES = ["scifor", "scidb", "scilineage", "scihist"]
MATLAB_PACKAGES = ["scifor", "scidb", "scilineage", "scihist", "scistack"]

def python_page(package: str) -> pathlib.Path:
    return API / f"python-{package}.md"


def matlab_page(package: str) -> pathlib.Path:
    return API / f"matlab-{package}.md"


def normalise(text: str) -> str:
    """A summary without markup: roles (:class:`~x.Y`), backticks, extra spaces."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", text)
    text = text.replace("`", "")
    return " ".join(text.split())


def first_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").strip().splitlines()]
    return lines[0] if lines else ""


def page_lines(page: pathlib.Path) -> list[str]:
    return page.read_text(encoding="utf-8").splitlines()


def page_summary(page: pathlib.Path) -> str:
    """The first line of text under the page's title."""
    lines = page_lines(page)
    assert lines[0].startswith("# "), f"{page.name}: no title"
    return next(line for line in lines[1:] if line.strip())


def entries(page: pathlib.Path) -> dict[str, str]:
    """Name -> summary: ### `name` headings (summary: the next line of text) and rows of
    error tables (| `Name` | `identifier` | summary |)."""
    lines = page_lines(page)
    found: dict[str, str] = {}
    for number, line in enumerate(lines):
        heading = re.match(r"^### `([^`]+)`\s*$", line)
        if heading:
            name = heading.group(1)
            following = [text for text in lines[number + 1:] if text.strip()]
            assert following, f"{page.name}: entry {name} has no summary"
            assert name not in found, f"{page.name}: {name} is listed twice"
            found[name] = following[0]
            continue
        row = re.match(r"^\| `(\w+)` \| `(scistack:[\w:]+)` \| (.+?) \|$", line)
        if row:
            assert row.group(1) not in found, f"{page.name}: {row.group(1)} is listed twice"
            found[row.group(1)] = row.group(3)
    return found


def signature_block(page: pathlib.Path, name: str) -> str | None:
    """The text of the code block that follows an entry's summary, if there is one."""
    text = page.read_text(encoding="utf-8")
    match = re.search(rf"^### `{re.escape(name)}`\n\n[^\n]+\n\n```\n(.*?)```", text,
                      flags=re.M | re.S)
    return match.group(1) if match else None


def documented_parameters(block: str, name: str) -> list[str] | None:
    """Parameter names of the signature NAME(...) in BLOCK, or None when it shows none."""
    match = re.match(rf"{re.escape(name)}\((.*?)\)( ->|$)", " ".join(block.split()))
    if not match:
        return None
    names = []
    for part in match.group(1).split(","):
        part = part.strip().split("=")[0].strip()
        if part and part != "*":
            names.append(part.lstrip("*"))
    return names


# ------------------------------------------------------------------------ Python


def own_summary(obj) -> str | None:
    return first_line(obj.__doc__) or None


def python_cases():
    for package in PYTHON_PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            yield package, name


def defining_package(name: str, obj) -> str:
    """The package whose page documents a name: the front package that defines it, else
    the first front that exports it (names the fronts take from the engine)."""
    top = (getattr(obj, "__module__", None) or "").split(".")[0]
    if top in PYTHON_PACKAGES:
        return top
    for package in ("scidb", "scilineage", "scifor"):
        module = importlib.import_module(package)
        if name in module.__all__ and getattr(module, name) is obj:
            return package
    return "scihist"


@pytest.mark.parametrize("package", PYTHON_PACKAGES)
def test_python_page_starts_with_the_package_docstring(package):
    module = importlib.import_module(package)
    assert normalise(page_summary(python_page(package))) == normalise(first_line(module.__doc__))


@pytest.mark.parametrize("package,name", list(python_cases()))
def test_python_name_is_documented_with_its_docstring_summary(package, name):
    obj = getattr(importlib.import_module(package), name)
    home = defining_package(name, obj)
    if home != package:
        # a re-export: named on the page, documented where it is defined
        text = python_page(package).read_text(encoding="utf-8")
        assert f"`{name}`" in text, f"{python_page(package).name} does not list {name}"
    documented = entries(python_page(home))
    assert name in documented, f"{python_page(home).name} has no entry for {name}"
    summary = own_summary(obj)
    assert summary is not None, f"{home}.{name} has no docstring"
    assert normalise(documented[name]) == normalise(summary), (
        f"{python_page(home).name}, {name}: the summary must be the docstring's first line")


@pytest.mark.parametrize("package", PYTHON_PACKAGES)
def test_python_page_lists_only_public_names(package):
    public = set(importlib.import_module(package).__all__)
    extra = set(entries(python_page(package))) - public
    assert not extra, f"{python_page(package).name} documents names not in __all__: {extra}"


@pytest.mark.parametrize("package,name", [
    (package, name) for package, name in python_cases()
    if defining_package(name, getattr(importlib.import_module(package), name)) == package])
def test_python_signatures_name_the_parameters(package, name):
    obj = getattr(importlib.import_module(package), name)
    if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
        return
    block = signature_block(python_page(package), name)
    if block is None:
        return
    shown = documented_parameters(block, name)
    if shown is None:
        return
    parameters = [p for p in inspect.signature(obj).parameters if p != "self"]
    assert shown == parameters, f"{package}.{name}: docs show {shown}, code has {parameters}"


# ------------------------------------------------------------------------ MATLAB


def help_h1(path: pathlib.Path) -> str:
    """The summary of the H1 line: the help text's first line without the NAME."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines)
                 if re.match(r"\s*(function|classdef)\b", line))
    h1 = lines[start + 1].strip().lstrip("%").strip()
    match = re.match(rf"{re.escape(path.stem.upper())}\s+(.+)$", h1)
    assert match, f"{path}: H1 line {h1!r} does not start with {path.stem.upper()}"
    return match.group(1)


def contents_h1(package: str) -> str:
    line = (TOOLBOX / f"+{package}" / "Contents.m").read_text(encoding="utf-8").splitlines()[0]
    match = re.match(rf"%\s*{package.upper()}\s+(.+)$", line)
    assert match, line
    return match.group(1)


def matlab_cases():
    for package in MATLAB_PACKAGES:
        for path in sorted((TOOLBOX / f"+{package}").glob("*.m")):
            if path.name != "Contents.m":
                yield package, path


@pytest.mark.parametrize("package", MATLAB_PACKAGES)
def test_matlab_page_starts_with_the_contents_h1_line(package):
    assert normalise(page_summary(matlab_page(package))) == normalise(contents_h1(package))


@pytest.mark.parametrize("package,path", list(matlab_cases()),
                         ids=lambda v: v if isinstance(v, str) else v.stem)
def test_matlab_name_is_documented_with_its_h1_line(package, path):
    name = f"{package}.{path.stem}"
    documented = entries(matlab_page(package))
    assert name in documented, f"{matlab_page(package).name} has no entry for {name}"
    assert normalise(documented[name]) == normalise(help_h1(path)), (
        f"{matlab_page(package).name}, {name}: the summary must be the H1 line of its help")


@pytest.mark.parametrize("package", MATLAB_PACKAGES)
def test_matlab_page_lists_only_public_names(package):
    public = {f"{package}.{path.stem}" for p, path in matlab_cases() if p == package}
    extra = set(entries(matlab_page(package))) - public
    assert not extra, f"{matlab_page(package).name} documents names with no file: {extra}"


# ------------------------------------------------------------------------ both


def test_index_links_every_page():
    index = (API / "README.md").read_text(encoding="utf-8")
    pages = sorted(p.name for p in API.glob("*.md") if p.name != "README.md")
    expected = sorted([python_page(p).name for p in PYTHON_PACKAGES]
                      + [matlab_page(p).name for p in MATLAB_PACKAGES])
    assert pages == expected
    for page in pages:
        assert f"]({page})" in index, f"docs/api/README.md does not link {page}"


def test_error_identifiers_exist_in_the_code():
    code = "\n".join(p.read_text(encoding="utf-8")
                     for p in [*TOOLBOX.rglob("*.m"), *(ROOT / "python").rglob("*.py")])
    known = set(re.findall(r"scistack:\w+(?::\w+)?", code))
    for page in API.glob("*.md"):
        for identifier in set(re.findall(r"`(scistack:[\w:]+)`", page.read_text("utf-8"))):
            assert identifier in known, f"{page.name} names {identifier}, which no code raises"


def test_normalise_ignores_markup_only():
    assert normalise(":class:`~scifor.Col` and ``x`` `y`") == "scifor.Col and x y"
    assert normalise("a  b\n c") == "a b c"
    assert normalise("A filter.") != normalise("A filter")
