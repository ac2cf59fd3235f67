"""scilineage: lineage-carrying results, the in-memory cache and every invalidation rule."""

from __future__ import annotations

import textwrap
import threading

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scilineage
from scilineage import (
    LineageRecord,
    LineageResult,
    MemoryCacheStore,
    RecordRef,
    Thunk,
    UpstreamRef,
    cache_key,
    lineage_fcn,
    set_cache_store,
)
from scistack_engine.hashing import content_hash
from scistack_engine.lineage import (
    LineageFormatError,
    LineageOptionError,
    OutputCountError,
    UnhashableArgumentError,
    get_cache_store,
)


@lineage_fcn(n_outputs=2)
def module_level_pair(x):
    return x, -x


class CallCounter:
    """Counts calls; identified by a fixed fingerprint so that counting changes no key."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> int:
        self.n += 1
        return self.n

    def __scistack_fingerprint__(self) -> str:
        return "test-call-counter"


class Loaded:
    """Stand-in for a variable loaded from the database."""

    def __init__(self, data, record_id="rec-1", version=1, variable="RawEMG", metadata=None):
        self.data = data
        self.__scistack_record__ = RecordRef(
            variable=variable,
            metadata=metadata or {"subject": 1, "session": "pre"},
            record_id=record_id,
            version=version,
            content_hash=content_hash(data),
        )


@pytest.fixture(autouse=True)
def fresh_store():
    store = MemoryCacheStore()
    previous = set_cache_store(store)
    yield store
    set_cache_store(previous)


def define(source: str, name: str = "f", ns: dict | None = None, **globals_):
    ns = {"__name__": "scistack_lineage_user_code", **globals_} if ns is None else ns
    exec(compile(textwrap.dedent(source), "<test source>", "exec", dont_inherit=True), ns)
    return ns[name]


# --------------------------------------------------------------------------- basics


def test_result_carries_data_and_lineage():
    @lineage_fcn
    def bandpass_filter(signal, low_hz, high_hz):
        return signal * (high_hz - low_hz)

    raw = Loaded(np.arange(4.0))
    filtered = bandpass_filter(raw, low_hz=20, high_hz=450)
    assert isinstance(filtered, LineageResult)
    np.testing.assert_array_equal(filtered.data, np.arange(4.0) * 430)
    lineage = filtered.lineage
    assert lineage.function_name == "bandpass_filter"
    assert lineage.language == "python"
    assert lineage.fingerprint == bandpass_filter.fingerprint
    assert lineage.constant_values == {"low_hz": 20, "high_hz": 450}
    ref = lineage.inputs["signal"]
    assert isinstance(ref, RecordRef)
    assert (ref.variable, ref.record_id, ref.version) == ("RawEMG", "rec-1", 1)
    assert ref.metadata == {"subject": 1, "session": "pre"}


def test_function_receives_plain_values():
    seen = []

    @lineage_fcn
    def step(a, b):
        seen.append((type(a), type(b)))
        return a + b

    first = step(Loaded(np.ones(2)), 1.0)
    step(first, 2.0)
    assert seen == [(np.ndarray, float), (np.ndarray, float)]


def test_decorator_preserves_name_and_doc_and_thunk_is_equivalent():
    def scale(x, factor=2):
        """Scale x."""
        return x * factor

    wrapped = lineage_fcn(scale)
    assert isinstance(wrapped, Thunk)
    assert wrapped.__name__ == "scale" and wrapped.__doc__ == "Scale x."
    assert Thunk(scale).cache_key(3) == wrapped.cache_key(3)
    assert Thunk(wrapped, version="v1").__wrapped__ is scale
    assert scilineage.Thunk is Thunk


def test_cache_hit_does_not_call_the_function():
    counter = CallCounter()
    f = lineage_fcn(define("def f(x, k):\n    count()\n    return x * k\n", count=counter))
    a = f(np.arange(3), 2)
    b = f(np.arange(3), 2)
    assert counter.n == 1
    np.testing.assert_array_equal(a.data, b.data)
    assert a.lineage.cache_key == b.lineage.cache_key


def test_positional_and_keyword_calls_share_a_key():
    f = lineage_fcn(define("def f(x, low, high=5):\n    return x\n"))
    key = f.cache_key(1, 2, 3)
    assert f.cache_key(1, low=2, high=3) == key
    assert f.cache_key(high=3, low=2, x=1) == key
    assert f.cache_key(1, 2) != key  # an omitted default is not a passed constant


def test_thunks_pickle_by_reference_or_by_function():
    import pickle

    assert pickle.loads(pickle.dumps(module_level_pair)) is module_level_pair
    dynamic = Thunk(np.mean, version="v3")
    clone = pickle.loads(pickle.dumps(dynamic))
    assert isinstance(clone, Thunk) and clone.version == "v3" and clone.__wrapped__ is np.mean
    assert clone.fingerprint == dynamic.fingerprint


def test_record_reference_may_be_a_mapping():
    class LoadedDict:
        def __init__(self, data):
            self.data = data
            self.__scistack_record__ = {
                "variable": "RawEMG",
                "metadata": {"subject": 2},
                "record_id": "r7",
                "version": 3,
                "content_hash": content_hash(data),
            }

    @lineage_fcn
    def f(x):
        return x

    ref = f(LoadedDict([1, 2])).lineage.inputs["x"]
    assert isinstance(ref, RecordRef) and (ref.record_id, ref.version) == ("r7", 3)
    assert f.cache_key(LoadedDict([1, 2])) == f.cache_key(Loaded([1, 2]))


def test_wrapped_helper_change_changes_the_caller():
    ns = {"__name__": "scistack_lineage_user_code"}
    ns["helper"] = lineage_fcn(define("def helper(v):\n    return v + 1\n", "helper", ns=ns))
    outer = lineage_fcn(define("def f(x):\n    return helper(x).data\n", ns=ns))
    before = outer.fingerprint
    ns["helper"] = lineage_fcn(define("def helper(v):\n    return v + 2\n", "helper", ns=ns))
    assert outer.fingerprint != before
    assert outer(1).data == 3


def test_methods_bind_and_self_must_be_hashable():
    class Filter:
        @lineage_fcn
        def run(self, x):
            return x

    with pytest.raises(UnhashableArgumentError, match="'self'"):
        Filter().run(1)


# --------------------------------------------------------------------------- invalidation rules


def counted(source: str, counter: CallCounter, ns: dict | None = None, **options):
    ns = {"__name__": "scistack_lineage_user_code", "count": counter} if ns is None else ns
    ns.setdefault("count", counter)
    return (
        lineage_fcn(**options)(define(source, ns=ns))
        if options
        else lineage_fcn(define(source, ns=ns))
    )


BODY = """
import numpy as np
def f(x, k=2):
    count()
    return float(np.mean(x)) * k
"""


def test_identical_redefinition_is_a_hit():
    counter = CallCounter()
    counted(BODY, counter)(np.arange(4.0))
    counted(BODY, counter)(np.arange(4.0))
    assert counter.n == 1


def test_code_edit_is_a_miss():
    counter = CallCounter()
    counted(BODY, counter)(np.arange(4.0))
    counted(BODY.replace("* k", "* k + 0"), counter)(np.arange(4.0))
    assert counter.n == 2


def test_np_mean_to_np_median_is_a_miss():
    counter = CallCounter()
    a = counted(BODY, counter)(np.arange(4.0))
    b = counted(BODY.replace("np.mean", "np.median"), counter)(np.arange(4.0))
    assert counter.n == 2
    assert a.lineage.fingerprint != b.lineage.fingerprint


def test_default_change_is_a_miss():
    counter = CallCounter()
    counted(BODY, counter)(np.arange(4.0))
    counted(BODY.replace("k=2", "k=3"), counter)(np.arange(4.0))
    assert counter.n == 2


def test_constant_argument_change_is_a_miss_and_going_back_is_a_hit():
    counter = CallCounter()
    f = counted(BODY, counter)
    f(np.arange(4.0), k=2)
    f(np.arange(4.0), k=3)
    f(np.arange(4.0), k=2)
    assert counter.n == 2


def test_referenced_helper_change_is_a_miss():
    counter = CallCounter()
    ns = {"__name__": "scistack_lineage_user_code", "count": counter}
    src = "def helper(v):\n    return v + 1\ndef f(x):\n    count()\n    return helper(x)\n"
    f = counted(src, counter, ns=ns)
    assert f(1).data == 2
    define("def helper(v):\n    return v + 10\n", "helper", ns)
    assert f(1).data == 11
    assert counter.n == 2


def test_module_level_constant_change_is_a_miss():
    counter = CallCounter()
    ns = {"__name__": "scistack_lineage_user_code", "count": counter}
    f = counted("CUTOFF = 3\ndef f(x):\n    count()\n    return x > CUTOFF\n", counter, ns=ns)
    assert f(4).data is True
    ns["CUTOFF"] = 5
    assert f(4).data is False
    ns["CUTOFF"] = 3
    assert f(4).data is True
    assert counter.n == 2


def test_closure_value_change_is_a_miss():
    counter = CallCounter()

    def make(k):
        def f(x):
            counter()
            return x * k

        return lineage_fcn(f)

    make(2)(3)
    make(2)(3)
    assert counter.n == 1
    assert make(5)(3).data == 15
    assert counter.n == 2


def test_input_content_change_is_a_miss_and_identical_resave_is_a_hit():
    counter = CallCounter()
    f = counted("def f(signal):\n    count()\n    return signal.sum()\n", counter)
    first = f(Loaded(np.arange(5.0), record_id="rec-1", version=1))
    # the same raw data saved again: another record id and version, same content
    again = f(Loaded(np.arange(5.0), record_id="rec-9", version=2))
    assert counter.n == 1
    assert again.lineage.inputs["signal"].record_id == "rec-9"  # lineage of *this* call
    assert first.lineage.cache_key == again.lineage.cache_key
    f(Loaded(np.arange(5.0) + 1))
    assert counter.n == 2


def test_plain_equal_arrays_are_a_hit():
    counter = CallCounter()
    f = counted("def f(x):\n    count()\n    return x.sum()\n", counter)
    f(np.arange(6.0))
    f(np.arange(6.0).reshape(6))
    f(pd.Series([1.0, 2.0]).to_numpy())
    assert counter.n == 2


def test_data_input_and_constant_with_the_same_value_have_different_keys():
    f = lineage_fcn(define("def f(x):\n    return x\n"))
    assert f.cache_key(Loaded(np.arange(3))) != f.cache_key(np.arange(3))


# --------------------------------------------------------------------------- multiple outputs


def test_unpack_output_returns_results_in_declaration_order_fresh_and_cached():
    counter = CallCounter()

    @lineage_fcn(unpack_output=True)
    def split(x):
        counter()
        return x.min(), x.max(), x.mean()

    for _ in range(2):
        lo, hi, mean = split(np.array([3.0, 1.0, 2.0]))
        assert (lo.data, hi.data, mean.data) == (1.0, 3.0, 2.0)
        assert [r.output_index for r in (lo, hi, mean)] == [0, 1, 2]
        assert lo.lineage is hi.lineage
    assert counter.n == 1


def test_declared_n_outputs():
    counter = CallCounter()

    @lineage_fcn(n_outputs=2)
    def two(x):
        counter()
        return [x + 1, x - 1]

    for _ in range(2):
        up, down = two(10)
        assert (up.data, down.data) == (11, 9)
        assert up.lineage.n_outputs == 2
    assert counter.n == 1


def test_wrong_output_count_is_an_error():
    @lineage_fcn(n_outputs=3)
    def two(x):
        return x, x

    @lineage_fcn(unpack_output=True)
    def single(x):
        return x

    with pytest.raises(OutputCountError, match="3 outputs but returned 2"):
        two(1)
    with pytest.raises(OutputCountError, match="not a tuple"):
        single(1)


def test_arity_is_part_of_the_key_and_options_are_checked():
    def f(x):
        return x, x

    assert Thunk(f).cache_key(1) != Thunk(f, n_outputs=2).cache_key(1)
    assert Thunk(f, unpack_output=True).cache_key(1) != Thunk(f, n_outputs=2).cache_key(1)
    single = Thunk(f)(1)
    assert isinstance(single, LineageResult) and single.data == (1, 1)
    with pytest.raises(LineageOptionError):
        Thunk(f, unpack_output=True, n_outputs=1)
    with pytest.raises(LineageOptionError):
        Thunk(f, n_outputs=0)
    with pytest.raises(LineageOptionError):
        Thunk(f, version="")


# --------------------------------------------------------------------------- errors


def test_unhashable_argument_is_an_error_naming_function_and_parameter():
    @lineage_fcn
    def process(signal, options):
        return signal

    with pytest.raises(UnhashableArgumentError) as info:
        process(np.arange(3), options=threading.Lock())
    err = info.value
    assert "process" in str(err) and "'options'" in str(err)
    assert (err.function, err.parameter) == ("process", "options")
    assert err.identifier == "scistack:lineage:unhashableArgument"
    assert isinstance(err, TypeError)
    assert len(get_cache_store()) == 0


def test_results_inside_containers_are_not_unwrapped_and_say_so():
    @lineage_fcn
    def total(values):
        return sum(values)

    r = total([1, 2])
    with pytest.raises(UnhashableArgumentError, match="inside a container"):
        total([r, r])


def test_function_errors_propagate_and_cache_nothing(fresh_store):
    @lineage_fcn
    def broken(x):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        broken(1)
    assert len(fresh_store) == 0


# --------------------------------------------------------------------------- escape hatches


def test_version_replaces_the_code_fingerprint():
    counter = CallCounter()
    counted(BODY, counter, version="v1")(np.arange(3.0))
    counted(BODY.replace("* k", "* k + 1"), counter, version="v1")(np.arange(3.0))
    assert counter.n == 1  # code edited, version kept: still a hit
    counted(BODY.replace("* k", "* k + 1"), counter, version="v2")(np.arange(3.0))
    assert counter.n == 2


def test_recompute_forces_one_call_and_replaces_the_cached_outputs():
    counter = CallCounter()

    @lineage_fcn
    def tick(x):
        return counter() + x

    assert tick(0).data == 1
    assert tick(0).data == 1
    assert tick.recompute(0).data == 2
    assert tick(0).data == 2
    assert counter.n == 2


# --------------------------------------------------------------------------- chains


def test_lineage_chain_across_three_steps():
    counter = CallCounter()

    @lineage_fcn
    def detrend(signal):
        counter()
        return signal - signal.mean()

    @lineage_fcn
    def rectify(signal, gain):
        counter()
        return np.abs(signal) * gain

    @lineage_fcn
    def peak(signal):
        counter()
        return float(signal.max())

    raw = Loaded(np.array([1.0, 4.0, 2.0, 7.0]))
    result = peak(rectify(detrend(raw), gain=2))
    assert result.data == 7.0
    lineage = result.lineage
    assert [r.function_name for r in [lineage, *lineage.upstream()]] == [
        "peak",
        "rectify",
        "detrend",
    ]
    upstream = lineage.inputs["signal"]
    assert isinstance(upstream, UpstreamRef) and upstream.lineage.constant_values == {"gain": 2}
    first = upstream.lineage.inputs["signal"].lineage
    assert isinstance(first.inputs["signal"], RecordRef)
    assert first.inputs["signal"].content_hash == content_hash(raw.data)

    peak(rectify(detrend(raw), gain=2))
    assert counter.n == 3  # the whole chain is cached


def test_upstream_code_change_with_identical_output_keeps_downstream_cached():
    counter = CallCounter()
    ns = {"__name__": "scistack_lineage_user_code", "count": counter}
    first = lineage_fcn(define("def first(x):\n    count()\n    return x * 2\n", "first", ns=ns))
    second = lineage_fcn(define("def second(y):\n    count()\n    return y + 1\n", "second", ns=ns))
    second(first(3))
    first_v2 = lineage_fcn(define("def first(x):\n    count()\n    return x + x\n", "first", ns=ns))
    out = second(first_v2(3))
    assert out.data == 7
    assert counter.n == 3  # first re-ran, second was a hit: its input's content is unchanged
    assert out.lineage.inputs["y"].lineage.fingerprint == first_v2.fingerprint


def test_returned_lineage_result_is_unwrapped():
    @lineage_fcn
    def inner(x):
        return x + 1

    @lineage_fcn
    def outer(x):
        return inner(x)

    assert outer(1).data == 2


def test_varargs_and_kwargs_are_unwrapped_by_name():
    @lineage_fcn
    def combine(*parts, **weights):
        return sum(parts) * weights.get("w", 1)

    a, b = combine(1), combine(2)
    out = combine(a, b, w=3)
    assert out.data == 9
    assert set(out.lineage.inputs) == {"parts[0]", "parts[1]"}
    assert out.lineage.constant_values == {"w": 3}


def test_callable_arguments_are_constants_identified_by_name():
    @lineage_fcn
    def reduce(x, how):
        return how(x)

    a = reduce(np.arange(5.0), how=np.mean)
    b = reduce(np.arange(5.0), how=np.median)
    assert a.lineage.cache_key != b.lineage.cache_key
    assert a.lineage.constant_values["how"] == "numpy.mean"


# --------------------------------------------------------------------------- stores


def test_in_memory_store_is_not_changed_by_mutating_results():
    @lineage_fcn
    def make(n):
        return np.zeros(n)

    first = make(3)
    first.data[:] = 7
    again = make(3)
    np.testing.assert_array_equal(again.data, np.zeros(3))
    again.data[:] = 5
    np.testing.assert_array_equal(make(3).data, np.zeros(3))


def test_installed_store_is_used_and_restorable():
    class Spy:
        def __init__(self):
            self.data, self.calls = {}, []

        def get(self, key):
            self.calls.append(("get", key))
            return self.data.get(key)

        def put(self, key, outputs, lineage):
            self.calls.append(("put", key))
            assert isinstance(lineage, LineageRecord) and lineage.cache_key == key
            self.data[key] = outputs

    spy = Spy()
    previous = set_cache_store(spy)
    try:
        f = lineage_fcn(define("def f(x):\n    return x + 1\n"))
        f(1)
        f(1)
        assert [c[0] for c in spy.calls] == ["get", "put", "get"]
    finally:
        set_cache_store(previous)
    assert get_cache_store() is not spy
    with pytest.raises(TypeError):
        set_cache_store(object())


def test_bounded_memory_store_forgets_least_recently_used():
    store = MemoryCacheStore(max_entries=2)
    record = LineageRecord("f", "fp", "python", {}, {})
    store.put("a", (1,), record)
    store.put("b", (2,), record)
    store.get("a")
    store.put("c", (3,), record)
    assert "b" not in store and store.get("a") == (1,) and store.get("c") == (3,)


# --------------------------------------------------------------------------- the data model


def test_lineage_to_dict_from_dict_round_trip():
    @lineage_fcn
    def a(x, k):
        return x * k

    @lineage_fcn
    def b(y):
        return y + 1

    out = b(a(Loaded(np.arange(3.0)), k=2))
    data = out.lineage.to_dict()
    assert data["inputs"]["y"]["kind"] == "upstream"
    assert data["inputs"]["y"]["lineage"]["inputs"]["x"]["kind"] == "record"
    rebuilt = LineageRecord.from_dict(data)
    assert rebuilt.to_dict() == data
    assert rebuilt.cache_key == out.lineage.cache_key


def test_from_dict_accepts_matlab_records_and_checks_them():
    matlab = {
        "function_name": "bandpass_filter",
        "fingerprint": "ab" * 32,
        "language": "matlab",
        "n_outputs": 1,
        "inputs": {
            "signal": {
                "kind": "record",
                "variable": "RawEMG",
                "metadata": {"subject": 1},
                "record_id": "r1",
                "version": 1,
                "content_hash": "cd" * 32,
            }
        },
        "constants": {"low_hz": {"value": 20, "content_hash": content_hash(20)}},
    }
    record = LineageRecord.from_dict(matlab)
    assert record.cache_key == cache_key(
        "ab" * 32, {"signal": "cd" * 32}, {"low_hz": content_hash(20)}, 1
    )
    with pytest.raises(LineageFormatError):
        LineageRecord.from_dict({**matlab, "cache_key": "0" * 64})
    with pytest.raises(LineageFormatError):
        LineageRecord.from_dict({**matlab, "language": "julia"})
    with pytest.raises(LineageFormatError):
        LineageRecord.from_dict({k: v for k, v in matlab.items() if k != "fingerprint"})


hashes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(names, hashes, max_size=5),
    st.dictionaries(names, hashes, max_size=5),
    st.randoms(),
)
def test_cache_key_ignores_mapping_order(inputs, constants, rnd):
    constants = {k: v for k, v in constants.items() if k not in inputs}
    key = cache_key("f" * 64, inputs, constants, 1)
    shuffled_in = list(inputs.items())
    shuffled_const = list(constants.items())
    rnd.shuffle(shuffled_in)
    rnd.shuffle(shuffled_const)
    assert cache_key("f" * 64, dict(shuffled_in), dict(shuffled_const), 1) == key


def test_cache_key_depends_on_every_part():
    h1, h2 = "1" * 64, "2" * 64
    base = cache_key("fp", {"x": h1}, {"k": h2}, 1)
    assert cache_key("fp2", {"x": h1}, {"k": h2}, 1) != base
    assert cache_key("fp", {"x": h2}, {"k": h2}, 1) != base
    assert cache_key("fp", {"x": h1}, {"k": h1}, 1) != base
    assert cache_key("fp", {"y": h1}, {"k": h2}, 1) != base
    assert cache_key("fp", {"x": h1}, {"k": h2}, 2) != base
    assert cache_key("fp", {}, {"x": h1, "k": h2}, 1) != base  # the role of an argument counts
    with pytest.raises(ValueError):
        cache_key("fp", {"x": h1}, {"x": h1}, 1)
    with pytest.raises(ValueError):
        cache_key("fp", {}, {}, -1)
