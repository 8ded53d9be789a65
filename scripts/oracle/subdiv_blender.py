#!/usr/bin/env python3
"""subdiv_blender.py: OpenSubdiv's refinement, as Blender's Subdivision
Surface modifier evaluates it, for internal/oracle TestOracleSubdiv. Run with
the benchmark environment's Python (bpy; scripts/oracle-dev.sh setup --bench).

stdin: a JSON list of jobs {"points": [[x,y,z]...], "counts": [...],
"indices": [...], "creases": [[v0, v1]...] (sharp edges), "creaseValues": [c...] (Blender
crease values, sharpness 10·c², 1 when absent),
"corners": [v...] (infinitely sharp vertices), "uv": [[u,v]...] (one per
face-vertex, or absent), "level": N, "limit": bool, "scheme":
"catmullClark"|"bilinear", "boundary": "edgeAndCorner"|"edgeOnly", "fvar":
"none"|"cornersOnly"|"cornersPlus1"|"cornersPlus2"|"boundaries"|"all"}.
stdout: one JSON line per job: {"points": [[x,y,z]...], "corners":
[[x,y,z,u,v]...] (each face-vertex's position and uv; uv 0 without uv)} or
{"error": MSG}. Numbers are Python's repr of the floats.

Mapping (Blender's modifier, which drives OpenSubdiv): boundary_smooth
PRESERVE_CORNERS = edgeAndCorner, ALL = edgeOnly; uv_smooth NONE = all,
PRESERVE_CORNERS = cornersOnly, PRESERVE_CORNERS_AND_JUNCTIONS = cornersPlus1,
PRESERVE_CORNERS_JUNCTIONS_AND_CONCAVE = cornersPlus2, PRESERVE_BOUNDARIES =
boundaries, SMOOTH_ALL = none; an edge crease c is sharpness 10·c² (as
measured: 0.1, 0.2, 0.3 give 0.1, 0.4, 0.9), vertex crease 1.0 = sharpness
10 (infinite); use_limit_surface = limit; quality 4.
"""
import json
import sys

import bpy

BOUNDARY = {"edgeAndCorner": "PRESERVE_CORNERS", "edgeOnly": "ALL"}
FVAR = {"all": "NONE", "cornersOnly": "PRESERVE_CORNERS", "cornersPlus1": "PRESERVE_CORNERS_AND_JUNCTIONS",
        "cornersPlus2": "PRESERVE_CORNERS_JUNCTIONS_AND_CONCAVE", "boundaries": "PRESERVE_BOUNDARIES",
        "none": "SMOOTH_ALL"}


def refine(job):
    faces, k = [], 0
    for n in job["counts"]:
        faces.append(tuple(job["indices"][k:k + n]))
        k += n
    mesh = bpy.data.meshes.new("m")
    mesh.from_pydata([tuple(p) for p in job["points"]], [], faces)
    mesh.update()
    if job.get("uv"):
        layer = mesh.uv_layers.new(name="uv")
        for i, loop in enumerate(mesh.loops):
            layer.data[i].uv = job["uv"][i]
    if job.get("creases"):
        attr = mesh.attributes.new("crease_edge", "FLOAT", "EDGE")
        values = job.get("creaseValues") or [1.0] * len(job["creases"])
        want = {tuple(sorted(e)): c for e, c in zip(job["creases"], values)}
        for e in mesh.edges:
            attr.data[e.index].value = want.get(tuple(sorted(e.vertices)), 0.0)
    if job.get("corners"):
        attr = mesh.attributes.new("crease_vert", "FLOAT", "POINT")
        for v in job["corners"]:
            attr.data[v].value = 1.0
    obj = bpy.data.objects.new("o", mesh)
    bpy.context.scene.collection.objects.link(obj)
    m = obj.modifiers.new("s", "SUBSURF")
    m.levels = m.render_levels = job["level"]
    m.subdivision_type = "SIMPLE" if job["scheme"] == "bilinear" else "CATMULL_CLARK"
    m.boundary_smooth = BOUNDARY[job["boundary"]]
    m.uv_smooth = FVAR[job["fvar"]]
    m.use_limit_surface = job["limit"]
    m.use_creases = True
    m.quality = 4
    dg = bpy.context.evaluated_depsgraph_get()
    ev = obj.evaluated_get(dg)
    me = ev.to_mesh()
    pts = [[repr(c) for c in v.co] for v in me.vertices]
    uv = me.uv_layers.active.data if me.uv_layers else None
    corners = []
    for i, loop in enumerate(me.loops):
        co = me.vertices[loop.vertex_index].co
        u = uv[i].uv if uv else (0.0, 0.0)
        corners.append([repr(co[0]), repr(co[1]), repr(co[2]), repr(u[0]), repr(u[1])])
    ev.to_mesh_clear()
    bpy.data.objects.remove(obj)
    bpy.data.meshes.remove(mesh)
    return {"points": pts, "corners": corners}


def main():
    for job in json.load(sys.stdin):
        try:
            out = refine(job)
        except Exception as e:  # one job's failure is its answer
            out = {"error": str(e).strip().splitlines()[-1]}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
