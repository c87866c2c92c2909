"""The kernel registry is the one list: every family's kernels are reachable from it, each family
binds a launch whose arguments are exactly its kernel's leading parameters, and the launch
recorder, emit and profile read it."""

import inspect

import pytest
import torch
from conftest import DEVICE

from triscan.kernels import registry
from triscan.scan.layout import contiguous_strides
from triscan.scan.plan import plan_scan

# one plan per family on the interpreter's pretend 4-SM device or a real one
CASES = {"row": ((5, 301), 1), "column": ((6, 7, 400), 1), "lookback": ((1 << 21,), 0),
         "column_lookback": (((1 << 20) + 3, 3), 0)}


def make_plan(shape, dim, shift=0, reverse=False):
    return plan_scan(shape, contiguous_strides(shape), dim, shape[dim] - shift, shift, reverse, shape,
                     torch.float32, torch.float32, torch.device(DEVICE))


def test_every_family_is_listed_once():
    names = [family.name for family in registry.FAMILIES]
    assert sorted(names) == sorted(CASES) and len(set(names)) == len(names)
    kernels = [kernel for family in registry.FAMILIES for kernel in family.kernels.values()]
    assert len({id(kernel) for kernel in kernels}) == len(kernels) == 4


@pytest.mark.parametrize("name", sorted(CASES))
def test_launch_spec_names_the_leading_parameters(name):
    shape, dim = CASES[name]
    plan = make_plan(shape, dim)
    assert plan.family.name == name
    spec = plan.launch
    parameters = (spec.kernel.arg_names if hasattr(spec.kernel, "arg_names") else spec.kernel.fn.arg_names)
    bound = (["x_ptr", "y_ptr"] + (["i_ptr"] if spec.takes_indices else [])
             + (["status_ptr", "values_ptr"] if spec.workspace else []) + list(spec.scalars))
    assert sorted(bound) == sorted(parameters[:len(bound)])
    assert spec.takes_indices == plan.family.writes_indices == (name in ("row", "column", "lookback"))
    assert not set(spec.constexprs) & set(bound)
    for parameter in parameters[len(bound):]:  # the rest are constexprs, fixed by the plan or a config
        assert parameter.isupper() or parameter in spec.constexprs


def test_bind_functions_are_documented_and_take_family_and_plan():
    for family in registry.FAMILIES:
        assert inspect.signature(family.bind).parameters.keys() == {"family", "plan"}
        assert family.bind.__doc__


def test_launch_spec_rejects_arguments_that_are_not_the_leading_parameters():
    kernel = registry.ROW.kernels["forward"]
    scalars = dict(length=1, stride_x_outer=1, stride_x_scan=1, stride_y_outer=1, LENGTH_BUCKET=1)
    spec = registry.launch_spec(kernel, (1,), scalars, {})
    assert spec.scalar_args == (1, 1, 1, 1, 1)
    with pytest.raises(TypeError, match="leading parameters"):
        registry.launch_spec(kernel, (1,), {**scalars, "inner": 1}, {})
    with pytest.raises(TypeError, match="leading parameters"):
        registry.launch_spec(kernel, (1,), scalars, {}, workspace=lambda device: ())
