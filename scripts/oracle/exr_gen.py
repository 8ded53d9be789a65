#!/usr/bin/env python3
"""OpenEXR oracle: random EXRs written by OpenEXR's own library, and
OpenEXR's decode of any EXR.

Jobs (a JSON list) on stdin; one JSON answer per job on stdout, in order.

  exr_gen.py gen OUTDIR    each job {"name", "seed", "kind", "compression"}:
                           write OUTDIR/<i>.exr with OpenEXR 3.5's File/Part
                           API (kind scan, tiled, multi, deep) or
                           OpenImageIO's make_texture (kind oiiomip: a
                           MIPMAP file; the bindings write no levels, and
                           neither writes RIPMAP files), then
                           read it back and dump it as below.
  exr_gen.py read OUTDIR   each job {"name", "path"}: dump the file.

A dump is {"name", "path", "error"} or {"name", "path", "warnings", "parts":
[{"name", "deep", "levels": [{"lx", "ly", "width", "height", "channels": [{"name",
"type", "xs", "ys", "w", "h", "bin"}]}]}]}: every channel's samples as
OpenEXR decodes them, in their own type (HALF as float16, FLOAT float32,
UINT uint32, little-endian, row-major) in a .bin file, so that big images
do not go through JSON. Levels other than the base level come from
OpenImageIO (which reads through OpenEXR), for files that hold them.

Everything random comes from numpy's default_rng(seed): a case is one seed.
"""

import json
import os
import sys
import traceback

import numpy as np
import OpenEXR

COMP = {
    "NONE": OpenEXR.NO_COMPRESSION,
    "RLE": OpenEXR.RLE_COMPRESSION,
    "ZIPS": OpenEXR.ZIPS_COMPRESSION,
    "ZIP": OpenEXR.ZIP_COMPRESSION,
    "PIZ": OpenEXR.PIZ_COMPRESSION,
    "PXR24": OpenEXR.PXR24_COMPRESSION,
    "B44": OpenEXR.B44_COMPRESSION,
    "B44A": OpenEXR.B44A_COMPRESSION,
    "DWAA": OpenEXR.DWAA_COMPRESSION,
    "DWAB": OpenEXR.DWAB_COMPRESSION,
    "HTJ2K256": OpenEXR.HTJ2K256_COMPRESSION,
    "HTJ2K32": OpenEXR.HTJ2K32_COMPRESSION,
    "LJ2K": OpenEXR.LJ2K_COMPRESSION,
    "ZSTD": OpenEXR.ZSTD_COMPRESSION,
}

TYPENAME = {np.dtype("float16"): "HALF", np.dtype("float32"): "FLOAT", np.dtype("uint32"): "UINT"}
NAMES = ["R", "G", "B", "A", "Z", "Y", "diffuse.R", "diffuse.G", "diffuse.B",
         "ViewLayer.Combined.R", "ViewLayer.Combined.A", "normal.X", "id", "depth.Z",
         "ViewLayer.LightGroup_KeyLight_Long.Combined.G"]  # > 31 bytes: long names


def values(rng, kind, h, w):
    """Samples of one channel: a mix of smooth ramps, noise, flat areas and
    (sometimes) arbitrary bit patterns, NaN and Inf included."""
    pat = rng.integers(0, 5)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    if pat == 0:
        v = (xx / max(w, 1)) * rng.uniform(-4, 4) + (yy / max(h, 1)) * rng.uniform(-4, 4)
    elif pat == 1:
        v = rng.normal(0, rng.choice([0.01, 1, 100, 1e4]), (h, w))
    elif pat == 2:
        v = np.full((h, w), rng.uniform(-2, 2))
        k = rng.integers(0, max(1, h * w // 8) + 1)
        v.flat[rng.integers(0, h * w, k)] = rng.normal(0, 1, k)
    elif pat == 3:
        v = np.sin(xx * rng.uniform(0, 1)) * np.cos(yy * rng.uniform(0, 1)) * rng.uniform(0, 10)
    else:
        v = None
    if kind == "UINT":
        if v is None:
            return rng.integers(0, 2**32, (h, w), dtype=np.uint64).astype(np.uint32)
        return np.abs(v * 1000).clip(0, 2**32 - 1).astype(np.uint32)
    dt = np.float16 if kind == "HALF" else np.float32
    if v is None:
        bits = np.uint16 if kind == "HALF" else np.uint32
        return rng.integers(0, np.iinfo(bits).max + 1, (h, w), dtype=np.uint64).astype(bits).view(dt)
    with np.errstate(over="ignore"):
        return v.astype(dt)


def box(x0, y0, x1, y1):
    return (np.array([x0, y0], dtype=np.int32), np.array([x1, y1], dtype=np.int32))


def make_part(rng, comp, tiled, disp, mode=None, name=""):
    """One random part: header and channels."""
    xs = ys = 1
    sampled = not tiled and rng.random() < 0.3
    if sampled:
        xs, ys = int(rng.choice([1, 2, 3])), int(rng.choice([1, 2]))
    w = int(rng.integers(1, 160)) * xs
    h = int(rng.integers(1, 120)) * ys
    if rng.random() < 0.08:  # a few big ones: many chunks of 32/256 lines
        w, h = int(rng.integers(200, 700)) * xs, int(rng.integers(260, 600)) * ys
    x0 = int(rng.integers(-40, 40)) * xs
    y0 = int(rng.integers(-40, 40)) * ys
    n = int(rng.integers(1, 5))
    chans = {}
    for cn in rng.choice(NAMES, n, replace=False):
        kind = str(rng.choice(["HALF", "HALF", "FLOAT", "UINT"]))
        sx = sy = 1
        if sampled and rng.random() < 0.6:
            sx, sy = xs, ys
        plinear = bool(kind == "HALF" and rng.random() < 0.2)  # B44 codes these differently
        chans[str(cn)] = OpenEXR.Channel(values(rng, kind, h, w), sx, sy, plinear)
    hdr = {
        "compression": COMP[comp],
        "dataWindow": box(x0, y0, x0 + w - 1, y0 + h - 1),
        "displayWindow": disp,
    }
    if tiled:
        td = OpenEXR.TileDescription()
        td.xSize = int(rng.choice([1, 3, 8, 16, 32, 64, 100]))
        td.ySize = int(rng.choice([1, 5, 8, 16, 32, 64]))
        td.mode = mode if mode is not None else OpenEXR.ONE_LEVEL
        td.roundingMode = OpenEXR.ROUND_UP if rng.random() < 0.5 else OpenEXR.ROUND_DOWN
        hdr["type"] = OpenEXR.tiledimage
        hdr["tiles"] = td
        hdr["lineOrder"] = [OpenEXR.INCREASING_Y, OpenEXR.DECREASING_Y, OpenEXR.RANDOM_Y][rng.integers(0, 3)]
    else:
        hdr["type"] = OpenEXR.scanlineimage
        hdr["lineOrder"] = [OpenEXR.INCREASING_Y, OpenEXR.DECREASING_Y][rng.integers(0, 2)]
    if rng.random() < 0.3:
        hdr["comments"] = "seeded test image \u00e9"
        hdr["owner"] = "rgallery oracle"
    return OpenEXR.Part(hdr, chans, name)


def random_disp(rng):
    dw, dh = int(rng.integers(1, 200)), int(rng.integers(1, 150))
    dx, dy = int(rng.integers(-20, 20)), int(rng.integers(-20, 20))
    return box(dx, dy, dx + dw - 1, dy + dh - 1)


def gen(job, path):
    rng = np.random.default_rng(job["seed"])
    kind, comp = job["kind"], job["compression"]
    disp = random_disp(rng)
    if kind == "scan":
        OpenEXR.File([make_part(rng, comp, False, disp)]).write(path)
    elif kind == "tiled":
        OpenEXR.File([make_part(rng, comp, True, disp)]).write(path)
    elif kind == "multi":
        n = int(rng.integers(2, 5))
        parts = [make_part(rng, comp, bool(rng.random() < 0.5), disp, name="part%d.%s" % (i, rng.choice(["beauty", "aov", "left", "right"]))) for i in range(n)]
        OpenEXR.File(parts).write(path)
    elif kind == "deep":
        h, w = int(rng.integers(1, 30)), int(rng.integers(1, 30))
        z = np.empty((h, w), dtype=object)
        for y in range(h):
            for x in range(w):
                z[y, x] = rng.random(int(rng.integers(0, 4))).astype(np.float32)
        typ = OpenEXR.deepscanline if rng.random() < 0.5 else OpenEXR.deeptile
        hdr = {"compression": COMP[comp], "type": typ}
        if typ == OpenEXR.deeptile:
            td = OpenEXR.TileDescription()
            td.xSize, td.ySize, td.mode, td.roundingMode = 8, 8, OpenEXR.ONE_LEVEL, OpenEXR.ROUND_DOWN
            hdr["tiles"] = td
        OpenEXR.File(hdr, {"Z": z}).write(path)
    elif kind == "oiiomip":
        import OpenImageIO as oiio
        w, h = int(rng.integers(1, 200)), int(rng.integers(1, 200))
        nc = int(rng.integers(1, 5))
        fmt = oiio.HALF if rng.random() < 0.6 else oiio.FLOAT
        pix = np.stack([values(rng, "FLOAT", h, w) for _ in range(nc)], axis=-1)
        pix = np.nan_to_num(pix, nan=0.0, posinf=1e4, neginf=-1e4).clip(-6e4, 6e4)
        buf = oiio.ImageBuf(oiio.ImageSpec(w, h, nc, fmt))
        buf.set_pixels(oiio.ROI(), pix.astype(np.float32))
        cfg = oiio.ImageSpec(w, h, nc, fmt)
        cfg.attribute("compression", comp.lower())
        cfg.attribute("tile_width", int(rng.choice([16, 32, 64])))
        cfg.attribute("tile_height", int(rng.choice([16, 32, 64])))
        if not oiio.ImageBufAlgo.make_texture(oiio.MakeTxTexture, buf, path, cfg):
            raise RuntimeError("make_texture: " + oiio.geterror())
    else:
        raise ValueError("unknown kind " + kind)


DEEP = (OpenEXR.deepscanline, OpenEXR.deeptile)


def dump_deep(p, pi, outdir, stem):
    """A deep part: per-pixel sample counts (uint32, row-major) in
    "counts", and per channel every sample in pixel order."""
    chans, counts = [], None
    for cn in sorted(p.channels):
        c = p.channels[cn]
        flat = c.pixels.ravel()
        if counts is None:
            counts = np.fromiter((0 if v is None else len(v) for v in flat), dtype=np.uint32, count=flat.size)
        nz = [v for v in flat if v is not None and len(v)]
        if nz:
            vals = np.concatenate(nz)
        else:
            vals = np.zeros(0, dtype={OpenEXR.HALF: np.float16, OpenEXR.FLOAT: np.float32}.get(c.type(), np.uint32))
        chans.append({"name": cn, "type": TYPENAME[vals.dtype], "xs": 1, "ys": 1, "w": int(vals.size), "h": 1,
                      "bin": write_bin(outdir, "%s_p%d_deep_%d" % (stem, pi, len(chans)), vals)})
    dw = p.header["dataWindow"]
    w, h = int(dw[1][0] - dw[0][0] + 1), int(dw[1][1] - dw[0][1] + 1)
    if counts is None:
        counts = np.zeros(w * h, dtype=np.uint32)
    return {"name": p.name(), "deep": True, "counts": write_bin(outdir, "%s_p%d_counts" % (stem, pi), counts),
            "levels": [{"lx": 0, "ly": 0, "width": w, "height": h, "channels": chans}]}


def write_bin(outdir, tag, arr):
    p = os.path.join(outdir, tag + ".bin")
    np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tofile(p)
    return p


def read_capturing_warnings(path):
    """OpenEXR.File, with what OpenEXR prints on stderr (the bindings
    report a part they could not read as a warning and go on)."""
    import tempfile
    sys.stderr.flush()
    sys.stdout.flush()
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 1)
        os.dup2(tmp.fileno(), 2)
        try:
            f = OpenEXR.File(path, separate_channels=True)
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        tmp.seek(0)
        return f, tmp.read().decode("utf-8", "replace").strip()


def dump(job, path, outdir, ans, idx):
    # Deep files whose job says "deepheaders" (the damaged ones, where
    # OpenEXR can take seconds and gigabytes) are described from their
    # headers only.
    if job.get("deepheaders"):
        hf = OpenEXR.File(path, header_only=True)
        if any(p.type() in DEEP for p in hf.parts):
            return [{"name": p.name(), "deep": p.type() in DEEP, "levels": []} for p in hf.parts]
    f, warnings = read_capturing_warnings(path)
    if warnings:
        ans["warnings"] = warnings[:2000]
    # the job's index keeps files of the same name (v2/*/Trunks.exr) apart
    stem = "%d_%s" % (idx, os.path.splitext(os.path.basename(path))[0])
    parts = []
    for pi, p in enumerate(f.parts):
        if p.type() in DEEP:
            parts.append(dump_deep(p, pi, outdir, stem))
            continue
        chans = []
        for cn in sorted(p.channels):
            c = p.channels[cn]
            a = c.pixels
            chans.append({"name": cn, "type": TYPENAME[a.dtype], "xs": c.xSampling, "ys": c.ySampling,
                          "w": a.shape[1], "h": a.shape[0],
                          "bin": write_bin(outdir, "%s_p%d_l0_0_%d" % (stem, pi, len(chans)), a)})
        dw = p.header["dataWindow"]
        levels = [{"lx": 0, "ly": 0, "width": int(dw[1][0] - dw[0][0] + 1), "height": int(dw[1][1] - dw[0][1] + 1), "channels": chans}]
        parts.append({"name": p.name(), "levels": levels})
    if job.get("kind") == "oiiomip":
        levels_from_oiio(path, parts[0], outdir, stem)
    return parts


def levels_from_oiio(path, part, outdir, stem):
    import OpenImageIO as oiio
    inp = oiio.ImageInput.open(path)
    if inp is None:
        raise RuntimeError(oiio.geterror())
    try:
        m = 1
        while inp.seek_subimage(0, m):
            spec = inp.spec()
            px = inp.read_image(0, m, 0, spec.nchannels, oiio.UNKNOWN)
            names = list(spec.channelnames)
            chans = []
            for ci in np.argsort(names, kind="stable"):
                a = np.ascontiguousarray(px[:, :, ci])
                chans.append({"name": names[ci], "type": TYPENAME[a.dtype], "xs": 1, "ys": 1, "w": a.shape[1], "h": a.shape[0],
                              "bin": write_bin(outdir, "%s_p0_l%d_%d_%d" % (stem, m, m, len(chans)), a)})
            part["levels"].append({"lx": m, "ly": m, "width": spec.width, "height": spec.height, "channels": chans})
            m += 1
    finally:
        inp.close()


def main():
    mode, outdir = sys.argv[1], sys.argv[2]
    jobs = json.load(sys.stdin)
    for i, job in enumerate(jobs):
        # "idx" (the job's index in the whole run, from the caller) keeps
        # file names unique when a batch is resumed in a new process
        i = job.get("idx", i)
        ans = {"name": job["name"]}
        try:
            if mode == "gen":
                path = os.path.join(outdir, "%d.exr" % i)
                ans["path"] = path
                gen(job, path)
            else:
                path = job["path"]
                ans["path"] = path
            ans["parts"] = dump(job, path, outdir, ans, i)
        except Exception as e:  # the answer says what OpenEXR refused
            ans["error"] = "%s: %s" % (type(e).__name__, e)
            if os.environ.get("EXR_GEN_TRACE"):
                traceback.print_exc()
        print(json.dumps(ans, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
