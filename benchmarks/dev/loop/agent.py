"""A scripted agent for the loop demo: it reads each prompt on stdin and answers, call by call,
with fixed answers that exercise every verdict of `triscan optimize` on the GPU:

0. triscan's own single file (`triscan emit`): correct and faster, kept;
1. the same file with the exclusive shift dropped (inclusive sums): wrong;
2. the same file again: correct, no gain over the stage's threshold (the best is that file);
3. the start (argv[2], the seed's three-pass code): it breaks the static rules (the word "pass"
   in its kernel names), so the loop refuses it as an answer.

It is no model: the demo shows the driver's checks, timings and records, not a search.
Usage: agent.py COUNTER_FILE START.py
"""

import pathlib
import subprocess
import sys

prompt = sys.stdin.read()
counter = pathlib.Path(sys.argv[1])
call = int(counter.read_text()) if counter.exists() else 0
counter.write_text(str(call + 1))
assert "[CURRENT CODE]" in prompt, "not a prompt of the staged loop"
emitted = subprocess.run([sys.executable, "-m", "triscan", "emit"], capture_output=True, text=True,
                         check=True).stdout
if call == 0:
    code = emitted
elif call == 1:
    code = emitted.replace("shift=1)", "shift=0)")
elif call == 2:
    code = emitted
else:
    code = pathlib.Path(sys.argv[2]).read_text()
print(f"Answer {call}.\n\n```python\n{code}```\n")
