# Writes openusd_26.11_values.json: OpenUSD's time samples and values of
# the clip rule stage root.usda (run with usd-core 26.11's python).
import json, os
from pxr import Usd
s = Usd.Stage.Open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'root.usda'))
out = {}
for path in ['/ListOp.x', '/Offset.x', '/Offset.tc', '/Strength.x', '/Strength.y',
             '/Jump.x', '/Jump.tc', '/Manifest.x', '/Manifest.y', '/Manifest.z']:
    a = s.GetAttributeAtPath(path)
    vals = []
    for t in [-1, 0, 3, 5, 9.999999995559108, 10, 12.5, 15, 20, 25]:
        v = a.Get(t)
        vals.append([t, None if v is None else float(v)])
    out[path] = {"values": vals, "samples": list(a.GetTimeSamples())}
print(json.dumps(out, indent=1))
