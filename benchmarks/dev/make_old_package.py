"""Write the library at git revision REV as a package of its own, `triscan_old`, under DIR, for
benchmarks/dev/ab_packages.py (dev tool; needs git).

    python benchmarks/dev/make_old_package.py REV DIR

Renamed: absolute imports of triscan and the torch.library namespace (two libraries cannot both
register triscan::scan).
"""

import io
import pathlib
import subprocess
import sys
import tarfile


def main() -> int:
    revision, target = sys.argv[1], pathlib.Path(sys.argv[2])
    archive = subprocess.run(["git", "archive", revision, "src/triscan"], capture_output=True,
                             check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            path = target / "triscan_old" / pathlib.Path(member.name).relative_to("src/triscan")
            path.parent.mkdir(parents=True, exist_ok=True)
            data = tar.extractfile(member).read()
            if path.suffix == ".py":
                text = data.decode()
                for old, new in (("triscan::", "triscan_old::"), ("from triscan.", "from triscan_old."),
                                 ("import triscan\n", "import triscan_old as triscan\n"),
                                 ("torch.ops.triscan.", "torch.ops.triscan_old.")):
                    text = text.replace(old, new)
                data = text.encode()
            path.write_bytes(data)
    print(f"wrote {target / 'triscan_old'} from {revision}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
