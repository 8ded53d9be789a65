import json
from pxr import Usd
s = Usd.Stage.Open(__import__('os').path.join(__import__('os').path.dirname(__import__('os').path.abspath(__file__)), 'root.usda'))
out = {}
for path in ['/Model.x', '/Model/Child.y', '/Offset.x', '/Ancestor.x', '/Ancestor/Child.y', '/Ancestor/Child/Deeper.z']:
    a = s.GetAttributeAtPath(path)
    vals = []
    for t in [0, 0.5, 1, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7.5, 10]:
        v = a.Get(t)
        vals.append([t, v])
    out[path] = {"values": vals, "samples": list(a.GetTimeSamples())}
print(json.dumps(out))
