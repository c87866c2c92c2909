"""`triscan demo`: a small worked example that runs on any machine."""

import torch

from .environment import needs_interpreter_rerun


def main() -> int:
    code = needs_interpreter_rerun(["demo"], "running the demo (timings mean nothing there; "
                                             "`triscan bench` needs a GPU)")
    if code is not None:
        return code
    import triscan
    from triscan.testing.reference import seed_model

    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    x = torch.rand(5, 8, device=device)
    print(f"device: {device}; x = torch.rand(5, 8)")
    for dim in (1, 0):
        out = triscan.ModelNew(dim)(x)
        ref = seed_model(x, dim)
        ok = out.shape == ref.shape and torch.allclose(out, ref, atol=1e-4, rtol=1e-4)
        print(f"ModelNew({dim})(x): shape {tuple(out.shape)} (reference {tuple(ref.shape)}), "
              f"allclose 1e-4: {ok}")
        if not ok:
            return 1
    for label, values in (("ModelNew(1)(x)[0]", triscan.ModelNew(1)(x)[0]),
                          ("cumsum(x, 1)[0]", triscan.cumsum(x, 1)[0]),
                          ("exclusive_cumsum(x, 1)[0]", triscan.exclusive_cumsum(x, 1)[0])):
        print(f"{label:26s}", [round(v, 4) for v in values.tolist()])
    return 0
