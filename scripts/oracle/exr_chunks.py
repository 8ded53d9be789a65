#!/usr/bin/env python3
"""Write EXR test files for imageio/exr's codec tests (PIZ, PXR24, B44...).

Reads one JSON object on stdin:

  {"out": DIR, "cases": [{"name": N, "compression": "PIZ", "width": W,
    "height": H, "x0": X, "y0": Y, "seed": S,
    "channels": [{"name": "R", "type": "HALF", "xs": 1, "ys": 1,
                  "plinear": false, "fill": "noise"}]}]}

For each case it writes DIR/N.exr, a scanline file with that compression
holding generated pixels, then reads that file back with OpenEXR and writes
what OpenEXR decoded to DIR/N.none.exr, uncompressed. The Go tests decode
the chunks of N.exr with our codecs and compare them byte for byte with the
chunks of N.none.exr, so lossy codecs are checked against OpenEXR's own
decoder, not against the generated input.

Prints one JSON line per case: {"name": N, "ok": true} or {"name": N,
"error": "..."}.

fill: "noise" (random bits: every HALF/FLOAT pattern, NaNs included),
"finite" (random finite values), "wide" (normal values of scale 3000:
many distinct words), "sparse" (smooth with 30% of the samples
random bits: over 16384 distinct words yet compressible, PIZ's 16-bit
wavelet and long Huffman codes), "halfish" (smooth FLOAT values that are
exact halves: low words zero, so PIZ compresses them), "smooth" (a gradient with small noise),
"narrow" (few distinct values, PIZ's 14-bit wavelet), "const" (one value:
B44A's flat blocks), "blocks" (4x4 patches, constant and not, for B44A).
"""
import json
import sys

import numpy as np
import OpenEXR

DTYPES = {"HALF": np.float16, "FLOAT": np.float32, "UINT": np.uint32}
BITS = {"HALF": np.uint16, "FLOAT": np.uint32, "UINT": np.uint32}


def fill(kind, typ, h, w, rng):
    bits = BITS[typ]
    if kind == "noise":
        info = np.iinfo(bits)
        return rng.integers(0, int(info.max) + 1, size=(h, w), dtype=np.uint64).astype(bits).view(DTYPES[typ])
    if typ == "UINT":
        if kind == "const":
            return np.full((h, w), 123456789, dtype=np.uint32)
        if kind == "narrow":
            return rng.integers(0, 50, size=(h, w)).astype(np.uint32)
        yy, xx = np.mgrid[0:h, 0:w]
        return (xx * 1000 + yy * 7 + rng.integers(0, 5, size=(h, w))).astype(np.uint32)
    dt = DTYPES[typ]
    if kind == "finite":
        v = rng.standard_normal((h, w)) * 10.0 ** rng.integers(-6, 4, size=(h, w))
        return v.astype(dt)
    if kind == "const":
        return np.full((h, w), 0.734, dtype=dt)
    if kind == "wide":
        return (rng.standard_normal((h, w)) * 3000.0).astype(dt)
    if kind == "sparse":
        v = fill("smooth", typ, h, w, rng)
        noise = fill("noise", typ, h, w, rng)
        pick = rng.random((h, w)) < 0.3
        v[pick] = noise[pick]
        return v
    if kind == "halfish":
        return fill("smooth", "HALF", h, w, rng).astype(dt)
    if kind == "narrow":
        return (rng.integers(0, 40, size=(h, w)) / 8.0).astype(dt)
    if kind == "blocks":
        yy, xx = np.mgrid[0:h, 0:w]
        v = ((xx // 4 + yy // 4) % 3).astype(np.float64) * 0.5
        noisy = ((xx // 4) % 2) == 1
        v = v + noisy * rng.random((h, w)) * 0.1
        return v.astype(dt)
    if kind == "smooth":
        yy, xx = np.mgrid[0:h, 0:w]
        v = np.sin(xx / 7.0) + np.cos(yy / 5.0) * 2.0 + rng.random((h, w)) * 0.01 + 3.0
        return v.astype(dt)
    raise ValueError("unknown fill " + kind)


def full_shape(sampled, h, w):
    # The Python binding takes a full-size array for a sampled channel and
    # uses its first (h/ys)*(w/xs) values as the sampled data.
    out = np.zeros((h, w), dtype=sampled.dtype)
    out.reshape(-1)[: sampled.size] = sampled.reshape(-1)
    return out


def run(case, out):
    name = case["name"]
    w, h = case["width"], case["height"]
    x0, y0 = case.get("x0", 0), case.get("y0", 0)
    rng = np.random.default_rng(case.get("seed", 1))
    comp = getattr(OpenEXR, case["compression"] + "_COMPRESSION")
    header = {
        "compression": comp,
        "type": OpenEXR.scanlineimage,
        "dataWindow": ((x0, y0), (x0 + w - 1, y0 + h - 1)),
        "displayWindow": ((x0, y0), (x0 + w - 1, y0 + h - 1)),
    }
    chans = {}
    for c in case["channels"]:
        xs, ys = c.get("xs", 1), c.get("ys", 1)
        data = fill(c.get("fill", "noise"), c["type"], h // ys, w // xs, rng)
        chans[c["name"]] = OpenEXR.Channel(full_shape(data, h, w), xs, ys, bool(c.get("plinear", False)))
    path = f"{out}/{name}.exr"
    OpenEXR.File(header, chans).write(path)

    back = OpenEXR.File(path, separate_channels=True)
    hdr = dict(back.header())
    hdr["compression"] = OpenEXR.NO_COMPRESSION
    chans = {}
    for cname, ch in back.channels().items():
        chans[cname] = OpenEXR.Channel(full_shape(ch.pixels, h, w), ch.xSampling, ch.ySampling, bool(ch.pLinear))
    OpenEXR.File(hdr, chans).write(f"{out}/{name}.none.exr")


def main():
    job = json.load(sys.stdin)
    for case in job["cases"]:
        try:
            run(case, job["out"])
            print(json.dumps({"name": case["name"], "ok": True}), flush=True)
        except Exception as e:  # report per case, keep going
            print(json.dumps({"name": case["name"], "error": str(e)}), flush=True)


if __name__ == "__main__":
    main()
