"""A scripted agent for the loop demo: it reads each prompt on stdin and answers, call by call,
with fixed answers that exercise every verdict of `triscan optimize` on the GPU:

0. triscan's own single file (`triscan emit`): correct and faster, kept;
1. the current code with the exclusive shift dropped (inclusive sums): wrong;
2. the current code unchanged: correct, no gain over the stage's threshold;
3. the seed's three-pass code from the prompt history (the start, kept in argv[2]): slower.

It is no model: the demo shows the driver's checks, timings and records, not a search.
Usage: agent.py COUNTER_FILE START.py
"""

import pathlib
import re
import subprocess
import sys

prompt = sys.stdin.read()
counter = pathlib.Path(sys.argv[1])
call = int(counter.read_text()) if counter.exists() else 0
counter.write_text(str(call + 1))
current = re.search(r"\[CURRENT CODE\]\n```python\n(.*?)```", prompt, re.S).group(1)
if call == 0:
    code = subprocess.run([sys.executable, "-m", "triscan", "emit"], capture_output=True, text=True,
                          check=True).stdout
elif call == 1:
    code = current.replace("shift=1)", "shift=0)")
elif call == 2:
    code = current
else:
    code = pathlib.Path(sys.argv[2]).read_text()
print(f"Answer {call}.\n\n```python\n{code}```\n")
