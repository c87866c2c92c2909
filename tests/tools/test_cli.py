"""The command line: help, demo, and bench without a GPU."""

import subprocess
import sys

import pytest
import torch


def run(*args):
    return subprocess.run([sys.executable, "-m", "triscan", *args], capture_output=True, text=True,
                          timeout=600)


def test_help_lists_every_command():
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


COMMANDS = ("emit", "bench", "check", "profile", "eval", "prompt", "optimize", "demo")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    """argparse formats help strings with %: a bare % in one made `bench --help` crash."""
    from triscan.tools.cli import build_parser

    with pytest.raises(SystemExit) as leaving:
        build_parser().parse_args([command, "--help"])
    assert leaving.value.code == 0
    assert f"usage: triscan {command}" in capsys.readouterr().out


def test_demo_runs_anywhere():
    result = run("demo")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "allclose 1e-4: True" in result.stdout and "False" not in result.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on machines without CUDA")
def test_bench_without_gpu_says_so():
    result = run("bench")
    assert result.returncode == 2
    assert "needs a CUDA GPU" in result.stdout


def test_unknown_command_is_an_argument_error():
    result = run("frobnicate")
    assert result.returncode == 2 and "invalid choice" in result.stderr
