"""Function fingerprints: one hex string that changes exactly when a function's behaviour may.

A fingerprint names a Python function by what decides its results: its compiled code, its
defaults, the values its closure holds, and -- transitively and cycle-safely -- every user
function, class and module-level constant it reaches through its globals. Code from the
standard library, from installed packages (site-packages) and from SciStack itself is not
followed; it is named by its qualified name, so ``np.mean`` -> ``np.median`` changes the
fingerprint but upgrading numpy does not. This module does not decide what a *call* is keyed
by; that is the cache-key rule in :mod:`scistack_engine.lineage`.

The rule in detail
------------------
* **Code** is taken from the code object, never from the source file: the bytecode, the
  constants (nested functions, lambdas and comprehensions recursively), the names and the
  flags. Line numbers, file names, comments, blank lines, indentation and docstrings are not
  part of it, and nothing process-specific is (no ``id()``, no addresses, no ``repr`` of
  objects; set constants are sorted). Two consequences, both deliberate: the fingerprint is
  always the code that actually runs (editing the file during a run cannot desynchronise
  it), and a lambda is fingerprinted exactly -- two lambdas on one line differ. The price
  is that another Python minor version gives other fingerprints (a one-time recomputation).
* **Defaults, keyword-only defaults and closure values** are content-hashed
  (:func:`scistack_engine.hashing.content_hash`); a function, class or module among them is
  identified by the reference rules below.
* **Globals the code reads** (including inside nested functions and comprehensions), by
  name: a user function or class is fingerprinted recursively; a library function, class or
  callable is named ``module.qualname``; a module is named by its module name, and for a user
  module the attributes read through it (``helpers.smooth``) are followed; a value is
  content-hashed. Modules imported *inside* the function body are followed the same way.
* Anything else -- an object that is none of value, function, class or module -- is an
  error naming it (:class:`~scistack_engine.lineage.FingerprintError`). An object can opt in
  by giving its type a ``__scistack_fingerprint__(self)`` method returning a string (or a
  function to fingerprint in its place).

When it is read
---------------
A fingerprint is computed once per function object and remembered together with *guards*:
the identity of every global binding, closure cell, ``__code__`` and ``__defaults__`` it
used. Every later request re-checks those identities (a few microseconds), so rebinding a
module-level constant or redefining a helper is seen at the next call. Mutating a
module-level container in place (``LIMITS.append(3)``) is *not* seen once the fingerprint
has been computed.
"""

from __future__ import annotations

import builtins
import enum
import functools
import hashlib
import importlib
import importlib.util
import inspect
import logging
import os
import site
import struct
import sys
import sysconfig
import threading
import types
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import UnsupportedValueError
from .hashing import content_hash
from .lineage import FingerprintError

__all__ = [
    "FingerprintState",
    "function_fingerprint",
    "fingerprint_state",
    "object_fingerprint",
    "version_fingerprint",
]

#: Prefix of every fingerprint digest. The cache tag names the interpreter and its minor
#: version because bytecode is only comparable within one of them.
FINGERPRINT_PREFIX = (
    "scistack-fingerprint-v1\x00" + sys.implementation.cache_tag + "\x00"
).encode()

#: Prefix of a declared-version fingerprint; independent of the interpreter.
_VERSION_PREFIX = b"scistack-version-fingerprint-v1\x00"

#: Top-level packages that are SciStack itself; like libraries, they are named, not followed.
_SCISTACK_PACKAGES = frozenset({"scistack_engine", "scifor", "scidb", "scilineage", "scihist"})

_MISSING = object()
_EMPTY_CELL = object()

# Python < 3.14 keeps a def's docstring (or None) in co_consts[0]; 3.14 flags it instead.
_CO_HAS_DOCSTRING = getattr(inspect, "CO_HAS_DOCSTRING", None)
_FUNCTION_FLAGS = inspect.CO_OPTIMIZED | inspect.CO_NEWLOCALS

_ATTR_OPS = frozenset({"LOAD_ATTR", "LOAD_METHOD"})


# --------------------------------------------------------------------------- public API


@dataclass(eq=False)
class FingerprintState:
    """A computed fingerprint and the guards that say whether it is still current.

    Attributes
    ----------
    hexdigest : str
        The fingerprint (64 hex characters).
    """

    hexdigest: str
    _dict_guards: list[tuple[Any, Any, Any]] = field(default_factory=list, repr=False)
    _attr_guards: list[tuple[weakref.ref[Any], str, Any]] = field(default_factory=list, repr=False)
    _cell_guards: list[tuple[Any, Any]] = field(default_factory=list, repr=False)
    _call_guards: list[tuple[Callable[[Any], Any], Any, Any]] = field(
        default_factory=list, repr=False
    )

    def is_current(self) -> bool:
        """True when every binding the fingerprint was computed from is still the same object."""
        try:
            for mapping, key, expected in self._dict_guards:
                if mapping.get(key, _MISSING) is not expected:
                    return False
            for obj_ref, attr, expected in self._attr_guards:
                obj = obj_ref()
                if obj is None or getattr(obj, attr) is not expected:
                    return False
            for cell, expected in self._cell_guards:
                try:
                    current = cell.cell_contents
                except ValueError:
                    current = _EMPTY_CELL
                if current is not expected:
                    return False
            for hook, obj, expected in self._call_guards:
                if hook(obj) != expected:
                    return False
        except Exception:  # a guard that cannot even be evaluated means "recompute"
            return False
        return True


_memo: weakref.WeakKeyDictionary[Any, FingerprintState] = weakref.WeakKeyDictionary()
_memo_lock = threading.Lock()


def fingerprint_state(fn: Callable[..., Any]) -> FingerprintState:
    """The fingerprint of ``fn`` with its guards, recomputed only when a guard has changed.

    Parameters
    ----------
    fn : callable
        A Python function, lambda, builtin, ``functools.partial``, bound method, or an object
        whose type defines ``__scistack_fingerprint__``.

    Returns
    -------
    FingerprintState
        Call :meth:`FingerprintState.is_current` before reusing it later.

    Raises
    ------
    FingerprintError
        When ``fn`` (or something it references) cannot be identified.
    """
    try:
        state = _memo.get(fn)
    except Exception:  # not weak-referenceable or not hashable: no memo
        state = None
    if state is not None and state.is_current():
        return state
    state = _Fingerprinter(_display_name(fn)).root(fn)
    try:
        with _memo_lock:
            _memo[fn] = state
    except Exception:
        pass
    return state


def function_fingerprint(fn: Callable[..., Any]) -> str:
    """The fingerprint of a function as 64 hex characters (see the module docstring).

    Parameters
    ----------
    fn : callable
        The function to fingerprint.

    Returns
    -------
    str
        Equal in every process for the same code, defaults, closure values and referenced
        user code and constants, on the same Python minor version.

    Raises
    ------
    FingerprintError
        When ``fn`` references an object that is not a hashable value, a function, a class
        or a module; the message names it.
    """
    return fingerprint_state(fn).hexdigest


def object_fingerprint(obj: Any) -> str:
    """A fingerprint for any object the reference rules can identify.

    A value gets a digest of its content hash, a function or class its (recursive)
    fingerprint, a library object a digest of its qualified name. Used for arguments that
    are callables.
    """
    return fingerprint_state(obj).hexdigest


def version_fingerprint(fn: Callable[..., Any], version: str) -> str:
    """The fingerprint that stands in for code when a user declares ``version=...``.

    It depends on the function's module, its qualified name and the version string, and on
    nothing in its code: editing the function keeps the fingerprint until the version
    string changes. The module and name are included so that two different functions both
    declared ``version="v1"`` never share cache entries.
    """
    if not isinstance(version, str) or not version:
        raise TypeError("version must be a non-empty string")
    module = getattr(fn, "__module__", None) or ""
    qualname = (
        getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__qualname__
    )
    hasher = hashlib.sha256(_VERSION_PREFIX)
    for part in (module, qualname, version):
        _update(hasher, part.encode())
    return hasher.hexdigest()


# --------------------------------------------------------------------------- library vs user code


def _library_roots() -> tuple[str, ...]:
    roots: set[str] = set()
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            roots.add(paths[key])
    try:
        roots.update(site.getsitepackages())
    except AttributeError:  # some embedded interpreters have a reduced ``site``
        pass
    try:
        roots.add(site.getusersitepackages())
    except AttributeError:
        pass
    return tuple(sorted({os.path.realpath(r) for r in roots if r}))


_LIBRARY_ROOTS = _library_roots()


@functools.lru_cache(maxsize=4096)
def _path_is_library(path: str) -> bool:
    if path.startswith("<"):
        return path.startswith("<frozen")
    real = os.path.realpath(path)
    parts = real.split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts:
        return True
    for root in _LIBRARY_ROOTS:
        if real == root or real.startswith(root + os.sep):
            return True
    return False


def _module_is_library(module: types.ModuleType) -> bool:
    name = getattr(module, "__name__", "") or ""
    top = name.split(".", 1)[0]
    if top == "__main__":
        return False
    if top in _SCISTACK_PACKAGES or top == "builtins":
        return True
    path = getattr(module, "__file__", None)
    if not path:
        # Built-in and frozen modules, namespace packages: nothing of the user's to follow.
        return True
    if not path.endswith((".py", ".pyw")):
        return True  # compiled extension modules are libraries
    return _path_is_library(path)


def _module_name_is_library(name: str | None) -> bool:
    if not name:
        return False
    top = name.split(".", 1)[0]
    if top == "__main__":
        return False
    if top in _SCISTACK_PACKAGES or top == "builtins":
        return True
    module = sys.modules.get(name) or sys.modules.get(top)
    if module is not None:
        return _module_is_library(module)  # where its file lives decides, not its name
    return top in sys.stdlib_module_names


def _unimported_module_is_library(name: str) -> bool:
    """Decide from where a not-yet-imported module would be loaded, without importing it."""
    top = name.split(".", 1)[0]
    if top in _SCISTACK_PACKAGES or top in sys.stdlib_module_names:
        return True
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    origin = spec.origin
    if not origin or origin in ("built-in", "frozen"):
        return True
    return _path_is_library(origin)


def _function_is_library(fn: types.FunctionType) -> bool:
    # The file the code was compiled from decides (a library wrapper that copied a user
    # function's __module__ is still library code); code compiled from a string has no
    # file, and then its module decides.
    module_name = getattr(fn, "__module__", None)
    if isinstance(module_name, str) and module_name.split(".", 1)[0] in _SCISTACK_PACKAGES:
        return True
    filename = fn.__code__.co_filename
    if filename.startswith("<"):
        if filename.startswith("<frozen"):
            return True
        return _module_name_is_library(module_name if isinstance(module_name, str) else None)
    return _path_is_library(filename)


# --------------------------------------------------------------------------- helpers


def _update(hasher: Any, data: bytes) -> None:
    hasher.update(struct.pack("<Q", len(data)))
    hasher.update(data)


def _digest(tag: str, parts: Iterable[bytes]) -> bytes:
    hasher = hashlib.sha256(tag.encode())
    for part in parts:
        _update(hasher, part)
    return hasher.digest()


def _display_name(obj: Any) -> str:
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if isinstance(name, str):
        return name
    return f"<{type(obj).__name__} object>"


def _describe(obj: Any) -> str:
    cls = type(obj)
    return f"a {cls.__module__}.{cls.__qualname__} object"


def _library_name(obj: Any) -> str | None:
    """``module.qualname`` of a library callable or object, or None when it has no such name."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not isinstance(qualname, str):
        return None
    if not isinstance(module, str):
        owner = getattr(obj, "__objclass__", None) or getattr(obj, "__self__", None)
        if isinstance(owner, type):
            module = owner.__module__
        elif isinstance(owner, types.ModuleType):
            module = owner.__name__
        else:
            module = type(obj).__module__
    if not _module_name_is_library(module):
        return None
    # Only a name that leads back to this very object identifies it (a ufunc made from a
    # user function by np.frompyfunc carries numpy's module but no reachable name).
    target: Any = sys.modules.get(module)
    for part in qualname.split("."):
        target = getattr(target, part, _MISSING)
        if target is _MISSING:
            return None
    if target is not obj:
        return None
    return f"{module}.{qualname}"


def _library_singleton_name(obj: Any) -> str | None:
    """Find a library sentinel (``dataclasses.MISSING`` and the like) in its type's module."""
    module_name = type(obj).__module__
    if not _module_name_is_library(module_name):
        return None
    module = sys.modules.get(module_name)
    if module is None:
        return None
    for attr, value in vars(module).items():
        if value is obj:
            return f"{module_name}.{attr}"
    return None


def _docstring_slot(code: types.CodeType) -> bool:
    """True when ``co_consts[0]`` of this code object holds the docstring."""
    if not code.co_consts or not isinstance(code.co_consts[0], str):
        return False
    if _CO_HAS_DOCSTRING is not None:
        return bool(code.co_flags & _CO_HAS_DOCSTRING)
    return (code.co_flags & _FUNCTION_FLAGS) == _FUNCTION_FLAGS and not code.co_name.startswith("<")


@functools.lru_cache(maxsize=8192)
def _code_digest(code: types.CodeType) -> bytes:
    """Digest of a code object without anything process- or location-specific."""
    consts = list(code.co_consts)
    if _docstring_slot(code):
        consts[0] = None
    parts = [
        code.co_name.encode(),
        struct.pack(
            "<qqqq",
            code.co_argcount,
            code.co_posonlyargcount,
            code.co_kwonlyargcount,
            code.co_flags,
        ),
        code.co_code,
        "\x1f".join(code.co_names).encode(),
        "\x1f".join(code.co_varnames).encode(),
        "\x1f".join(code.co_freevars).encode(),
        "\x1f".join(code.co_cellvars).encode(),
        getattr(code, "co_exceptiontable", b""),
        _const_bytes(tuple(consts)),
    ]
    return _digest("code", parts)


def _const_bytes(value: Any) -> bytes:
    """Canonical bytes of a compile-time constant."""
    if isinstance(value, types.CodeType):
        return b"C" + _code_digest(value)
    if value is None:
        return b"N"
    if value is Ellipsis:
        return b"E"
    if isinstance(value, bool):
        return b"B1" if value else b"B0"
    if isinstance(value, int):
        return b"I" + str(value).encode()
    if isinstance(value, float):
        return b"F" + value.hex().encode()
    if isinstance(value, complex):
        return b"X" + value.real.hex().encode() + b"," + value.imag.hex().encode()
    if isinstance(value, str):
        return b"S" + value.encode("utf-8", "surrogatepass")
    if isinstance(value, bytes):
        return b"Y" + value
    if isinstance(value, tuple):
        return b"T" + _digest("tuple", (_const_bytes(v) for v in value))
    if isinstance(value, frozenset):
        return b"Z" + _digest("frozenset", sorted(_const_bytes(v) for v in value))
    raise FingerprintError(
        f"unexpected constant of type {type(value).__qualname__} in compiled code"
    )


@dataclass
class _CodeReferences:
    """What a code object (with its nested code objects) reads from outside itself."""

    globals_read: set[str] = field(default_factory=set)
    #: global name -> attribute paths read through it (``helpers.smooth`` -> ("smooth",))
    attribute_paths: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    #: global names loaded without an attribute read right after
    bare_globals: set[str] = field(default_factory=set)
    #: (absolute-or-relative name, level, names imported from it)
    imports: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)


@functools.lru_cache(maxsize=4096)
def _code_references(code: types.CodeType) -> _CodeReferences:
    import dis

    refs = _CodeReferences()
    stack = [code]
    while stack:
        current = stack.pop()
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
        instructions = list(dis.get_instructions(current))
        recent_consts: list[Any] = []
        i = 0
        while i < len(instructions):
            ins = instructions[i]
            op = ins.opname
            if op == "LOAD_CONST":
                recent_consts = (recent_consts + [ins.argval])[-2:]
            elif op == "LOAD_GLOBAL":
                name = ins.argval
                refs.globals_read.add(name)
                path: list[str] = []
                j = i + 1
                while j < len(instructions) and instructions[j].opname in _ATTR_OPS:
                    path.append(instructions[j].argval)
                    j += 1
                if path:
                    refs.attribute_paths.setdefault(name, set()).add(tuple(path))
                else:
                    refs.bare_globals.add(name)
            elif op == "IMPORT_NAME":
                level = (
                    recent_consts[0]
                    if len(recent_consts) == 2 and isinstance(recent_consts[0], int)
                    else 0
                )
                names: list[str] = []
                j = i + 1
                while j < len(instructions) and instructions[j].opname in (
                        "IMPORT_FROM", "STORE_FAST", "STORE_NAME", "STORE_GLOBAL", "STORE_DEREF",
                        "POP_TOP"):
                    if instructions[j].opname == "IMPORT_FROM":
                        names.append(instructions[j].argval)
                    j += 1
                refs.imports.append((ins.argval, level, tuple(names)))
            if op != "LOAD_CONST":
                recent_consts = []
            i += 1
    return refs


# --------------------------------------------------------------------------- the encoder


class _Frame:
    __slots__ = ("depth", "low")

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.low = depth


class _Fingerprinter:
    """One fingerprint computation: walks references depth-first, collecting guards."""

    def __init__(self, root_name: str) -> None:
        self.root_name = root_name
        self.frames: list[_Frame] = []
        self.on_stack: dict[int, int] = {}
        self.done: dict[int, bytes] = {}
        self.keepalive: list[Any] = []
        self.state = FingerprintState("")
        self._guard_keys: set[tuple[int, Any]] = set()
        self.trail: list[str] = []

    # -- guards
    def guard_mapping(self, mapping: Any, key: Any, value: Any) -> None:
        k = (id(mapping), key)
        if k not in self._guard_keys:
            self._guard_keys.add(k)
            self.state._dict_guards.append((mapping, key, value))

    def guard_attr(self, obj: Any, attr: str) -> None:
        k = (id(obj), "attr:" + attr)
        if k not in self._guard_keys:
            self._guard_keys.add(k)
            # A weak reference: the memo is keyed weakly by the function, so its state must
            # not keep the function alive.
            self.state._attr_guards.append((weakref.ref(obj), attr, getattr(obj, attr)))

    def guard_cell(self, cell: Any, value: Any) -> None:
        k = (id(cell), "cell")
        if k not in self._guard_keys:
            self._guard_keys.add(k)
            self.state._cell_guards.append((cell, value))

    # -- entry
    def root(self, obj: Any) -> FingerprintState:
        self.keepalive.append(obj)
        token = self.ref(obj, "the function itself")
        hasher = hashlib.sha256(FINGERPRINT_PREFIX)
        _update(hasher, token)
        self.state.hexdigest = hasher.hexdigest()
        return self.state

    def fail(self, what: str, obj: Any, hint: str = "") -> FingerprintError:
        chain = " -> ".join(self.trail) or self.root_name
        message = (
            f"cannot fingerprint {self.root_name}: {what} (in {chain}) is {_describe(obj)}, "
            "which is neither a value SciStack can hash nor a function, class or module. "
            "Make it a module-level constant of a supported type, pass it as an argument, "
            "or give the function an explicit version=\"...\"."
        )
        if hint:
            message += " " + hint
        err = FingerprintError(message)
        err.reference = what
        return err

    # -- recursion with cycle detection
    def recurse(self, obj: Any, build: Callable[[Any], bytes]) -> bytes:
        key = id(obj)
        if key in self.done:
            return self.done[key]
        depth = self.on_stack.get(key)
        if depth is not None:
            if self.frames:
                self.frames[-1].low = min(self.frames[-1].low, depth)
            return b"cycle:" + str(depth).encode()
        frame = _Frame(len(self.frames))
        self.frames.append(frame)
        self.on_stack[key] = frame.depth
        self.keepalive.append(obj)
        try:
            token = build(obj)
        finally:
            self.frames.pop()
            del self.on_stack[key]
        if frame.low >= frame.depth:
            self.done[key] = token  # independent of where it was reached from
        elif self.frames:
            self.frames[-1].low = min(self.frames[-1].low, frame.low)
        return token

    # -- references
    def ref(self, obj: Any, what: str) -> bytes:
        """Token for any referenced object (values, functions, classes, modules, ...)."""
        cls = type(obj)
        if obj is None or cls in (bool, int, float, str, complex):
            return b"value:" + content_hash(obj).encode()

        hook = getattr(cls, "__scistack_fingerprint__", None)
        if hook is not None:
            stand_in = hook(obj)
            if isinstance(stand_in, str):
                self.state._call_guards.append((hook, obj, stand_in))
                return b"declared:" + stand_in.encode()
            return self.ref(stand_in, what)

        if isinstance(obj, types.ModuleType):
            return self.module_token(obj, bare=True)
        if isinstance(obj, type):
            if _module_name_is_library(obj.__module__):
                return b"lib:" + f"{obj.__module__}.{obj.__qualname__}".encode()
            return self.recurse(obj, self.class_token)
        if isinstance(obj, types.FunctionType):
            if _function_is_library(obj):
                return b"lib:" + f"{obj.__module__}.{obj.__qualname__}".encode()
            return self.recurse(obj, self.function_token)
        if isinstance(obj, types.MethodType):
            return _digest(
                "method", [self.ref(obj.__func__, what), self.ref(obj.__self__, what + ".__self__")]
            )
        if isinstance(obj, functools.partial):
            parts = [self.ref(obj.func, what + ".func")]
            parts += [self.ref(a, f"{what} argument {i}") for i, a in enumerate(obj.args)]
            for k in sorted(obj.keywords):
                parts += [k.encode(), self.ref(obj.keywords[k], f"{what} keyword {k!r}")]
            return _digest("partial", parts)
        if isinstance(obj, (staticmethod, classmethod)):
            return _digest(cls.__name__, [self.ref(obj.__func__, what)])
        if isinstance(obj, property):
            return _digest("property", [self.ref(f, what) for f in (obj.fget, obj.fset, obj.fdel)])
        if isinstance(obj, functools.cached_property):
            return _digest("cached_property", [self.ref(obj.func, what)])
        if isinstance(obj, logging.Logger):
            # Loggers do not change results; name them so that logging inside a function
            # does not forbid fingerprinting it.
            return b"logger:" + obj.name.encode()
        if isinstance(obj, enum.Enum):
            return _digest(
                "enum",
                [self.ref(cls, what), obj.name.encode(), self.ref(obj.value, what + ".value")],
            )
        if isinstance(obj, types.BuiltinMethodType) and not isinstance(
            obj.__self__, (types.ModuleType, type, type(None))
        ):
            # ``RESULTS.append``: a builtin bound to a value; the value is part of its identity.
            return _digest(
                "builtin-method",
                [obj.__name__.encode(), self.ref(obj.__self__, what + ".__self__")],
            )

        try:
            return b"value:" + content_hash(obj).encode()
        except (UnsupportedValueError, TypeError):
            pass
        if isinstance(obj, (list, tuple)):
            return _digest(cls.__name__, [self.ref(v, f"{what}[{i}]") for i, v in enumerate(obj)])
        if isinstance(obj, dict):
            parts = []
            items = []
            for k, v in obj.items():
                try:
                    kh = content_hash(k)
                except (UnsupportedValueError, TypeError):
                    raise self.fail(f"{what} key {k!r}", k) from None
                items.append((kh, k, v))
            for kh, k, v in sorted(items, key=lambda t: t[0]):
                parts += [kh.encode(), self.ref(v, f"{what}[{k!r}]")]
            return _digest("dict", parts)
        if isinstance(obj, (set, frozenset)):
            return _digest("set", sorted(self.ref(v, f"element of {what}") for v in obj))

        if callable(obj):
            name = _library_name(obj)
            if name is not None:
                return b"lib:" + name.encode()
        singleton = _library_singleton_name(obj)
        if singleton is not None:
            return b"lib:" + singleton.encode()
        raise self.fail(what, obj)

    def module_token(self, module: types.ModuleType, *, bare: bool) -> bytes:
        name = module.__name__
        if _module_is_library(module) or not bare:
            return b"module:" + name.encode()
        # A user module used as an object (not only through ``module.attr``): its whole file
        # stands for it, which is conservative (any edit of the file counts).
        path = getattr(module, "__file__", None)
        try:
            with open(path, "rb") as fh:  # type: ignore[arg-type]
                text = fh.read()
        except (OSError, TypeError):
            text = b""
        return _digest("user-module", [name.encode(), text])

    def resolve_path(self, start: Any, start_name: str, path: tuple[str, ...]) -> bytes | None:
        """Follow ``module.attr.attr`` through user modules; token of what it reaches."""
        obj = start
        shown = start_name
        for attr in path:
            if not isinstance(obj, types.ModuleType) or _module_is_library(obj):
                break
            namespace = vars(obj)
            value = namespace.get(attr, _MISSING)
            self.guard_mapping(namespace, attr, value)
            shown = f"{shown}.{attr}"
            if value is _MISSING:
                return b"unbound:" + shown.encode()
            obj = value
        if obj is start:
            return None
        return _digest("path", [shown.encode(), self.ref(obj, f"global {shown!r}")])

    def function_token(self, fn: types.FunctionType) -> bytes:
        code = fn.__code__
        self.guard_attr(fn, "__code__")
        self.guard_attr(fn, "__defaults__")
        self.guard_attr(fn, "__kwdefaults__")
        self.trail.append(fn.__qualname__)
        try:
            parts: list[bytes] = [b"code", _code_digest(code)]

            positional = code.co_varnames[: code.co_argcount]
            defaults = fn.__defaults__ or ()
            for pname, value in zip(positional[len(positional) - len(defaults):], defaults):
                parts += [
                    b"default",
                    pname.encode(),
                    self.ref(value, f"default of parameter {pname!r}"),
                ]
            for pname in sorted(fn.__kwdefaults__ or {}):
                value = fn.__kwdefaults__[pname]  # type: ignore[index]
                parts += [
                    b"kwdefault",
                    pname.encode(),
                    self.ref(value, f"default of parameter {pname!r}"),
                ]

            for vname, cell in zip(code.co_freevars, fn.__closure__ or ()):
                try:
                    value = cell.cell_contents
                except ValueError:
                    value = _EMPTY_CELL
                self.guard_cell(cell, value)
                token = (
                    b"empty"
                    if value is _EMPTY_CELL
                    else self.ref(value, f"closure variable {vname!r}")
                )
                parts += [b"closure", vname.encode(), token]

            refs = _code_references(code)
            namespace = fn.__globals__
            builtin_ns = getattr(fn, "__builtins__", None)
            if isinstance(builtin_ns, types.ModuleType):
                builtin_ns = vars(builtin_ns)
            if not isinstance(builtin_ns, dict):
                builtin_ns = vars(builtins)
            for name in sorted(refs.globals_read):
                parts += [
                    b"global",
                    name.encode(),
                    self.global_token(namespace, builtin_ns, name, refs),
                ]
            for target, level, names in refs.imports:
                parts += [b"import", self.import_token(fn, target, level, names)]
            return _digest("function", parts)
        finally:
            self.trail.pop()

    def global_token(
        self, namespace: dict, builtin_ns: dict, name: str, refs: _CodeReferences
    ) -> bytes:
        value = namespace.get(name, _MISSING)
        self.guard_mapping(namespace, name, value)
        if value is _MISSING:
            value = builtin_ns.get(name, _MISSING)
            self.guard_mapping(builtin_ns, name, value)
            if value is _MISSING:
                return b"unbound"  # read only on a path not taken yet; rebinding is guarded
        if isinstance(value, types.ModuleType):
            parts = [self.module_token(value, bare=name in refs.bare_globals)]
            for path in sorted(refs.attribute_paths.get(name, ())):
                token = self.resolve_path(value, name, path)
                if token is not None:
                    parts.append(token)
            return _digest("module-ref", parts)
        return self.ref(value, f"global {name!r}")

    def import_token(
        self, fn: types.FunctionType, target: str, level: int, names: tuple[str, ...]
    ) -> bytes:
        absolute = target
        if level:
            package = fn.__globals__.get("__package__")
            if not package:
                return _digest("import-unresolved", [target.encode(), str(level).encode()])
            try:
                absolute = importlib.util.resolve_name("." * level + target, package)
            except (ImportError, ValueError):
                return _digest("import-unresolved", [target.encode(), str(level).encode()])
        module = sys.modules.get(absolute)
        if module is None:
            if _unimported_module_is_library(absolute):
                return b"import:" + absolute.encode()
            try:
                module = importlib.import_module(absolute)
            except Exception:  # the call itself will fail the same way; nothing is cached then
                return b"import-failed:" + absolute.encode()
        parts = [absolute.encode()]
        if names:
            for imported in names:
                token = self.resolve_path(module, absolute, (imported,))
                parts.append(token if token is not None else b"module:" + absolute.encode())
        else:
            parts.append(self.module_token(module, bare=True))
        return _digest("import", parts)

    def class_token(self, cls: type) -> bytes:
        self.trail.append(cls.__qualname__)
        try:
            parts: list[bytes] = [cls.__qualname__.encode()]
            for base in cls.__bases__:
                parts.append(self.ref(base, f"base class {base.__qualname__}"))
            if type(cls) is not type:
                parts.append(self.ref(type(cls), "metaclass"))
            namespace = cls.__dict__
            for name in sorted(namespace):
                value = namespace[name]
                if (
                    name in ("__dict__", "__weakref__", "_abc_impl")
                    or not _is_behaviour(value)
                    and _is_special_name(name)
                ):
                    continue
                self.guard_mapping(namespace, name, value)
                parts += [
                    name.encode(),
                    self.ref(value, f"class attribute {cls.__qualname__}.{name}"),
                ]
            return _digest("class", parts)
        finally:
            self.trail.pop()


def _is_special_name(name: str) -> bool:
    """Dunder (``__x__``) and enum-style sunder (``_x_``) names: class metadata, not behaviour."""
    return len(name) > 2 and name[0] == "_" and name[-1] == "_"


def _is_behaviour(value: Any) -> bool:
    return isinstance(
        value,
        (types.FunctionType, staticmethod, classmethod, property, functools.cached_property, type),
    )
