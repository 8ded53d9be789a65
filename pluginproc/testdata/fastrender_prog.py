# An external "renderer" for the FastRender test plugin: rewrites its image
# after every pass and writes its progress to IMAGE.json.
import argparse
import json
import os
import time

ap = argparse.ArgumentParser()
ap.add_argument("usd")
ap.add_argument("--image", required=True)
ap.add_argument("--passes", type=int, default=1000)
a = ap.parse_args()
for i in range(a.passes):
    tmp = a.image + ".tmp"
    with open(tmp, "w") as f:
        f.write("P3\n2 2\n%d\n" % a.passes)
        f.write(("%d %d %d\n" % (i + 1, i + 1, i + 1)) * 4)
    os.replace(tmp, a.image)
    with open(tmp, "w") as f:
        json.dump({"percentDone": 100.0 * (i + 1) / a.passes, "pass": i + 1}, f)
    os.replace(tmp, a.image + ".json")
    time.sleep(0.02)
