#!/usr/bin/env python3
"""crate_splines.py: OpenUSD authors random splines (Ts), writes each on an
attribute /P.a of a .usdc file, and evaluates it at a set of times, for
internal/oracle's TestOracleCrateSplines.

stdin: a JSON list of jobs {"name", "seed", "usdc"}. For each job prints
one JSON line, in job order:
  {"name", "type": "double"|"float"|"half", "times": [t...],
   "values": [v or null (no value)...], "spline": "<usda text of it>",
   "usdaValues": [the values of that text read back as a usda layer]}
or {"name", "error": "..."}.

A spline has 1 to 6 knots at increasing times; each knot's next
interpolation is held, linear, curve or (rarely) a value block; some knots
are dual-valued; curve tangents have random widths (some regressive) and
slopes; pre and post extrapolation are held, linear, sloped or a value
block. Times sampled: every knot time, midpoints, quarter points, and
times before the first and after the last knot.
"""
import json
import random
import sys

from pxr import Sdf, Ts, Usd


def make(seed):
    r = random.Random(seed)
    vt = r.choice(["double", "double", "float", "half"])
    sp = Ts.Spline(vt)
    # A separate generator, so that the Bezier splines of older runs stay
    # the same.
    if random.Random(seed * 7919 + 1).random() < 0.25:
        sp.SetCurveType(Ts.CurveTypeHermite)
    t = r.uniform(-10, 10)
    times = []
    for i in range(r.randint(1, 6)):
        k = Ts.Knot(vt)
        k.SetTime(t)
        k.SetValue(round(r.uniform(-50, 50), r.choice([0, 2, 6])))
        if r.random() < 0.15:
            k.SetPreValue(round(r.uniform(-50, 50), 3))
        interp = r.choices([Ts.InterpCurve, Ts.InterpLinear, Ts.InterpHeld, Ts.InterpValueBlock],
                           [6, 3, 2, 1])[0]
        k.SetNextInterpolation(interp)
        k.SetPreTanWidth(r.choice([0.0, r.uniform(0.01, 3), r.uniform(0.5, 8)]))
        k.SetPostTanWidth(r.choice([0.0, r.uniform(0.01, 3), r.uniform(0.5, 8)]))
        k.SetPreTanSlope(r.choice([0.0, r.uniform(-20, 20)]))
        k.SetPostTanSlope(r.choice([0.0, r.uniform(-20, 20)]))
        sp.SetKnot(k)
        times.append(t)
        t += r.choice([0.5, 1, r.uniform(0.1, 10)])

    def extrap():
        e = Ts.Extrapolation(r.choice([Ts.ExtrapHeld, Ts.ExtrapLinear, Ts.ExtrapSloped, Ts.ExtrapValueBlock]))
        if e.mode == Ts.ExtrapSloped:
            e.slope = r.uniform(-5, 5)
        return e
    sp.SetPreExtrapolation(extrap())
    sp.SetPostExtrapolation(extrap())
    samples = [times[0] - 3.5, times[0] - 0.25, times[-1] + 0.25, times[-1] + 7]
    for i, a in enumerate(times):
        samples.append(a)
        if i + 1 < len(times):
            b = times[i + 1]
            samples += [a + (b - a) * f for f in (0.1, 0.25, 0.5, 0.75, 0.9)]
    return vt, sp, sorted(samples)


def main():
    for j in json.load(sys.stdin):
        try:
            vt, sp, samples = make(j["seed"])
            stage = Usd.Stage.CreateNew(j["usdc"])
            attr = stage.DefinePrim("/P").CreateAttribute("a", Sdf.ValueTypeNames.Find(vt))
            attr.SetSpline(sp)
            stage.GetRootLayer().Save()
            stage = Usd.Stage.Open(j["usdc"])
            attr = stage.GetAttributeAtPath("/P.a")
            vals = []
            for t in samples:
                v = attr.Get(t)
                vals.append(None if v is None else float(v))
            text = stage.GetRootLayer().ExportToString()
            # The same spline read back from OpenUSD's usda text (which
            # de-regresses tangents again as it reads them).
            usda = j["usdc"][:-5] + ".usda"
            with open(usda, "w") as f:
                f.write(text)
            ustage = Usd.Stage.Open(usda)
            attr = ustage.GetAttributeAtPath("/P.a")
            uvals = []
            for t in samples:
                v = attr.Get(t)
                uvals.append(None if v is None else float(v))
            print(json.dumps({"name": j["name"], "type": vt, "times": samples, "values": vals,
                              "spline": text, "usdaValues": uvals}), flush=True)
        except Exception as e:
            print(json.dumps({"name": j["name"], "error": " ".join(str(e).split())}), flush=True)


if __name__ == "__main__":
    main()
