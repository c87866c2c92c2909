"""What the tile probes share (periodic_tile_probe.py, grouped_lanes_probe.py; dev tool): their
common arguments, (L, K) inputs of about `--gib` GiB, the per-lane scan of each chunk from zero
that their kernels compute, and each launch checked on its first chunks and, on CUDA, timed
against a copy of the same bytes."""

import argparse
import itertools
import json

import torch
import triton
from triton.testing import do_bench


def common_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The lanes, dtypes, input size, warps, persistent programs and JSON path of a probe."""
    parser.add_argument("--lanes", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "bfloat16"])
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--warps", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--per-sm", type=int, nargs="+", default=[0],
                        help="persistent programs per SM (0: one program per chunk)")
    parser.add_argument("--json")
    return parser


def inputs(args, device: str, offset: float = 0.0):
    """An (L, K) input per lane count and dtype: uniform in [offset, offset + 1). Steps a multiple
    of 16, so that Triton specializes numel as divisible by 16 and the masked loads and stores stay
    16-byte vectors (the library would split off a last, masked chunk)."""
    for lanes, name in itertools.product(args.lanes, args.dtypes):
        dtype = getattr(torch, name)
        steps = int(args.gib * 2**30) // (lanes * dtype.itemsize) // 16 * 16 if device == "cuda" else 1001
        yield (torch.rand(steps, lanes, device=device) + offset).to(dtype)


def reference(x: torch.Tensor, lanes: int, tile: int, exclusive: bool) -> torch.Tensor:
    """Per chunk of `tile` flat elements, per lane e % lanes, the scan from zero (float64)."""
    flat = x.double().reshape(-1)
    out = torch.empty_like(flat)
    for begin in range(0, flat.numel(), tile):
        piece = flat[begin:begin + tile]
        lane = (torch.arange(begin, begin + piece.numel(), device=x.device) % lanes)
        for k in range(lanes):
            selected = piece[lane == k]
            scanned = torch.cumsum(selected, 0)
            out[begin:begin + piece.numel()][lane == k] = scanned - selected if exclusive else scanned
    return out


class Launches:
    """The output, the copy's time and the programs a probe's launches on x share."""

    def __init__(self, x: torch.Tensor, device: str):
        self.x, self.device = x, device
        self.y = torch.full_like(x, float("nan"))
        self.copy_ms = None
        if device == "cuda":
            target = torch.empty_like(x)
            self.copy_ms = do_bench(lambda: target.copy_(x), warmup=25, rep=100, return_mode="median")
        self.programs = 3  # the interpreter runs programs one after another
        if device == "cuda":
            self.programs = torch.cuda.get_device_properties(x.device).multi_processor_count

    def grid(self, tile: int, per_sm: int) -> tuple:
        """One program per chunk of `tile` elements, or `per_sm` persistent programs per SM."""
        chunks = triton.cdiv(self.x.numel(), tile)
        return (min(chunks, self.programs * per_sm) if per_sm else chunks,)

    def check_and_time(self, launch, tile: int, exclusive: bool, row: dict) -> dict:
        """Launch once (compiling), check the first chunks against `reference`, and on CUDA time
        it: `row` with the error, and the times, % of copy, registers and spills; printed as JSON."""
        x, lanes = self.x, self.x.shape[1]
        compiled = launch()
        checked = x[: 4 * tile // lanes + 1] if self.device == "cuda" else x
        expected = reference(checked, lanes, tile, exclusive)
        got = self.y.reshape(-1)[: expected.numel()].double()
        row["max_relative_error"] = ((got - expected).abs() / (expected.abs() + 1)).max().item()
        if self.device == "cuda":
            ms = do_bench(launch, warmup=10, rep=50, return_mode="median")
            row.update(ms=ms, copy_ms=self.copy_ms, percent=100 * self.copy_ms / ms,
                       registers=compiled.n_regs, spills=compiled.n_spills)
        print(json.dumps(row), flush=True)
        return row


def write_json(rows: list[dict], path: str | None) -> None:
    if path:
        with open(path, "w") as handle:
            json.dump(rows, handle, indent=1)
