"""The Triton interpreter made faster for the tests, with the same results.

Triton 3.6's interpreter spends most of a look-back test's time in places that are not the
kernel's own work (a 300 x 8 column look-back logcumsumexp: 10 s a call; benchmarks/NOTES.md 233):

- a reduction or scan with a user combine function (a product, a max, a log-sum-exp, a tuple of
  them) runs one element at a time, a Python call per element. `speed_up_interpreter` makes it
  combine whole arrays, log2(n) calls, as the GPU combines a block as a tree: a reduction by
  pairwise combines of neighbours, a scan by Hillis-Steele doubling. Each combine's operands
  keep the interpreter's order (the earlier part first; with `reverse`, the flipped input's
  earlier part), so non-commutative combines keep their meaning; only the association of
  floating-point rounding differs, as it does on the GPU. tl.cumsum, tl.sum and the other
  combines the interpreter knows keep its numpy paths.
- every device function call patches all of triton.language anew, though the kernel's patch is
  still in place; that is skipped. And the numpy dtype of a Triton dtype is looked up once, not
  through a dict built anew per call.

Tests call it under the interpreter (tests/conftest.py, and tests/interpreter_site/sitecustomize.py
in the processes they start); nothing in the library does.
"""

import numpy as np

_APPLIED = False
# the interpreter's own functions, kept for the tests that compare against them
ORIGINALS: dict = {}


def speed_up_interpreter() -> None:
    """Replace the interpreter's element-by-element `generic_reduce` and `generic_scan` with
    whole-array ones, patch triton.language once per kernel, not once per device function
    call, and cache numpy dtypes (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    from triton.runtime import interpreter

    needed = ("_patch_lang", "_get_np_dtype", "ReduceOps", "ScanOps")
    if not all(hasattr(interpreter, name) for name in needed):  # another Triton: left as it is
        return
    ORIGINALS.update(generic_reduce=interpreter.ReduceOps.generic_reduce,
                     generic_scan=interpreter.ScanOps.generic_scan)
    interpreter.ReduceOps.generic_reduce = _tree_reduce
    interpreter.ScanOps.generic_scan = _doubling_scan
    interpreter._patch_lang = _patch_lang_once(interpreter._patch_lang)
    interpreter._get_np_dtype = _np_dtype_once(interpreter._get_np_dtype)
    _APPLIED = True


def _combined(op, earlier: list[np.ndarray], later: list[np.ndarray], dtypes: list) -> list[np.ndarray]:
    """op's combine function on whole arrays: earlier[i] combined with later[i], elementwise,
    each result in its input's numpy dtype and shape (a combine may return a scalar)."""
    result = op.combine_fn.fn(*(op.to_tensor(a, t) for a, t in zip(earlier, dtypes, strict=True)),
                              *(op.to_tensor(b, t) for b, t in zip(later, dtypes, strict=True)))
    result = result if isinstance(result, tuple) else (result,)
    out = []
    for value, like in zip(result, earlier, strict=True):
        data = value.handle.data if hasattr(value, "handle") else np.asarray(value)
        out.append(np.broadcast_to(data, like.shape).astype(like.dtype))
    return out


def _tree_reduce(self, input):
    """ReduceOps.generic_reduce by pairwise combines of neighbours along the axis."""
    original_axis = self.axis
    input, axis = self.unravel(input, self.axis)
    dtypes = [arg.dtype for arg in input]
    input_shape = input[0].handle.data.shape
    arrays = [np.moveaxis(arg.handle.data, axis, 0) for arg in input]  # [n, ...]
    while arrays[0].shape[0] > 1:  # a power of two (block shapes are): the halves pair up exactly
        arrays = _combined(self, [a[0::2] for a in arrays], [a[1::2] for a in arrays], dtypes)
    ret = []
    for data, dtype in zip(arrays, dtypes, strict=True):
        data = data[0]
        if self.keep_dims:
            if original_axis is not None:
                data = np.expand_dims(data, axis)
            else:
                data = data.reshape((1,) * len(input_shape))
        elif original_axis is None:
            data = data.item()
        ret.append(self.to_tensor(data, dtype))
    return ret


def _doubling_scan(self, input):
    """ScanOps.generic_scan by Hillis-Steele doubling along the axis: at each distance, every
    element combined with the one that far before it (that one first)."""
    dtypes = [arg.dtype for arg in input]
    arrays = [np.moveaxis(arg.handle.data, self.axis, 0).copy() for arg in input]  # [n, ...]
    length = arrays[0].shape[0]
    distance = 1
    while distance < length:
        # block shapes are powers of two: the first `distance` elements are combined with
        # themselves too, and that result dropped
        earlier = [np.concatenate((a[:distance], a[:-distance])) for a in arrays]
        with np.errstate(all="ignore"):
            combined = _combined(self, earlier, arrays, dtypes)
        arrays = [np.concatenate((a[:distance], c[distance:])) for a, c in zip(arrays, combined, strict=True)]
        distance *= 2
    return [self.to_tensor(np.moveaxis(a, 0, self.axis), dtype)
            for a, dtype in zip(arrays, dtypes, strict=True)]


class _NoScope:
    """What a skipped patch returns: nothing to restore."""

    def restore(self) -> None:
        return None


# the ids of the language modules (tl, tl.core) that the running kernel's patch covers; None
# between kernels
_patched_langs = None


def _patch_lang_once(original):
    """interpreter._patch_lang, which the interpreter calls for the kernel and again for every
    device function call (patching every builtin of the language modules the function sees anew,
    a scope never restored), skipped inside a kernel for modules already patched there: the
    kernel's own (tl) and those a device function patched before (tl.core, which tl.sum and
    tl.zeros see)."""

    def patch_lang(fn):
        global _patched_langs
        import triton.language as tl

        langs = frozenset(id(value) for value in fn.__globals__.values() if value is tl or value is tl.core)
        if _patched_langs is not None and langs <= _patched_langs:
            return _NoScope()
        scope = original(fn)
        if _patched_langs is not None:
            # a device function that sees tl.core (tl.sum's module): patched from here to the
            # kernel's end (and after, as the interpreter leaves it)
            _patched_langs = _patched_langs | langs
        else:  # a kernel's own scope: device functions run only inside one
            _patched_langs = langs
            restore = scope.restore

            def restore_and_forget():
                global _patched_langs
                _patched_langs = None
                restore()

            scope.restore = restore_and_forget
        return scope

    return patch_lang


def _np_dtype_once(original):
    """interpreter._get_np_dtype, which builds a dict of every dtype anew per call (tens of
    thousands of calls a launch), looked up once per element type."""
    import triton.language as tl

    found = {}

    def np_dtype(tt_dtype):
        element = tt_dtype.element_ty if isinstance(tt_dtype, tl.block_type) else tt_dtype
        if isinstance(element, tl.pointer_type):
            return np.dtype(np.uint64)
        if element not in found:
            found[element] = original(element)
        return found[element]

    return np_dtype
