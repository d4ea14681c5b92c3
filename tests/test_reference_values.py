"""Reference values (grader/assignments/reference_values.py): an assignment's own expected values, computed once
per version of its folder and kept on disk as JSON plus raw tensor bytes, never pickle.

Each test registers a small assignment package of its own (a folder with one module whose functions are marked
``@reference_value``) and imports it in this process; a "new process" is a fresh module state and a fresh import.
"""
import importlib
import pickle

import pytest
import torch

from grader.assignments import reference_values
from grader.assignments.package_import import forget_modules, register_package
from grader.core.errors import AssignmentError

PACKAGE = "rv_unit_assignment"
MODULE = '''
import torch
from grader.assignments.reference_values import reference_value

@reference_value
def table(n, scale=1.0):
    """Plain data: the kind of value a reference training run returns."""
    return {"rows": [{"i": i, "loss": i * scale} for i in range(n)], "pair": (n, "x"), "nan": float("nan"),
            "weights": torch.arange(n, dtype=torch.float32).reshape(1, n) * scale, (1, "k"): None}

@reference_value
def model(n):
    return torch.nn.Linear(n, 1)

@reference_value
def anything(value):
    return [1.0]
'''


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A clean reference-value state and cache; ``load(version)`` imports the package at that version."""
    monkeypatch.setattr(reference_values, "_STATE", reference_values._State())
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / PACKAGE
    folder.mkdir()
    (folder / "values.py").write_text(MODULE)

    def load(version="v1", new_process=True):
        if new_process:
            monkeypatch.setattr(reference_values, "_STATE", reference_values._State())
        forget_modules(PACKAGE)
        register_package(PACKAGE, folder, version)
        return importlib.import_module(f"{PACKAGE}.values")

    yield load
    forget_modules(PACKAGE)


def entries(tmp_path, version="v1"):
    return sorted((tmp_path / "cache" / "reference-values" / f"{PACKAGE}-{version}").glob("*.bin"))


def same(a, b):
    """Equal as plain values, tensors by value and dtype, NaN equal to NaN."""
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, float) and a != a:
        return isinstance(b, float) and b != b
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


def test_computed_once_then_read_from_disk_by_a_new_process_with_the_same_types(fresh, tmp_path):
    values = fresh()
    first = values.table(3)
    assert values.table.computed == 1 and len(entries(tmp_path)) == 1
    assert same(first, values.table(3, 1.0)) and values.table.computed == 1  # defaults filled in: one entry
    again = fresh().table(3)  # a new process: read from the cache, not computed
    assert same(again, first)
    assert isinstance(again["pair"], tuple) and isinstance(again["rows"], list) and (1, "k") in again
    assert again["weights"].dtype == torch.float32 and again["weights"].shape == (1, 3)
    assert importlib.import_module(f"{PACKAGE}.values").table.computed == 0
    assert reference_values.used() == {entries(tmp_path)[0].name}


def test_each_argument_and_each_version_is_its_own_entry(fresh, tmp_path):
    values = fresh()
    values.table(2)
    values.table(2, scale=2.0)
    assert values.table.computed == 2 and len(entries(tmp_path)) == 2
    assert same(values.table(2, scale=2.0)["weights"], torch.tensor([[0.0, 2.0]]))
    edited = fresh("v2")  # the folder changed: nothing of v1 is read
    edited.table(2)
    assert edited.table.computed == 1 and len(entries(tmp_path, "v2")) == 1 and len(entries(tmp_path)) == 2


def test_every_call_returns_a_fresh_copy(fresh):
    values = fresh()
    got = values.table(2)
    got["rows"].append("changed")
    got["weights"].add_(100)
    assert same(values.table(2), fresh().table(2)) and values.table(2)["rows"][-1] == {"i": 1, "loss": 1.0}


def test_entries_are_json_and_raw_bytes_never_pickle(fresh, tmp_path):
    fresh().table(3)
    raw = entries(tmp_path)[0].read_bytes()
    assert raw.startswith(reference_values.FORMAT)
    header, blobs = reference_values.read_entry(entries(tmp_path)[0])
    assert header["function"] == f"{PACKAGE}.values.table" and header["value"]["t"] == "dict"
    assert blobs == [torch.tensor([[0.0, 1.0, 2.0]]).numpy().tobytes()]
    assert b"\x80\x04" not in raw and b"\x80\x05" not in raw  # no pickle protocol header anywhere


def test_a_pickle_or_damaged_or_misplaced_entry_is_not_read_but_computed_again(fresh, tmp_path):
    fresh().table(2)
    path = entries(tmp_path)[0]
    good = path.read_bytes()
    for bad in (pickle.dumps({"rows": []}), good[:-3], reference_values.FORMAT + b"\x00" * 8,
                good.replace(b'"key": "', b'"key": "0', 1)):
        path.write_bytes(bad)
        values = fresh()
        assert same(values.table(2), fresh(new_process=True).table(2)) and values.table.computed == 1
        assert path.read_bytes() == good  # written again, whole


@pytest.mark.parametrize("call, says", [
    (lambda v: v.model(2), "returned a value that is a torch.nn.modules.linear.Linear"),
    (lambda v: v.anything({1, 2}), "an argument is a builtins.set"),
    (lambda v: v.anything(object()), "an argument is a builtins.object"),
    (lambda v: v.anything({"k": torch.tensor([1]).numpy()}), "an argument is a numpy.ndarray"),
    (lambda v: v.anything({frozenset(): 2}), "a dict with the key frozenset()"),
    (lambda v: v.anything(torch.ones(2).to_sparse()), "sparse_coo"),
])
def test_values_that_are_not_plain_data_are_refused_naming_the_function(fresh, tmp_path, call, says):
    values = fresh()
    with pytest.raises(AssignmentError, match=r"rv_unit_assignment\.values\.") as raised:
        call(values)
    assert says in str(raised.value) and entries(tmp_path) == []


def test_a_sealed_process_writes_nothing_but_reads_what_is_there(fresh, tmp_path):
    fresh().table(2)  # written before the seal (the warm process warming up)
    sealed = fresh()
    reference_values.seal()
    assert same(sealed.table(2), fresh(new_process=False).table(2))
    sealed.table(5)  # a miss after the seal (a student's process): computed in memory only
    assert sealed.table.computed == 1 and len(entries(tmp_path)) == 1


def test_values_shipped_with_the_folder_are_read_before_the_cache(fresh, tmp_path):
    fresh().table(2)
    [path] = entries(tmp_path)
    shipped = tmp_path / PACKAGE / "checks" / reference_values.SHIPPED
    shipped.mkdir(parents=True)
    (shipped / path.name).write_bytes(path.read_bytes())
    path.unlink()
    values = fresh()
    values.table(2)
    assert values.table.computed == 0 and entries(tmp_path) == []
    assert reference_values.entry_file(PACKAGE, "v1", tmp_path / PACKAGE, path.name) == shipped / path.name
    assert reference_values.module_of(path.name) == f"{PACKAGE}.values"


@pytest.mark.parametrize("tensor", [torch.tensor(2.5), torch.zeros(0, 3), torch.tensor([True, False]),
                                    torch.tensor([1.5, -2.0], dtype=torch.bfloat16), torch.arange(6).reshape(2, 3).t(),
                                    torch.tensor([1.0], requires_grad=True) * 2])
def test_tensors_come_back_equal_dense_and_detached(tensor):
    blobs = []
    back = reference_values.decode(reference_values.encode(tensor, blobs), blobs)
    assert back.dtype == tensor.dtype and back.shape == tensor.shape and torch.equal(back, tensor.detach())
    assert not back.requires_grad and back.is_contiguous()


def test_a_function_outside_an_assignment_package_is_kept_in_memory_only(monkeypatch, tmp_path):
    monkeypatch.setattr(reference_values, "_STATE", reference_values._State())
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    calls = []

    @reference_values.reference_value
    def square(x):
        calls.append(x)
        return x * x

    assert square(3) == 9 and square(3) == 9 and calls == [3] and not (tmp_path / "cache").exists()
    assert reference_values.used() == set()
