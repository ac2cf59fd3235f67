"""MATLAB function fingerprints: the user files a function runs, their digest, kept between calls.

The fingerprint of a MATLAB function (``+scistack/+internal/fingerprint.m``) is a hash of
the normalised code (:mod:`scistack_engine.matlab_code`) of its file and of every user
file it calls, transitively. This module holds every rule of it that does not need
MATLAB; MATLAB only describes the handle (``functions``, ``func2str``, captured values),
names the folders its runtime installs things in (``matlabroot``, ``OCTAVE_HOME``, from
which :func:`library_roots` makes the library folders) and resolves names with
``which``. One :class:`Fingerprints` per process keeps, between calls:

* **files** — each file's normalised code, names and declarations, read again only when
  its modification time or size changes, or when it was modified within two seconds of
  being read (*racy*: times may have one-second resolution, so it might change again
  with the same stamp);
* **the environment** — the search path and working folder, and the user folders among
  them (with their ``private`` and package folders) and what each holds: a new path or
  folder, or a function file added to or removed from a watched folder, starts a new
  *generation* in which every name is resolved again (and MATLAB runs ``rehash`` first);
* **resolved names** — what ``which`` gave for each name in this generation.

A request (:meth:`Fingerprints.request`) walks the closure from the function's files,
each file once (cycles are fine). Names the walk meets that are not resolved yet are
returned all at once (``resolve``); MATLAB resolves them in one pass and asks again,
until the closure is known. Then the reply is the digest, the function's name in it and
its files. A user file is an absolute ``.m`` path outside the library folders (compared
without case where ``fold_case``); files enter the digest under their package-qualified
labels (``pkg.fn``, ``private/helper``), never their folder, so a fingerprint is the same
on every machine. The hash is :func:`scistack_engine.hashing.content_hash` of the same
values MATLAB sent before this module existed, so digests are unchanged.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import FingerprintError, UnsupportedValueError
from .hashing import content_hash
from .matlab_code import Signature, anonymous_text, parse, read_source, signature

__all__ = ["Fingerprints", "file_label", "library_roots", "under_roots", "is_user_file"]

_LISTED = re.compile(r"^(.+\.m|[+@]\w+|private)$")


def library_roots(facts: dict[str, Any]) -> dict[str, Any]:
    """The library folders of a MATLAB or GNU Octave process, from what it knows of itself.

    ``facts`` (``fingerprint_libraries.m``): ``octave_home`` (GNU Octave: its
    ``share/octave``, ``lib``, ``lib64`` and ``libexec`` folders hold Octave's and its
    packages' functions), ``folders`` (more library folders as they are: ``matlabroot``,
    the hardware support package root, ``pkg``'s prefixes), ``addons`` (true when MATLAB
    has add-ons installed) with ``addon_folder`` (the Add-On setting, ``''`` in a release
    without it: then the platform's default folder), ``toolbox`` (SciStack's toolbox
    folder: each of its packages, ``+name``, is library code; ``examples/`` and ``doc/``
    are user code) and ``fold_case`` (Windows). Returns ``roots`` (each ending in the
    separator, once, sorted) and ``fold_case``.
    """
    folders = [str(f) for f in _texts(facts.get("folders"))]
    home = str(facts.get("octave_home") or "")
    if home:
        folders += [os.path.join(home, *part) for part in
                    (("share", "octave"), ("lib",), ("lib64",), ("libexec",))]
    if facts.get("addons"):
        folders.append(str(facts.get("addon_folder") or "") or _default_addon_folder())
    toolbox = str(facts.get("toolbox") or "")
    folders += [os.path.join(toolbox, name) for name in _listing(toolbox)
                if name.startswith("+")] if toolbox else []
    roots = {f if f.endswith(os.sep) else f + os.sep for f in folders if f}
    return {"roots": sorted(roots), "fold_case": bool(facts.get("fold_case", False))}


def _default_addon_folder() -> str:
    """Where MATLAB installs add-ons when its settings name no folder (Home > Add-Ons >
    Manage Add-Ons shows and changes it)."""
    if sys.platform == "win32":
        return os.path.join(os.environ.get("APPDATA", ""), "MathWorks", "MATLAB Add-Ons")
    home = os.environ.get("HOME", "")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Application Support", "MathWorks",
                            "MATLAB Add-Ons")
    return os.path.join(home, "MATLAB Add-Ons")


def under_roots(file: str, roots: list[str], fold_case: bool) -> bool:
    """``file`` starts with one of the library ``roots`` (without case when ``fold_case``)."""
    if fold_case:
        file = file.lower()
        return any(file.startswith(root.lower()) for root in roots)
    return any(file.startswith(root) for root in roots)


def is_user_file(file: str, roots: list[str], fold_case: bool) -> bool:
    """An absolute path of a ``.m`` file outside the library ``roots``."""
    return (len(file) > 2 and file.endswith(".m") and
            (file[0] in "/\\" or file[1] == ":") and not under_roots(file, roots, fold_case))


def file_label(file: str) -> str:
    """The package-qualified name of a function file: ``helper``, ``pkg.sub.fn``,
    ``private/helper``, ``@Class/method``."""
    parts = re.split(r"[\\/]", file)
    label = parts[-1].rsplit(".", 1)[0]
    for part in reversed(parts[:-1]):
        if len(part) > 1 and part[0] == "+":
            label = f"{part[1:]}.{label}"
        elif part == "private" or (len(part) > 1 and part[0] == "@"):
            label = f"{part}/{label}"
        else:
            break
    return label


@dataclass
class _File:
    """What one function file holds, and the user files it calls (in ``generation``)."""

    stamp: tuple[float, int]
    racy: bool
    code: str
    names: list[str]
    declared: list[str]
    label: str
    generation: int = -1
    deps: list[str] = field(default_factory=list)


class _Pending(Exception):
    """Names met by the walk that MATLAB has not resolved yet."""


def _stamp(path: str) -> tuple[float, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_mtime, found.st_size


def _listing(folder: str) -> list[str]:
    """What in ``folder`` can define a function: .m files, package, class, private folders."""
    try:
        return sorted(name for name in os.listdir(folder) if _LISTED.match(name))
    except OSError:
        return []


class Fingerprints:
    """The fingerprints of one MATLAB process's functions and what they are made from."""

    def __init__(self) -> None:
        self.roots: list[str] | None = None
        self.fold_case = False
        self.env: tuple[str, str] | None = None
        self.generation = 0
        self.rehash_due = False
        self.watch: list[str] = []
        self.watch_stamps: list[float] = []
        self.watch_lists: list[list[str]] = []
        self.packages: set[str] = set()
        self.files: dict[str, _File] = {}
        self.resolved: dict[str, str] = {}
        self.folders: dict[str, list[str]] = {}
        self.digests: dict[str, tuple[Any, str]] = {}
        self.anonymous: dict[str, tuple[str, list[str]]] = {}
        self.missing: list[str] = []
        self.lock = threading.Lock()

    # ------------------------------------------------------------------ requests

    def request(self, args: dict[str, Any]) -> Any:
        """One step of a fingerprint: the digest (``{'digest', 'name', 'files'}`` when
        ``info``), or the names MATLAB must resolve first: ``{'resolve', 'rehash',
        'libraries'}`` (``libraries``: send the library folders and the environment).

        ``args``: ``handle``, the handle's type, func2str text, file and local function
        name (from ``functions``) joined by NUL characters; for an anonymous function
        ``workspace``, its captured values with handles replaced by their fingerprints;
        the search ``path`` and ``pwd`` when they changed since the last request;
        ``libraries`` (``roots``, ``fold_case``) when asked for; ``names`` and ``found``
        (what ``which`` gave for each, or "") after a ``resolve`` reply, and then no
        environment check is made.
        """
        with self.lock:
            libraries = args.get("libraries")
            if isinstance(libraries, dict):
                roots = [str(r) for r in _texts(libraries.get("roots"))]
                fold_case = bool(libraries.get("fold_case", False))
                if (roots, fold_case) != (self.roots, self.fold_case):
                    self.roots, self.fold_case, self.env = roots, fold_case, None
            if self.roots is None or (self.env is None and "path" not in args):
                return {"resolve": [], "rehash": False, "libraries": True}
            names = _texts(args.get("names"))
            if names:
                found = _texts(args.get("found"))
                for name, file in zip(names, found):
                    self.resolved[name] = file if self._user(file) else ""
            else:
                env = self.env or ("", "")
                self._check_environment(str(args.get("path", env[0])),
                                        str(args.get("pwd", env[1])))
            self.missing = []
            kind, text, hint, local = (str(args.get("handle", "")).split("\0") + [""] * 4)[:4]
            try:
                digest, name, files = self._digest(kind, text, hint, local,
                                                   args.get("workspace"))
            except _Pending:
                rehash, self.rehash_due = self.rehash_due, False
                return {"resolve": sorted(set(self.missing)), "rehash": rehash,
                        "libraries": False}
            if args.get("info"):
                return {"digest": digest, "name": name, "files": files}
            return digest

    def signature(self, args: dict[str, Any]) -> Signature | dict[str, Any]:
        """The signature (:func:`~scistack_engine.matlab_code.signature`) of the function
        a request of :meth:`request` describes (``handle``): an anonymous function's from
        its text, a named or local function's from its file. A named function whose
        description has no file (a built-in, or ``functions`` did not say) is looked up
        first: the reply is then the name to resolve, and the same request follows with
        ``names`` and ``found``. The ``path`` and ``pwd`` sent with it are noted as
        :meth:`request` notes them."""
        kind, text, file, _ = (str(args.get("handle", "")).split("\0") + [""] * 4)[:4]
        local = kind in ("scopedfunction", "subfunction")
        with self.lock:
            if self.roots is not None and "path" in args:
                self._check_environment(str(args["path"]), str(args.get("pwd", "")))
        name = re.sub(r"^@", "", text)
        if kind != "anonymous" and not file and not local and kind != "nested":
            found = _texts(args.get("found"))
            if not found:
                return {"resolve": [name], "rehash": False, "libraries": False}
            file = str(found[0])
        return signature(name, file=file, local=local,
                         anonymous=text if kind == "anonymous" else "")

    def _user(self, file: str) -> bool:
        return is_user_file(file, self.roots or [], self.fold_case)

    # --------------------------------------------------------------- environment

    def _check_environment(self, search_path: str, cwd: str) -> None:
        """A new generation when the path, the working folder or the functions in a
        watched folder changed. Other files coming and going change a folder's time but
        not its functions, and cost one listing of that folder."""
        if self.env == (search_path, cwd):
            stamps = [self._folder_stamp(f) for f in self.watch]
            changed = [k for k, s in enumerate(stamps) if s != self.watch_stamps[k]]
            if not changed:
                return
            self.watch_stamps = stamps
            same = True
            for k in changed:
                listing = _listing(self.watch[k])
                same = same and listing == self.watch_lists[k]
                self.watch_lists[k] = listing
            if same:
                return
        self.env = (search_path, cwd)
        self._watch_folders(search_path, cwd)
        self.generation += 1
        self.rehash_due = True
        self.resolved = {}
        self.folders = {}

    def _watch_folders(self, search_path: str, cwd: str) -> None:
        """The user folders of the path and the working folder, their private and package
        folders, what each holds; and the names of the packages there."""
        user: list[str] = []
        for folder in [cwd, *search_path.split(os.pathsep)]:
            if folder and folder != "." and folder not in user and \
                    not under_roots(folder + os.sep, self.roots or [], self.fold_case):
                user.append(folder)
        self.watch = list(user)
        self.watch_lists = [_listing(f) for f in user]
        self.packages = set()
        for listing, folder in list(zip(self.watch_lists, user)):
            for name in listing:
                if name == "private" or name[0] == "+":
                    self.watch.append(os.path.join(folder, name))
                    self.watch_lists.append(_listing(self.watch[-1]))
                if name[0] == "+":
                    self.packages.add(name[1:])
        self.watch_stamps = [self._folder_stamp(f) for f in self.watch]

    @staticmethod
    def _folder_stamp(folder: str) -> float:
        stamp = _stamp(folder)
        return -1.0 if stamp is None else stamp[0]

    # ------------------------------------------------------------------- digests

    def _digest(self, kind: str, text: str, hint: str, local: str,
                workspace: Any) -> tuple[str, str, list[str]]:
        if kind == "anonymous":
            return self._anonymous(text, hint, workspace)
        if kind in ("simple", "classsimple"):
            name = re.sub(r"^@", "", text)
            file = hint if self._user(hint) else self._resolve(name)
        elif kind in ("scopedfunction", "subfunction"):
            name, file = (f"{file_label(hint)}>{local}", hint) if self._user(hint) else (local, "")
        elif kind == "nested":
            raise FingerprintError(
                f"{text} is a nested function, whose result depends on its parent's "
                "variables: use a local function or an anonymous function instead")
        else:
            raise FingerprintError(f"cannot fingerprint a function handle of type '{kind}' "
                                   f"({text})")
        if not file:
            return content_hash({"scheme": "scistack-matlab-library-v1", "function": name}), \
                name, []
        digest, files = self._code_digest([file], name)
        return digest, name, files

    def _anonymous(self, raw: str, context: str, workspace: Any) -> tuple[str, str, list[str]]:
        """Canonical text, captured values, and the user functions the body calls."""
        if raw not in self.anonymous:
            canonical = anonymous_text(raw)
            self.anonymous[raw] = (canonical, parse(canonical).names)
        text, names = self.anonymous[raw]
        folder = os.path.dirname(context) if context else ""
        roots = self._resolve_names(names, [], folder)
        code, files = self._code_digest(roots, "") if roots else ("", [])
        value = {"scheme": "scistack-matlab-anonymous-v1", "text": text, "code": code,
                 "workspace": {} if workspace is None else workspace}
        try:
            return content_hash(value), text, files
        except UnsupportedValueError as err:
            raise FingerprintError(
                f"the anonymous function {text} captures a value that has no content hash "
                f"({err}); pass it as an argument of the call instead") from err

    def _code_digest(self, roots: list[str], name: str) -> tuple[str, list[str]]:
        """The digest of the files ``roots`` and every user file they call, transitively."""
        files, labels, codes = self._closure(roots)
        rows = sorted(zip(labels, codes), key=lambda row: row[0] + "\n" + row[1])
        key = f"{name}\n{files}"
        kept = self.digests.get(key)
        if kept is not None and kept[0] == rows:
            return kept[1], files
        table = np.empty((len(rows), 2), dtype=object)
        for k, (label, code) in enumerate(rows):
            table[k, 0], table[k, 1] = label, code
        digest = content_hash({"scheme": "scistack-matlab-function-v1", "function": name,
                               "files": table})
        self.digests[key] = (rows, digest)
        return digest, files

    # --------------------------------------------------------------------- files

    def _closure(self, roots: list[str]) -> tuple[list[str], list[str], list[str]]:
        """``roots`` and the user files they call; each file once. Raises :class:`_Pending`
        after the walk when names met on the way are not resolved yet."""
        files = list(roots)
        labels: list[str] = []
        codes: list[str] = []
        k = 0
        while k < len(files):
            entry = self._load(files[k])
            if entry is None:
                if k < len(roots):
                    raise FingerprintError(f"the function file {files[k]} does not exist")
                del files[k]  # removed since it was found: the next check resolves again
                continue
            if entry.generation != self.generation:
                try:
                    entry.deps = self._resolve_names(entry.names, entry.declared,
                                                     os.path.dirname(files[k]))
                    entry.generation = self.generation
                except _Pending:
                    pass
            if entry.generation == self.generation:
                files.extend(d for d in entry.deps if d not in files)
            labels.append(entry.label)
            codes.append(entry.code)
            k += 1
        if self.missing:
            raise _Pending()
        return files, labels, codes

    def _load(self, path: str) -> _File | None:
        """What the file at ``path`` holds, read again only when changed (or racy)."""
        stamp = _stamp(path)
        if stamp is None:
            return None
        previous = self.files.get(path)
        if previous is not None and previous.stamp == stamp and not previous.racy:
            return previous
        try:
            source = read_source(path)
        except OSError:
            return None
        entry = _File(stamp, time.time() - stamp[0] < 2, source.code, source.names,
                      source.declared, file_label(path))
        if previous is not None and previous.code == entry.code:
            entry.generation, entry.deps = previous.generation, previous.deps
        self.files[path] = entry
        return entry

    # --------------------------------------------------------------------- names

    def _resolve_names(self, names: list[str], declared: list[str], folder: str) -> list[str]:
        """The user files that ``names`` (used in code in ``folder``) resolve to."""
        deps: set[str] = set()
        private = self._folder_functions(os.path.join(folder, "private")) if folder else []
        siblings = self._folder_functions(folder) \
            if folder and os.path.basename(folder) == "private" else []
        pending = False
        for name in names:
            if name in declared:
                continue
            if "." in name:
                parts = name.split(".")
                if parts[0] in self.packages:
                    for n in range(len(parts), 1, -1):
                        file = self._known(".".join(parts[:n]))
                        pending = pending or file is None
                        if file:
                            deps.add(file)
                            break
                    continue
                name = parts[0]
            if name in private:
                deps.add(os.path.join(folder, "private", name + ".m"))
            elif name in siblings:
                deps.add(os.path.join(folder, name + ".m"))
            else:
                file = self._known(name)
                pending = pending or file is None
                if file:
                    deps.add(file)
        if pending:
            raise _Pending()
        return sorted(deps)

    def _known(self, name: str) -> str | None:
        """The user file ``name`` resolves to ("" for none), or None (noted) when MATLAB
        has not resolved it yet."""
        file = self.resolved.get(name)
        if file is None:
            self.missing.append(name)
        return file

    def _resolve(self, name: str) -> str:
        file = self._known(name)
        if file is None:
            raise _Pending()
        return file

    def _folder_functions(self, folder: str) -> list[str]:
        """The names of the .m files in ``folder`` (none when it does not exist)."""
        if folder not in self.folders:
            try:
                found = [n[:-2] for n in os.listdir(folder) if n.endswith(".m")]
            except OSError:
                found = []
            self.folders[folder] = found
        return self.folders[folder]


def _texts(value: Any) -> list[str]:
    """A cellstr from MATLAB (a list, an object array, one text or nothing) as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, np.ndarray):
        return [str(v) for v in value.reshape(-1)]
    return [str(v) for v in value]
