"""Layout: a tensor seen through its strides as (outer M, scan length L, inner K), kernels/README.md."""


def merged_stride(sizes, strides):
    """The single stride that walks `sizes` (row-major) as one flat axis, or None.

    Size-1 dimensions never constrain the result. With nothing to walk the stride is 0:
    kernels then see an offset that is 16-byte aligned (Triton specializes arguments
    divisible by 16), where 1 would have made a single row's loads and stores 4-byte wide.
    """
    stride = None
    for size, step in zip(reversed(sizes), reversed(strides), strict=False):
        if size == 1:
            continue
        if stride is None:
            stride, span = step, size
        elif step == stride * span:
            span *= size
        else:
            return None
    return 0 if stride is None else stride


def scan_view(shape, strides, dim):
    """Describe a strided tensor as (M, L, K) lanes for a scan along `dim`, without copying.

    Returns (outer, length, inner, stride_outer, stride_scan, stride_inner), or None when
    the dimensions before or after `dim` cannot be walked with a single stride each (for
    example a permutation that interleaves them); the caller then makes the one contiguous
    copy.
    """
    outer_sizes, inner_sizes = shape[:dim], shape[dim + 1:]
    stride_outer = merged_stride(outer_sizes, strides[:dim])
    stride_inner = merged_stride(inner_sizes, strides[dim + 1:])
    if stride_outer is None or stride_inner is None:
        return None
    outer = 1
    for size in outer_sizes:
        outer *= size
    inner = 1
    for size in inner_sizes:
        inner *= size
    return outer, shape[dim], inner, stride_outer, strides[dim], stride_inner


def contiguous_strides(shape) -> list:
    """The strides of a contiguous tensor of `shape`."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.insert(0, step)
        step *= size
    return strides
