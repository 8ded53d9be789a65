"""Equal-time noise and converged-image FLIP: rgallery's path tracer against the
current Cycles (bpy 4.5, through scripts/bench/cycles45.py), for issue 16.

Run with the bench venv's python (numpy, OpenEXR, flip-evaluator, bpy):

  $RGALLERY_BENCH_PYTHON scripts/bench/anchors.py RGALLERY_BINARY SHARED_DIR OUT_DIR [SCENE...]

Knobs (environment): REF_SPP (default 2048), EQ_RES (default 320x180),
BUDGETS (seconds, default 5,20), FILTER (our pixel filter, default
blackman-harris like Cycles' 1.5 px), EQ_SPP (e.g. 16,64: equal-sample mode,
below).

Equal-sample mode (EQ_SPP set): instead of the time budgets, both renderers
render each of those sample counts (seed 2, and seed 3 as well for counts
below 64, whose figures are averaged as variances), and the table gives the
noise per sample (in full, and without the 0.1% worst pixels): relRMSE against the renderer's own reference, corrected
for the reference's noise by / sqrt(1 + spp / REF_SPP). It does not depend on
machine load, unlike the equal-time figures.

Per scene, alternating the renderers at every step (so a noisy neighbour on a
shared machine hits both alike), 4 bounces, 2 threads:
 1. each renderer's own reference, REF_SPP samples per pixel at EQ_RES, seed 1;
    its samples/s (render time = BVH build + sampling for ours, the whole
    bpy.ops.render.render() = sync + BVH + sampling for Cycles) sets the spp
    that fills each budget;
 2. for each budget B, a render of round(B * samples/s / pixels) spp, seed 2
    (never the reference's seed: equal seeds would share the first samples),
    timed the same way (t);
 3. noise = RMSE (linear RGB, all channels) against the renderer's OWN
    reference, so neither renderer's bias counts, relative to the reference's
    mean. Two figures: `relRMSE` as measured, and `at B` = relRMSE *
    sqrt(t / B) / sqrt(1 + spp / REF_SPP): moved to exactly B seconds
    (variance ~ 1/time) and with the reference's own noise taken out (same
    per-sample variance for the reference and the test render). ratio =
    ours / Cycles of the `at B` figure (> 1: ours noisier);
 4. mean FLIP error (flip-evaluator, HDR-FLIP on the linear images, and
    LDR-FLIP on the clamped sRGB images) of our reference against Cycles'
    reference (the converged images), plus the mean-luminance ratio.

Prints a table and writes OUT_DIR/anchors.json. Absolute times are noisy on a
shared machine; only the same-run ratios mean anything.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import OpenEXR
import flip_evaluator

HERE = os.path.dirname(os.path.abspath(__file__))


def read_exr(path):
    with OpenEXR.File(path) as f:
        ch = f.channels()
        if "RGB" in ch:
            return np.array(ch["RGB"].pixels, np.float32)
        if "RGBA" in ch:
            return np.array(ch["RGBA"].pixels[..., :3], np.float32)
        return np.stack([np.array(ch[c].pixels, np.float32) for c in "RGB"], -1)


def ours(rg, usd, res, spp, seed, exr):
    args = [rg, "render-worker", "--res", res, "--spp", str(spp), "--max-bounces", "4", "--threads", "2",
            "--seed", str(seed), "--exr", exr, "--final-only", "--filter", os.environ.get("FILTER", "blackman-harris"),
            "--aovs", "off", "--filter-glossy", "0", usd]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("anchors: %s failed: %s" % (" ".join(args), p.stderr[-2000:]))
    start = done = None
    for line in p.stdout.splitlines():
        try:
            s = json.loads(line)
        except ValueError:
            continue
        if s.get("event") == "start":
            start = s
        elif s.get("event") == "done":
            done = s
    if start is None or done is None:
        sys.exit("anchors: render-worker gave no start/done events for %s" % usd)
    t = start.get("bvhBuildTime", 0.0) + done["totalClockTime"] - start["totalClockTime"]
    return dict(spp=spp, samples=done["samples"], render_s=t, sps=done["samples"] / t)


def cycles(py, usd, res, spp, seed, exr):
    args = [py, os.path.join(HERE, "cycles45.py"), "render", usd, exr, "--res", res, "--spp", str(spp), "--seed", str(seed)]
    p = subprocess.run(args, capture_output=True, text=True)
    res_line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    if p.returncode != 0 or not res_line:
        sys.exit("anchors: %s failed: %s" % (" ".join(args), (p.stderr + p.stdout)[-2000:]))
    r = json.loads(res_line[-1][7:])
    return dict(spp=spp, samples=r["samples"] * r["res"][0] * r["res"][1], render_s=r["render_s"],
                sps=r["samples"] * r["res"][0] * r["res"][1] / r["render_s"], blender=r["blender"])


def srgb(x):
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055).astype(np.float32)


def lum(x):
    return float((x[..., 0] * 0.2126 + x[..., 1] * 0.7152 + x[..., 2] * 0.0722).mean())


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.split("\n\n")[1])
    rg, shared, out = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    scenes = sys.argv[4:] or ["cornell", "spheres", "mesh"]
    ref_spp = int(os.environ.get("REF_SPP", "2048"))
    res = os.environ.get("EQ_RES", "320x180")
    budgets = [float(b) for b in os.environ.get("BUDGETS", "5,20").split(",")]
    eq_spp = [int(n) for n in os.environ.get("EQ_SPP", "").split(",") if n]
    w, h = (int(v) for v in res.split("x"))
    os.makedirs(out, exist_ok=True)
    py = sys.executable
    R = {"ref_spp": ref_spp, "res": res, "budgets": budgets, "eq_spp": eq_spp, "scenes": {}}
    t_start = time.time()
    for s in scenes:
        usd = os.path.abspath(os.path.join(shared, "bench-scenes", s, s + ".usda"))
        d = R["scenes"][s] = {}
        print("anchors: %s: references, %d spp at %s ..." % (s, ref_spp, res), flush=True)
        img = {}
        for name, fn in (("ours", lambda *a: ours(rg, *a)), ("cycles", lambda *a: cycles(py, *a))):
            exr = os.path.join(out, "%s-%s-ref.exr" % (s, name))
            d[name] = {"ref": fn(usd, res, ref_spp, 1, exr)}
            img[name] = read_exr(exr)
        for n in eq_spp:
            for name, fn in (("ours", lambda *a: ours(rg, *a)), ("cycles", lambda *a: cycles(py, *a))):
                ref, var, tvar, runs = img[name], [], [], []
                for seed in ((2, 3) if n < 64 else (2,)):
                    exr = os.path.join(out, "%s-%s-%dspp-%d.exr" % (s, name, n, seed))
                    r = fn(usd, res, n, seed, exr)
                    x = read_exr(exr).astype(np.float64)
                    e = np.sort(((x - ref) ** 2).mean(-1).ravel())
                    var.append(e.mean() / (1 + n / ref_spp))
                    tvar.append(e[:len(e) - len(e) // 1000].mean() / (1 + n / ref_spp))
                    runs.append(r)
                rel = float(np.sqrt(np.mean(var)) / ref.mean())
                trim = float(np.sqrt(np.mean(tvar)) / ref.mean())
                d[name]["spp%d" % n] = dict(spp=n, rel=rel, trimmed=trim, runs=runs)
                print("anchors: %s %d spp %s: relRMSE %.4f, trimmed %.4f" % (s, n, name, rel, trim), flush=True)
        for b in budgets if not eq_spp else []:
            for name, fn in (("ours", lambda *a: ours(rg, *a)), ("cycles", lambda *a: cycles(py, *a))):
                spp = max(1, int(round(b * d[name]["ref"]["sps"] / (w * h))))
                exr = os.path.join(out, "%s-%s-%gs.exr" % (s, name, b))
                r = fn(usd, res, spp, 2, exr)
                ref = img[name]
                x = read_exr(exr)
                rmse = float(np.sqrt(np.mean((x.astype(np.float64) - ref) ** 2)))
                rel = rmse / float(ref.mean())
                r.update(rmse=rmse, rel=rel, at_budget=rel * np.sqrt(r["render_s"] / b) / np.sqrt(1 + spp / ref_spp))
                d[name]["%g" % b] = r
                print("anchors: %s %gs %s: %d spp in %.2f s, relRMSE %.4f" % (s, b, name, spp, r["render_s"], rel), flush=True)
        a, c = img["ours"], img["cycles"]
        _, hdr, _ = flip_evaluator.evaluate(c, a, "HDR", inputsRGB=False, applyMagma=False)
        _, ldr, _ = flip_evaluator.evaluate(srgb(c), srgb(a), "LDR", applyMagma=False)
        d["flip_hdr"], d["flip_ldr"] = float(hdr), float(ldr)
        d["mean_ratio"] = lum(a) / lum(c)
    R["seconds"] = round(time.time() - t_start, 1)
    with open(os.path.join(out, "anchors.json"), "w") as f:
        json.dump(R, f, indent=1)

    blender = next(iter(R["scenes"].values()))["cycles"]["ref"].get("blender", "?")
    if eq_spp:
        print()
        print("Equal-sample noise, %s, 4 bounces, our filter %s, against each renderer's own %d-spp reference" % (
            res, os.environ.get("FILTER", "blackman-harris"), ref_spp))
        print("(seed 1 vs 2, and 3 below 64 spp); Cycles = Blender %s. relRMSE = RMSE / reference mean, without" % blender)
        print("the reference's own noise; ratio > 1: ours noisier per sample. 'trimmed': the same without the 0.1%")
        print("of pixels with the largest errors (fireflies make the full figure swing from seed to seed).")
        print("%-8s %6s | %9s %9s | %9s %9s | %6s %7s" % ("scene", "spp", "ours", "trimmed", "Cycles", "trimmed", "ratio", "trimmed"))
        for s, d in R["scenes"].items():
            for n in eq_spp:
                o, c = d["ours"]["spp%d" % n], d["cycles"]["spp%d" % n]
                print("%-8s %6d | %9.4f %9.4f | %9.4f %9.4f | %6.2f %7.2f" % (
                    s, n, o["rel"], o["trimmed"], c["rel"], c["trimmed"], o["rel"] / c["rel"], o["trimmed"] / c["trimmed"]))
    if not eq_spp:
        print()
        print("Equal-time noise, %s, 4 bounces, 2 threads, against each renderer's own %d-spp reference (seed 1 vs 2);" % (res, ref_spp))
        print("Cycles = Blender %s through its USD importer. relRMSE = RMSE / reference mean; 'at B' = moved to exactly" % blender)
        print("B seconds and without the reference's own noise (see scripts/bench/anchors.py); ratio > 1: ours noisier.")
        print("%-8s %6s | %9s %7s %8s %7s | %9s %7s %8s %7s | %6s" % ("scene", "budget", "ours spp", "t s", "relRMSE", "at B",
                                                                        "Cyc spp", "t s", "relRMSE", "at B", "ratio"))
        for s, d in R["scenes"].items():
            for b in budgets:
                o, c = d["ours"]["%g" % b], d["cycles"]["%g" % b]
                print("%-8s %5gs | %9d %7.2f %8.4f %7.4f | %9d %7.2f %8.4f %7.4f | %6.2f" % (
                    s, b, o["spp"], o["render_s"], o["rel"], o["at_budget"], c["spp"], c["render_s"], c["rel"], c["at_budget"],
                    o["at_budget"] / c["at_budget"]))
    print()
    print("Converged images (%d spp, %s): ours against Cycles %s" % (ref_spp, res, blender))
    print("%-8s %11s %11s %10s %11s %11s %11s" % ("scene", "HDR-FLIP", "LDR-FLIP", "mean lum", "ours Ms/s", "Cyc Ms/s", "ratio"))
    for s, d in R["scenes"].items():
        o, c = d["ours"]["ref"], d["cycles"]["ref"]
        print("%-8s %11.4f %11.4f %10.3f %11.3f %11.3f %11.2f" % (s, d["flip_hdr"], d["flip_ldr"], d["mean_ratio"],
                                                                 o["sps"] / 1e6, c["sps"] / 1e6, o["sps"] / c["sps"]))
    print("(mean lum: our mean luminance / Cycles'; Ms/s: of the reference renders; anchors took %.0f s)" % R["seconds"])


main()
