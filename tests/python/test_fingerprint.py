"""Function fingerprints: what changes them, what does not, and that they are process-stable."""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scistack_engine
from scistack_engine import fingerprint
from scistack_engine.fingerprint import (
    fingerprint_state,
    function_fingerprint,
    object_fingerprint,
    version_fingerprint,
)
from scistack_engine.hashing import content_hash
from scistack_engine.lineage import FingerprintError


def define(source: str, name: str = "f", ns: dict | None = None):
    """Compile ``source`` as user code (no file, a module name that is not a library)."""
    ns = {"__name__": "scistack_fp_user_code"} if ns is None else ns
    exec(compile(textwrap.dedent(source), "<test source>", "exec", dont_inherit=True), ns)
    return ns[name]


def fp(source: str, name: str = "f", ns: dict | None = None) -> str:
    return function_fingerprint(define(source, name, ns))


BASE = """
import numpy as np
def f(x, k=2):
    return np.mean(x) * k
"""


# --------------------------------------------------------------------------- shape


def test_fingerprint_is_hex_and_deterministic():
    a, b = fp(BASE), fp(BASE)
    assert a == b
    assert len(a) == 64 and int(a, 16) >= 0


def test_fingerprint_is_memoised_per_function_object():
    f = define(BASE)
    assert fingerprint_state(f) is fingerprint_state(f)


# ------------------------------------------------------------------------- what does not change it


def test_comments_blank_lines_indentation_and_docstring_do_not_matter():
    variant = '''
    import numpy as np


    def f(x,
          k=2):
        """A docstring that was added."""
        # a comment
        return (np.mean(x)   # trailing comment
                * k)
    '''
    assert fp(variant) == fp(BASE)


def test_moving_a_function_down_the_file_does_not_matter():
    assert fp("\n\n\n\n" + BASE) == fp(BASE)


def test_unrelated_globals_do_not_matter():
    ns = {"__name__": "scistack_fp_user_code", "UNUSED": object()}
    assert fp(BASE, ns=ns) == fp(BASE)


# --------------------------------------------------------------------------- what changes it


def test_code_edit_changes_it():
    edited = BASE.replace("np.mean(x) * k", "np.mean(x) * k + 1")
    assert fp(edited) != fp(BASE)


def test_np_mean_to_np_median_changes_it():
    assert fp(BASE.replace("np.mean", "np.median")) != fp(BASE)


def test_default_change_changes_it():
    assert fp(BASE.replace("k=2", "k=3")) != fp(BASE)


def test_keyword_only_default_change_changes_it():
    a = fp("def f(x, *, k=2):\n    return x * k\n")
    b = fp("def f(x, *, k=3):\n    return x * k\n")
    assert a != b


def test_string_constant_change_changes_it_also_inside_comprehensions():
    a = fp("def f(y):\n    return ['a' for _ in y]\n")
    b = fp("def f(y):\n    return ['b' for _ in y]\n")
    assert a != b


def test_first_string_constant_that_is_not_a_docstring_counts():
    a = fp("def f():\n    x = 1\n    return 'abc'\n")
    b = fp("def f():\n    x = 1\n    return 'abd'\n")
    assert a != b


def test_referenced_helper_change_changes_it_even_for_the_same_function_object():
    ns = {"__name__": "scistack_fp_user_code"}
    f = define(
        """
        def helper(v):
            return v + 1
        def f(x):
            return helper(x) * 2
        """,
        ns=ns,
    )
    before = function_fingerprint(f)
    define("def helper(v):\n    return v + 2\n", "helper", ns)  # re-defined helper
    after = function_fingerprint(f)
    assert before != after
    define("def helper(v):\n    return v + 1\n", "helper", ns)  # back to the original code
    assert function_fingerprint(f) == before


def test_transitive_helper_change_changes_it():
    src = """
    def deep(v):
        return v - {d}
    def mid(v):
        return deep(v) * 3
    def f(x):
        return mid(x)
    """
    assert fp(src.format(d=1)) != fp(src.format(d=2))


def test_module_level_constant_rebinding_changes_it():
    ns = {"__name__": "scistack_fp_user_code"}
    f = define("THRESHOLD = 3\ndef f(x):\n    return x > THRESHOLD\n", ns=ns)
    before = function_fingerprint(f)
    ns["THRESHOLD"] = 4
    assert function_fingerprint(f) != before
    ns["THRESHOLD"] = 3
    assert function_fingerprint(f) == before


def test_array_constant_content_counts():
    ns = {"__name__": "scistack_fp_user_code", "W": np.array([1.0, 2.0])}
    f = define("def f(x):\n    return x @ W\n", ns=ns)
    before = function_fingerprint(f)
    ns["W"] = np.array([1.0, 2.5])
    assert function_fingerprint(f) != before
    ns["W"] = np.array([1.0, 2.0])  # an equal array (a different object) gives the same
    assert function_fingerprint(f) == before


def test_closure_value_change_changes_it():
    def make(k):
        def f(x):
            return x * k
        return f

    assert function_fingerprint(make(2)) == function_fingerprint(make(2))
    assert function_fingerprint(make(2)) != function_fingerprint(make(3))


def test_closure_holding_a_function_is_followed():
    def make(g):
        def f(x):
            return g(x)
        return f

    g1 = define("def g(v):\n    return v + 1\n", "g")
    g2 = define("def g(v):\n    return v + 2\n", "g")
    assert function_fingerprint(make(g1)) != function_fingerprint(make(g2))


def test_name_that_was_unbound_then_defined_changes_it():
    ns = {"__name__": "scistack_fp_user_code"}
    f = define("def f(x):\n    return later(x)\n", ns=ns)
    before = function_fingerprint(f)
    define("def later(v):\n    return v\n", "later", ns)
    assert function_fingerprint(f) != before


def test_reassigning_code_or_defaults_changes_it():
    f = define(BASE)
    before = function_fingerprint(f)
    f.__defaults__ = (5,)
    assert function_fingerprint(f) != before


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.tuples(st.integers(), st.integers()),
        st.tuples(st.floats(allow_nan=False), st.floats(allow_nan=False)),
        st.tuples(st.text(max_size=8), st.text(max_size=8)),
        st.tuples(st.lists(st.integers(), max_size=4), st.lists(st.integers(), max_size=4)),
    )
)
def test_constant_fingerprint_follows_content_hash(pair):
    a, b = pair
    fa = fp("def f(x):\n    return (x, C)\n", ns={"__name__": "scistack_fp_user_code", "C": a})
    fb = fp("def f(x):\n    return (x, C)\n", ns={"__name__": "scistack_fp_user_code", "C": b})
    assert (fa == fb) == (content_hash(a) == content_hash(b))


# ------------------------------------------------------------------------ lambdas, nesting, cycles


def test_two_lambdas_on_one_line_differ_and_are_stable():
    ns = {"__name__": "scistack_fp_user_code"}
    define("add = lambda x: x + 1; mul = lambda x: x * 2", "add", ns)
    assert function_fingerprint(ns["add"]) != function_fingerprint(ns["mul"])
    ns2 = {"__name__": "scistack_fp_user_code"}
    define("add = lambda x: x + 1; mul = lambda x: x * 2", "add", ns2)
    assert function_fingerprint(ns["add"]) == function_fingerprint(ns2["add"])


def test_nested_function_edit_changes_it():
    a = fp("def f(x):\n    def g(y):\n        return y + 1\n    return g(x)\n")
    b = fp("def f(x):\n    def g(y):\n        return y + 2\n    return g(x)\n")
    assert a != b


def test_helper_referenced_only_inside_a_nested_function_is_followed():
    src = """
    def helper(v):
        return v * {m}
    def f(x):
        return [helper(i) for i in x]
    """
    assert fp(src.format(m=2)) != fp(src.format(m=3))


def test_mutual_recursion_terminates_and_sees_both_sides():
    src = """
    def f(n):
        return 0 if n == 0 else g(n - 1)
    def g(n):
        return {body}
    """
    a = fp(src.format(body="f(n)"))
    b = fp(src.format(body="f(n) + 0"))
    assert a != b
    ns = {"__name__": "scistack_fp_user_code"}
    define(src.format(body="f(n)"), ns=ns)
    assert function_fingerprint(ns["f"]) != function_fingerprint(ns["g"])


def test_self_recursive_function():
    a = fp("def f(n):\n    return 1 if n < 2 else n * f(n - 1)\n")
    b = fp("def f(n):\n    return 1 if n < 2 else n * f(n - 2)\n")
    assert a != b


# ------------------------------------------------------------------------ references of every kind


def test_library_functions_are_named_not_followed():
    # np.mean (an array-function dispatcher) and np.sqrt (a ufunc) are named by module
    assert fingerprint._module_name_is_library(np.mean.__module__)
    assert fingerprint._module_name_is_library(np.sqrt.__module__)
    assert fingerprint._module_is_library(np) and fingerprint._module_is_library(dataclasses)
    assert fingerprint._function_is_library(os.path.join)
    assert object_fingerprint(np.mean) != object_fingerprint(np.median)
    assert object_fingerprint(len) != object_fingerprint(abs)


def test_scistack_itself_counts_as_library():
    assert fingerprint._module_is_library(scistack_engine)
    assert fingerprint._function_is_library(content_hash)


def test_user_classes_are_followed():
    src = """
    class Scaler:
        factor = {factor}
        def apply(self, x):
            return x * {mult}
    def f(x):
        return Scaler().apply(x)
    """
    base = fp(src.format(factor=2, mult=1))
    assert fp(src.format(factor=2, mult=1)) == base
    assert fp(src.format(factor=3, mult=1)) != base
    assert fp(src.format(factor=2, mult=2)) != base


def test_dataclasses_and_enums_can_be_fingerprinted():
    src = """
    import dataclasses, enum
    class Mode(enum.Enum):
        FAST = {fast}
        SLOW = 2
    @dataclasses.dataclass
    class Config:
        order: int = {order}
        bands: list = dataclasses.field(default_factory=list)
    def f(x):
        return Config().order * x, Mode.FAST
    """
    base = fp(src.format(fast=1, order=4))
    assert fp(src.format(fast=1, order=4)) == base
    assert fp(src.format(fast=1, order=5)) != base
    assert fp(src.format(fast=9, order=4)) != base


def test_loggers_sets_and_builtins_are_accepted():
    ns = {
        "__name__": "scistack_fp_user_code",
        "LOG": logging.getLogger("scistack.test"),
        "NAMES": {"b", "a"},
    }
    f = define("def f(x):\n    LOG.debug('x')\n    return len(x) if 'a' in NAMES else 0\n", ns=ns)
    assert len(function_fingerprint(f)) == 64


def test_wrapped_functions_partials_and_methods_are_followed():
    import functools

    g1 = define("def g(v, k):\n    return v + k\n", "g")
    assert object_fingerprint(functools.partial(g1, k=1)) != object_fingerprint(
        functools.partial(g1, k=2)
    )


def test_unfingerprintable_global_is_an_error_naming_it():
    ns = {"__name__": "scistack_fp_user_code", "LOCK": threading.Lock()}
    f = define("def f(x):\n    with LOCK:\n        return x\n", ns=ns)
    with pytest.raises(FingerprintError) as info:
        function_fingerprint(f)
    assert "'LOCK'" in str(info.value) and "version=" in str(info.value)
    assert info.value.identifier == "scistack:lineage:unfingerprintable"


def test_unfingerprintable_default_is_an_error_naming_the_parameter():
    f = define("def f(x, lock=None):\n    return x\n")
    f.__defaults__ = (threading.Lock(),)
    with pytest.raises(FingerprintError, match="parameter 'lock'"):
        function_fingerprint(f)


def test_error_is_raised_for_a_nested_reference_and_names_the_path():
    ns = {"__name__": "scistack_fp_user_code", "EVENT": threading.Event()}
    f = define("def helper():\n    return EVENT\ndef f(x):\n    return helper()\n", ns=ns)
    with pytest.raises(FingerprintError) as info:
        function_fingerprint(f)
    assert "helper" in str(info.value) and "'EVENT'" in str(info.value)


def test_opt_in_hook_identifies_an_object():
    class Tool:
        def __init__(self, tag):
            self.tag = tag

        def __scistack_fingerprint__(self):
            return self.tag

    fa = fp("def f(x):\n    return T\n", ns={"__name__": "scistack_fp_user_code", "T": Tool("a")})
    fb = fp("def f(x):\n    return T\n", ns={"__name__": "scistack_fp_user_code", "T": Tool("b")})
    assert fa != fb


def test_version_fingerprint_ignores_code_but_not_name_or_version():
    f1 = define(BASE)
    f2 = define(BASE.replace("* k", "* k + 1"))
    g = define(BASE.replace("def f", "def g"), "g")
    assert version_fingerprint(f1, "v1") == version_fingerprint(f2, "v1")
    assert version_fingerprint(f1, "v1") != version_fingerprint(f1, "v2")
    assert version_fingerprint(f1, "v1") != version_fingerprint(g, "v1")
    assert version_fingerprint(f1, "v1") != function_fingerprint(f1)


# --------------------------------------------------------------------------- user modules


@pytest.fixture
def user_modules(tmp_path, monkeypatch):
    """Two importable user modules: helpers and a pipeline using them."""
    tag = uuid.uuid4().hex[:8]
    helpers, pipeline = f"fp_helpers_{tag}", f"fp_pipeline_{tag}"
    (tmp_path / f"{helpers}.py").write_text("def smooth(x):\n    return x + 1\n")
    (tmp_path / f"{pipeline}.py").write_text(
        textwrap.dedent(
            f"""
            import {helpers}
            def through_attribute(x):
                return {helpers}.smooth(x)
            def through_local_import(x):
                from {helpers} import smooth
                return smooth(x)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    h = importlib.import_module(helpers)
    p = importlib.import_module(pipeline)
    yield h, p
    sys.modules.pop(helpers, None)
    sys.modules.pop(pipeline, None)


def test_attribute_of_a_user_module_is_followed(user_modules):
    helpers, pipeline = user_modules
    before_attr = function_fingerprint(pipeline.through_attribute)
    before_import = function_fingerprint(pipeline.through_local_import)
    define("def smooth(x):\n    return x + 2\n", "smooth", vars(helpers))
    assert function_fingerprint(pipeline.through_attribute) != before_attr
    assert function_fingerprint(pipeline.through_local_import) != before_import


# --------------------------------------------------------------------------- across processes

PROBE_MODULE = '''
import numpy as np

SCALE = 2.5
NAMES = {"gamma", "alpha", "beta"}


def helper(values):
    """Scale every value."""
    return [v * SCALE for v in values]


def target(x, k=3):
    square = lambda z: z ** 2

    def inner(y):
        return {i: square(i) for i in y}

    total = sum(inner(range(k)).values())
    flags = [n in {"alpha", "beta", "delta"} for n in sorted(NAMES)]
    gen = (t for t in helper(x))
    return float(np.mean(list(gen))) + total + sum(flags)
'''

PROBE_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import {module} as m
from scistack_engine.fingerprint import function_fingerprint
from scilineage import Thunk
print(function_fingerprint(m.target))
print(Thunk(m.target).cache_key(np.arange(5.0), k=4))
"""


def test_fingerprint_and_cache_key_are_equal_in_fresh_processes(tmp_path, monkeypatch):
    module = f"fp_probe_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(PROBE_MODULE)
    package_root = str(Path(scistack_engine.__file__).resolve().parents[1])
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        env["PYTHONPATH"] = package_root + os.pathsep + env.get("PYTHONPATH", "")
        proc = subprocess.run(
            [sys.executable, "-c", PROBE_SCRIPT.format(module=module), str(tmp_path)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout.split())
    assert outputs[0] == outputs[1]

    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        m = importlib.import_module(module)
        assert function_fingerprint(m.target) == outputs[0][0]
    finally:
        sys.modules.pop(module, None)
