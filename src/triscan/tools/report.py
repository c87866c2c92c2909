"""Tables and progress for the tools, drawn by rich: boxes and a live bar on a terminal, plain
lines in logs and pipes. Markdown tables (for RESULTS.md and the README) come from the same rows."""

import json
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

LOG_WIDTH = 240  # a log has no width to fit: tables keep each row on one line


def console_for(stream=None) -> Console:
    """A console on `stream` (standard output by default); rich turns styles and live displays
    off by itself where the stream is not a terminal."""
    console = Console(file=stream or sys.stdout, highlight=False)
    return console if console.is_terminal else Console(file=stream or sys.stdout, highlight=False,
                                                       width=LOG_WIDTH)


def show_table(title: str, columns: list[str], rows: list[list[str]], stream=None, numeric=()) -> None:
    """Print rows as a table; `numeric` names the right-aligned columns."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column in numeric else "left")
    for row in rows:
        table.add_row(*[str(cell) for cell in row])
    console_for(stream).print(table)


def write_json(path: str | None, data: dict) -> None:
    """Write a tool's report as indented JSON to `path`, where one is given."""
    if path:
        with open(path, "w") as handle:
            json.dump(data, handle, indent=1)


def markdown_table(columns: list[str], rows: list[list[str]], numeric=()) -> str:
    """The same rows as a markdown table."""
    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---:" if column in numeric else "---" for column in columns) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


class StepProgress:
    """Progress over a known number of steps: a rich bar on a terminal, one line per step
    elsewhere (logs of GPU runs), so a cut-off run still shows how far it got."""

    def __init__(self, total: int, stream=None):
        self.console = console_for(stream or sys.stderr)
        self.total, self.done = total, 0
        self.bar = None
        if self.console.is_terminal:
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=self.console, transient=False)
            self.task = self.bar.add_task("", total=total)
            self.bar.start()

    def note(self, text: str) -> None:
        """A line of its own, above the bar on a terminal."""
        self.console.print(text)

    def step(self, label: str) -> None:
        self.done += 1
        if self.bar is None:
            self.console.print(f"{self.done}/{self.total} {label}")
            return
        self.bar.update(self.task, advance=1, description=label)
        if self.done >= self.total:
            self.bar.stop()
