#!/usr/bin/env python3
"""skel_points.py: OpenUSD's skinned points for internal/oracle TestOracleSkel.

stdin: a JSON list of jobs {"file": PATH, "prims": [PATH...]}; stdout: one
JSON line per job: {"file", "prims": {PATH: [[x,y,z]...] or {"error": MSG}}}.

Per prim, at the default time, as UsdSkelImaging/UsdSkelBakeSkinning do:
UsdSkel.Cache populated from the prim's SkelRoot; blend shapes first
(UsdSkel.BlendShapeQuery on the prim's binding: ComputeSubShapeWeights with
the animation's weights mapped by the skinning query's blend shape mapper,
ComputeBlendShapePointIndices, ComputeSubShapePointOffsets,
ComputeDeformedPoints), then SkinningQuery.ComputeSkinnedPoints with
SkeletonQuery.ComputeSkinningTransforms. The points stay in skeleton space.
Numbers are Python's repr of the float values.
"""
import json
import sys

from pxr import Usd, UsdGeom, UsdSkel, Vt


def skin(stage, cache, path, t):
    prim = stage.GetPrimAtPath(path)
    root = UsdSkel.Root.Find(prim)
    if not root:
        return {"error": "no SkelRoot"}
    cache.Populate(root, Usd.PrimDefaultPredicate)
    sq = cache.GetSkinningQuery(prim)
    if not sq:
        return {"error": "no skinning query"}
    skel = UsdSkel.BindingAPI(prim).GetInheritedSkeleton()
    if not skel:
        return {"error": "no skeleton"}
    kq = cache.GetSkelQuery(skel)
    pts = Vt.Vec3fArray(UsdGeom.PointBased(prim).GetPointsAttr().Get(t))
    if sq.HasBlendShapes():
        anim = kq.GetAnimQuery()
        weights = anim.ComputeBlendShapeWeights(t) if anim else None
        if weights is not None:
            mapper = sq.GetBlendShapeMapper()
            if mapper:
                weights = mapper.Remap(weights)
            bq = UsdSkel.BlendShapeQuery(UsdSkel.BindingAPI(prim))
            sub = bq.ComputeSubShapeWeights(weights)
            if sub:
                subw, bsi, subi = sub
                pidx = bq.ComputeBlendShapePointIndices()
                offs = bq.ComputeSubShapePointOffsets()
                if not bq.ComputeDeformedPoints(subw, bsi, subi, pidx, offs, pts):
                    return {"error": "blend shapes failed"}
    if sq.HasJointInfluences():
        xf = kq.ComputeSkinningTransforms(t)
        if not sq.ComputeSkinnedPoints(xf, pts, t):
            return {"error": "skinning failed"}
    return [[repr(float(c)) for c in p] for p in pts]


def main():
    jobs = json.load(sys.stdin)
    for job in jobs:
        out = {"file": job["file"], "prims": {}}
        try:
            stage = Usd.Stage.Open(job["file"])
            cache = UsdSkel.Cache()
            for p in job["prims"]:
                try:
                    out["prims"][p] = skin(stage, cache, p, Usd.TimeCode.Default())
                except Exception as e:  # one prim's failure is its answer
                    out["prims"][p] = {"error": str(e).strip().splitlines()[-1]}
        except Exception as e:
            out["error"] = str(e).strip().splitlines()[-1]
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
