"""The Python side of the `python` entry: one safemap call from Python, as the command line's run beside it.

    python_call.py kde|hotspots OUT [--call-time FILE] ARGS...

ARGS are the command line's options (--x X --y Y ...), given to the package as keyword arguments (the
package names them so), and the first ARG the points. Writes OUT as -o does. With --call-time, the seconds
of the call and the write alone (no interpreter start-up, no imports) go to FILE.
"""
import sys
import time

t_start = time.perf_counter()
import safemap  # noqa: E402

cmd, out = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
call_time = None
if args[:1] == ["--call-time"]:
    call_time, args = args[1], args[2:]


def value_of(text):
    """A command-line value as the package takes it: a list for "a,b,c", a number, else the text."""
    if "," in text:
        return [float(v) for v in text.split(",")]
    try:
        return float(text) if "." in text or "e" in text else int(text)
    except ValueError:
        return text


points, kw = args[0], {}
i = 1
while i < len(args):
    name = args[i].lstrip("-").replace("-", "_")
    if i + 1 < len(args) and not args[i + 1].startswith("--"):
        kw[name], i = value_of(args[i + 1]), i + 2
    else:
        kw[name], i = True, i + 1
if "threads" in kw:
    kw["threads"] = int(kw["threads"])
t0 = time.perf_counter()
getattr(safemap, cmd)(points, output=out, overwrite=True, **kw)
t1 = time.perf_counter()
if call_time:
    with open(call_time, "w") as f:
        f.write(f"{t1 - t0:.4f} {t0 - t_start:.4f}\n")
