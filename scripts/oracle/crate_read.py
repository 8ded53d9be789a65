#!/usr/bin/env python3
"""crate_read.py: OpenUSD reads crate files written by rgallery's crate
writer, for internal/oracle's TestOracleCrateWriter.

stdin: a JSON list of jobs {"name", "ours", "theirs", "dumpTheirs"}:
"ours" is a .usdc our writer made, "theirs" the .usdc OpenUSD wrote from
the same usda (by crate_values.py) or the crate file ours was read from;
with "dumpTheirs" the answer holds "theirsDump" and "theirsVersion" too.
For each job prints one JSON line, in job order:
  {"name", "version": "<our file's header version>", "dump": {...},
   "flat": "" or the first line where the flattened stages differ,
   "flattened": whether the stages were compared flattened (they are not
   when the stage has composition errors)}
or {"name", "error": "..."} when OpenUSD cannot open our file. The dump is
crate_values.py's canonical layer dump; "flat" compares
Usd.Stage.Open(f).Flatten().ExportToString() of both files.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crate_values import dump  # noqa: E402
from pxr import Sdf, Usd  # noqa: E402


def flat(path):
    """The flattened stage's lines, or None when the stage has composition
    errors: OpenUSD composes cyclic arcs in no fixed order (two opens of
    one file can flatten differently), so such stages are not compared."""
    stage = Usd.Stage.Open(path)
    if stage.GetCompositionErrors():
        return None
    text = stage.Flatten().ExportToString()
    # The flattened layer's doc names the file it came from.
    return [ln for ln in text.splitlines() if "Generated from Composed Stage" not in ln]


def main():
    jobs = json.load(sys.stdin)
    for j in jobs:
        name = j["name"]
        try:
            with open(j["ours"], "rb") as fh:
                head = fh.read(11)
            version = "%d.%d.%d" % (head[8], head[9], head[10])
            layer = Sdf.Layer.FindOrOpen(j["ours"])
            if layer is None:
                raise RuntimeError("Sdf.Layer.FindOrOpen returned None")
            d = dump(layer)
            diff = ""
            a, b = flat(j["ours"]), flat(j["theirs"])
            flattened = a is not None and b is not None
            if (a is None) != (b is None):
                diff = "composition errors in only one of the stages"
            for i in range(max(len(a), len(b)) if flattened else 0):
                la = a[i] if i < len(a) else "<end>"
                lb = b[i] if i < len(b) else "<end>"
                if la != lb:
                    diff = "line %d: ours %r, OpenUSD's %r" % (i + 1, la, lb)
                    break
            ans = {"name": name, "version": version, "dump": d, "flat": diff, "flattened": flattened}
            if j.get("dumpTheirs"):
                with open(j["theirs"], "rb") as fh:
                    head = fh.read(11)
                ans["theirsVersion"] = "%d.%d.%d" % (head[8], head[9], head[10])
                ans["theirsDump"] = dump(Sdf.Layer.FindOrOpen(j["theirs"]))
            print(json.dumps(ans, sort_keys=True), flush=True)
        except Exception as e:
            print(json.dumps({"name": name, "error": "read: %s" % " ".join(str(e).split())}), flush=True)


if __name__ == "__main__":
    main()
