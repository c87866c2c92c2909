"""A scripted agent for `triscan optimize`: reads the prompt on stdin and answers, call by call,
with a faster correct candidate, a wrong one, one that breaks the rules, a crash and a slower one
(its call count lives in the file named by argv[1])."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from make_candidate import candidate  # noqa: E402

prompt = sys.stdin.read()
counter = pathlib.Path(sys.argv[1])
call = int(counter.read_text()) if counter.exists() else 0
counter.write_text(str(call + 1))
with open(str(counter) + ".prompts", "a") as log:  # what each call was told
    log.write(f"--- call {call}\n{prompt}\n")
answers = ["faster", "wrong", "rules", "crash", "slower"]
kind = answers[call % len(answers)]
if kind == "crash":
    print("the agent broke", file=sys.stderr)
    sys.exit(3)
code = {"faster": candidate(4096), "wrong": candidate(4096, add=2.0), "rules": candidate(4096, fallback=True),
        "slower": candidate(256)}[kind]
print(f"Here is the kernel.\n\n```python\n{code}```\n")
