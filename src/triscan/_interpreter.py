"""Triton's interpreter (TRITON_INTERPRET=1, CPU tensors) made to compute what compiled kernels
compute, where Triton 3.6's differs. Imported by the package, and only there: the single-file
answers (kernelbench/emit.py) run compiled, and their rules allow no import outside the header."""

import triton

from .kernels.registry import kernels_interpreted


def _interpreter_bfloat16() -> None:
    """Give Triton's interpreter the bfloat16 constants and integer casts compiled kernels have.
    Triton 3.6's interpreter holds bfloat16 values as their uint16 bits; its builder has no
    `get_bf16` (a bfloat16 `tl.full`), and it casts types other than float32 to bfloat16 by numpy's
    astype on those bits: the integer 1 (a product's identity, filling a masked bfloat16 load)
    became the bits 0x0001, about 1e-40. A sum's 0 never met either. Both go through float32 here,
    as the interpreter's own float32 -> bfloat16 conversion; other casts are untouched."""
    from triton.runtime import interpreter

    language = triton.language
    builder = interpreter.InterpreterBuilder
    cast = builder.cast_impl
    if getattr(cast, "through_float32", False):
        return

    def cast_impl(self, src, dst_type):
        floats = (language.float32, language.bfloat16)
        if dst_type.scalar == language.bfloat16 and src.dtype.scalar not in floats:
            src = cast(self, src, language.float32)
        return cast(self, src, dst_type)

    def get_bf16(self, value):
        return cast(self, self.get_fp32(value), language.bfloat16)

    cast_impl.through_float32 = True
    builder.cast_impl = cast_impl
    if not hasattr(builder, "get_bf16"):
        builder.get_bf16 = get_bf16


if kernels_interpreted():
    _interpreter_bfloat16()
