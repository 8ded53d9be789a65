#!/usr/bin/env python3
"""Canonical dump of composed USD stages from OpenUSD (pxr), the reference
for usd/dump (see that package's doc for the form; both sides must agree
byte for byte in meaning).

Reads a JSON list of jobs on stdin: {"file": root layer path, "session":
optional session layer path, "fallbacks": {set: [selections]}} and prints
one JSON line per job: {"ok": true, "dump": {...}} or {"ok": false,
"error": "..."} when OpenUSD cannot open the stage.
"""
import json
import math
import os
import select
import signal
import sys
import time

# One work thread: UsdStage picks the source instance of each prototype as
# its parallel indexing tasks happen to run (Usd_InstanceCache: "the source
# prim index for a prototype may change from run to run"), and composition
# errors and instance proxies' indexes follow that choice. On one thread
# the order is fixed (depth first, siblings last to first), which is what
# usd/prim.go's sourceInstances reproduces. Set before pxr reads it.
os.environ.setdefault("PXR_WORK_THREAD_LIMIT", "1")

from pxr import Gf, Pcp, Sdf, Tf, Usd, Vt  # noqa: F401


def num(f):
    f = float(f)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def value(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return num(v)
    if isinstance(v, str):
        return v
    if isinstance(v, Sdf.AssetPath):
        return {"asset": v.path}
    if isinstance(v, Sdf.TimeCode):
        return num(v.GetValue())
    if isinstance(v, Sdf.PathExpression):
        return v.GetText()
    if isinstance(v, Sdf.Path):
        return str(v)
    if isinstance(v, dict):
        return {str(k): value(x) for k, x in v.items()}
    if isinstance(v, (Gf.Quatf, Gf.Quatd, Gf.Quath)):
        im = v.GetImaginary()
        return [num(v.GetReal()), num(im[0]), num(im[1]), num(im[2])]
    if isinstance(v, (Gf.Matrix2d, Gf.Matrix3d, Gf.Matrix4d, Gf.Matrix2f, Gf.Matrix3f, Gf.Matrix4f)):
        n = v.dimension[0]
        return [[num(v[i][j]) for j in range(n)] for i in range(n)]
    if hasattr(v, "__len__") and hasattr(v, "__getitem__"):
        return [value(x) for x in v]
    return "unsupported %s" % type(v).__name__


def layer_name(layer, rootdir):
    ident = layer.identifier
    if layer.anonymous:
        return "anon"
    path = ident.split(":SDF_FORMAT_ARGS:")[0]
    if not os.path.isabs(path) and layer.realPath:
        # A search-path identifier ("sub/a.usd"): name the file it
        # resolved to, not a path relative to this process's cwd.
        path = layer.realPath
    pkg, sep, inner = path.partition("[")
    return os.path.relpath(pkg, rootdir).replace(os.sep, "/") + sep + inner


def dump_prim(p, rootdir):
    d = {
        "type": str(p.GetTypeName()),
        "specifier": {Sdf.SpecifierDef: "def", Sdf.SpecifierOver: "over", Sdf.SpecifierClass: "class"}[p.GetSpecifier()],
        "active": bool(p.IsActive()),
        "kind": str(p.GetKind() or ""),
        "apiSchemas": [str(s) for s in p.GetPrimTypeInfo().GetAppliedAPISchemas()],
        # Children as the traversal sees them: an instance's children are
        # its prototype's, as instance proxies (GetAllChildrenNames is
        # empty for an instance).
        "children": [str(c.GetName()) for c in p.GetFilteredChildren(PRED)] if p.IsActive() else [],
        "variants": {},
        "stack": [],
        "properties": [],
        "props": {},
    }
    vsets = p.GetVariantSets()
    for name in vsets.GetNames():
        d["variants"][name] = vsets.GetVariantSet(name).GetVariantSelection()
    for spec in p.GetPrimStack():
        d["stack"].append(layer_name(spec.layer, rootdir) + ":" + str(spec.path))
    for prop in p.GetAuthoredProperties():
        name = prop.GetName()
        d["properties"].append(name)
        if isinstance(prop, Usd.Attribute):
            e = {"kind": "attribute", "type": str(prop.GetTypeName())}
            v = prop.Get(Usd.TimeCode.Default())
            if v is not None:
                e["default"] = value(v)
            samples = []
            for t in prop.GetTimeSamples():
                samples.append([num(t), value(prop.Get(t))])
            if samples:
                e["samples"] = samples
            conns = [str(c) for c in prop.GetConnections()]
            if conns:
                e["connections"] = conns
        else:
            e = {"kind": "relationship", "targets": [str(t) for t in prop.GetTargets()]}
        d["props"][name] = e
    return d


def error_kind(err):
    name = type(err).__name__  # Pcp.ErrorArcCycle -> ArcCycle
    return name[len("Error"):] if name.startswith("Error") else name


PRED = Usd.TraverseInstanceProxies(Usd.PrimAllPrimsPredicate)


def dump_stage(stage, rootdir):
    out = {"root": [], "prims": {}, "errors": []}
    pred = PRED
    for c in stage.GetPseudoRoot().GetAllChildren():
        out["root"].append(str(c.GetName()))
    for p in Usd.PrimRange.Stage(stage, pred):
        out["prims"][str(p.GetPath())] = dump_prim(p, rootdir)
    errs = set()
    for e in stage.GetCompositionErrors():
        site = ""
        try:
            site = str(e.rootSite.path)
        except Exception:
            pass
        errs.add("%s <%s>" % (error_kind(e), site))
    out["errors"] = sorted(errs)
    return out


def run(job):
    Usd.Stage.SetGlobalVariantFallbacks(job.get("fallbacks") or {})
    root = os.path.abspath(job["file"])
    try:
        if job.get("session"):
            sess = Sdf.Layer.FindOrOpen(os.path.abspath(job["session"]))
            stage = Usd.Stage.Open(Sdf.Layer.FindOrOpen(root), sess, Usd.Stage.LoadAll)
        else:
            stage = Usd.Stage.Open(root, Usd.Stage.LoadAll)
    except Tf.ErrorException as e:
        return {"ok": False, "error": " | ".join(str(e).strip().splitlines())[:400]}
    if stage is None:
        return {"ok": False, "error": "Usd.Stage.Open returned None"}
    return {"ok": True, "dump": dump_stage(stage, os.path.dirname(root))}


def answer(job):
    try:
        ans = run(job)
    except Exception as e:  # a crash in one job must not lose the batch
        ans = {"ok": False, "error": "python: %s: %s" % (type(e).__name__, e)}
    return json.dumps(ans, sort_keys=True, allow_nan=False)


def isolated(job, timeout):
    """Runs one job in a forked child, so that a stage on which OpenUSD
    hangs or crashes costs that job only, and memory is given back."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        data = answer(job).encode()
        with os.fdopen(w, "wb") as f:
            f.write(data)
        os._exit(0)
    os.close(w)
    chunks, deadline, timed_out = [], time.monotonic() + timeout, False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([r], [], [], left)
        if ready:
            c = os.read(r, 1 << 20)
            if not c:
                break
            chunks.append(c)
    os.close(r)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return json.dumps({"ok": False, "timeout": True, "error": "reference did not finish in %gs" % timeout})
    if not chunks:
        return json.dumps({"ok": False, "crash": True, "error": "reference crashed (wait status %d)" % status})
    return b"".join(chunks).decode()


def main():
    jobs = json.load(sys.stdin)
    timeout = float(os.environ.get("USD_DUMP_TIMEOUT", "5"))
    for job in jobs:
        sys.stdout.write(isolated(job, job.get("timeout") or timeout) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
