#!/usr/bin/env python3
"""scene_facts.py: OpenUSD's own answers for the scene facts rgallery's
renderer takes from a stage (render/usdscene.Facts, `rgallery usd scene
--json`), for internal/oracle TestOracleScene.

stdin: a JSON list of jobs {"file": PATH}; stdout: one JSON line per job, in
order: {"file", "time", "gprims": [...], "instancers": [...]} or
{"file", "error"}.

Render time: the stage's startTimeCode (Usd.Stage.GetStartTimeCode, 0 when
unauthored). Per prim, from pxr's own computations:
  world       UsdGeom.XformCache(time).GetLocalToWorldTransform (rows, as GfMatrix4d)
  material    UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial(purpose) for
              "full" and "preview": the material path and the winning relationship
  visibility  UsdGeom.Imageable.ComputeVisibility(time)
  purpose     UsdGeom.Imageable.ComputePurpose()
  extent      UsdGeom.Boundable.ComputeExtentFromPlugins(prim, time): the box of the
              geometry itself (not a stale authored extent), like the renderer's
  subsets     for meshes, UsdShade.MaterialBindingAPI.GetMaterialBindSubsets (face
              subsets of the materialBind family, as UsdImaging uses them): name and
              ComputeBoundMaterial(subset, "full")
  skinned     UsdSkel.Cache (populated from each SkelRoot) has a skinning query with
              joint influences or blend shapes for the prim: OpenUSD would skin it
  instances   UsdGeom.PointInstancer.ComputeInstanceTransformsAtTime(time, time)
              with IncludeProtoXform and ApplyMask; indices from ComputeMaskAtTime.
The traversal is Usd.PrimRange with instance proxies and the default
predicate, pruned below the prim types the renderer does not descend into.
Numbers are printed as Python's repr of the double (round trip); non-finite
ones as "nan", "inf", "-inf".
"""
import json
import math
import sys

from pxr import Usd, UsdGeom, UsdShade, UsdSkel

GPRIMS = {"Mesh", "Sphere", "Cube", "Cylinder", "Cone", "Capsule", "Plane", "Cylinder_1", "Capsule_1",
          "BasisCurves", "NurbsCurves", "HermiteCurves", "Points"}
PRUNE = {
    "PointInstancer", "NurbsPatch", "TetMesh",
    "Volume", "OpenVDBAsset", "Field3DAsset", "Material", "Shader", "NodeGraph", "RenderSettings",
    "RenderProduct", "RenderVar", "Camera", "GeomSubset",
}


def num(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def mat(m):
    return [[num(m[r][c]) for c in range(4)] for r in range(4)]


def binding(prim, purpose):
    m, rel = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial(purpose)
    return {
        "material": str(m.GetPath()) if m else "",
        "rel": str(rel.GetPath()) if rel else "",
    }


def subsets(prim):
    out = []
    for s in UsdShade.MaterialBindingAPI(prim).GetMaterialBindSubsets():
        if s.GetElementTypeAttr().Get() != "face":
            continue
        out.append({"name": s.GetPrim().GetName(), "material": binding(s.GetPrim(), "full")["material"]})
    return out


def skinned(cache, prim):
    q = cache.GetSkinningQuery(prim)
    return bool(q) and (q.HasJointInfluences() or q.HasBlendShapes())


def facts(path):
    stage = Usd.Stage.Open(path)
    time = Usd.TimeCode(stage.GetStartTimeCode())
    xc = UsdGeom.XformCache(time)
    gprims, instancers = [], []
    skel = UsdSkel.Cache()
    pred = Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)
    rng = iter(Usd.PrimRange.Stage(stage, pred))
    for prim in rng:
        t = prim.GetTypeName()
        if t == "SkelRoot":
            skel.Populate(UsdSkel.Root(prim), pred)
        if t in GPRIMS:
            im = UsdGeom.Imageable(prim)
            ext = UsdGeom.Boundable.ComputeExtentFromPlugins(UsdGeom.Boundable(prim), time)
            extent = None
            if ext is not None and len(ext) == 2:
                extent = [[num(v) for v in ext[0]], [num(v) for v in ext[1]]]
            gprims.append({
                "path": str(prim.GetPath()),
                "type": t,
                "visibility": str(im.ComputeVisibility(time)),
                "purpose": str(im.ComputePurpose()),
                "world": mat(xc.GetLocalToWorldTransform(prim)),
                "material": {p: binding(prim, p) for p in ("full", "preview")},
                "extent": extent,
                "skinned": skinned(skel, prim),
                "subsets": subsets(prim) if t == "Mesh" else [],
            })
        elif t == "PointInstancer":
            pi = UsdGeom.PointInstancer(prim)
            im = UsdGeom.Imageable(prim)
            xforms = pi.ComputeInstanceTransformsAtTime(time, time)
            n = len(pi.GetProtoIndicesAttr().Get(time) or [])
            mask = pi.ComputeMaskAtTime(time)
            keep = [i for i in range(n) if not mask or mask[i]]
            idx = pi.GetProtoIndicesAttr().Get(time) or []
            inst = []
            if len(xforms) == len(keep):
                inst = [{"index": i, "proto": int(idx[i]), "xform": mat(x)} for i, x in zip(keep, xforms)]
            instancers.append({
                "path": str(prim.GetPath()),
                "visibility": str(im.ComputeVisibility(time)),
                "purpose": str(im.ComputePurpose()),
                "world": mat(xc.GetLocalToWorldTransform(prim)),
                "prototypes": [str(p) for p in pi.GetPrototypesRel().GetTargets()],
                "instances": inst,
            })
        if t in PRUNE:
            rng.PruneChildren()
    gprims.sort(key=lambda g: g["path"])
    instancers.sort(key=lambda g: g["path"])
    return {"time": num(time.GetValue()), "gprims": gprims, "instancers": instancers}


def main():
    jobs = json.load(sys.stdin)
    for job in jobs:
        out = {"file": job["file"]}
        try:
            out.update(facts(job["file"]))
        except Exception as e:  # Tf.ErrorException and friends: the file's answer
            out["error"] = " ".join(l.strip() for l in str(e).strip().splitlines()) or type(e).__name__
        sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
