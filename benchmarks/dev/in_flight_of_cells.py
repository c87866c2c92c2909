"""Input bytes in flight per SM of a matrix JSON's 1-D look-back cells, offline (dev tool): each
cell's pick compiled for sm_90 as registers.py compiles it, its programs per SM (the lesser of the
grid's 8 and the register file's 64K over the pick's registers) times its chunk's input bytes,
printed beside the cell's % of copy (section 91's model, benchmarks/NOTES.md 197).

    python benchmarks/dev/in_flight_of_cells.py benchmarks/results/.../matrix.json
"""

import argparse
import json

import registers

from triscan.tools import matrix

# matrix dtype -> (registers.py ELEMENT, INPUT, input bytes); int32 cells sum into int64
ELEMENTS = {"float32": ("fp32", None, 4), "bfloat16": ("bf16", None, 2), "float16": ("fp16", None, 2),
            "float64": ("fp64", None, 8), "int64": ("i64", None, 8), "int32": ("i64", "i32", 4)}


def main(path: str) -> None:
    for cell in json.load(open(path))["cells"]:
        if cell["shape"] != "1-D" or not cell["ms"].get("triscan"):
            continue
        config = dict(pair.split(": ") for pair in cell["config"].split(", "))
        element, input_element, size = ELEMENTS[cell["dtype"]]
        flags = matrix.op_flags(cell["op"])  # the seed's ModelNew over 1-D is an exclusive scan
        meta = dict(BLOCK=int(config["BLOCK"]), num_warps=int(config["num_warps"]), ELEMENT=element,
                    SHIFT=int(flags.get("exclusive", False) or flags.get("seed", False)),
                    REVERSE=int(flags.get("reverse", False)), SPLIT=int(config["SPLIT"] == "True"), EVEN=1)
        if input_element:
            meta["INPUT"] = input_element
        if config.get("OVERLAP_READ") == "True":
            meta["OVERLAP_READ"] = 1
        if config.get("maxnreg", "None") != "None":
            meta["maxnreg"] = int(config["maxnreg"])
        used, spilled, _shared = registers.compile_info("lookback", 90, **meta)
        programs = registers.programs_per_sm(used, meta["num_warps"])
        in_flight = programs * meta["BLOCK"] * size / 1024
        percent = 100 * cell["ms"]["copy"] / cell["ms"]["triscan"]
        print(f"{cell['op']:18s} {cell['dtype']:9s} {percent:5.1f}%  registers {used:3d} "
              f"spilled {spilled:3d} programs/SM {programs} input KiB in flight/SM {in_flight:4.0f}  "
              f"{cell['config']}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("matrix_json", help="a `triscan bench --matrix` JSON with 1-D cells")
    main(parser.parse_args().matrix_json)
