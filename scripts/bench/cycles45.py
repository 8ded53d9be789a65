"""Render a bench scene with the current Cycles (bpy 4.5 LTS from PyPI), reading
the .usda through Blender's own USD importer (bpy.ops.wm.usd_import).

Run with the bench venv's python (scripts/oracle-dev.sh setup --bench):

  $RGALLERY_BENCH_PYTHON scripts/bench/cycles45.py check  SCENE.usda
  $RGALLERY_BENCH_PYTHON scripts/bench/cycles45.py render SCENE.usda OUT.exr \
      [--res 640x360] [--spp 64] [--seed 0]

`check` imports the scene, compares what the importer built with what the
file says (read independently with ../shared/bench-scenes/tools/usda_reader.py,
the parser the Cycles 3.4 anchors were rendered from), prints one line per
difference, applies the adjustments below, checks again and exits 1 if any
difference is left. `render` does the same import and adjustments silently
(failing if the check fails) and renders with the bench settings of
../shared/bench-scenes/README.md (CPU, 2 threads, 4 bounces, no clamping, no
adaptive sampling, no denoising, Blackman-Harris 1.5 px, black world); it
prints one line `RESULT {json}` with render_s = wall time of
bpy.ops.render.render() (sync + BVH + sampling), as for the 3.4 anchors.

Adjustments after import, each needed for Blender 4.5.x (measured, see
docs/bench/README.txt). Cycles 4.5 light units, calibrated with this bpy
(docs/bench/README.txt): an area light of power P has radiance P / (pi A)
with the light's `normalize` on (the default for new lights) and P / pi with
it off; a sun of strength S gives irradiance S with `normalize` on and
S * (solid angle of its disk) with it off (S is then the disk's radiance).
 - RectLight: the importer sets energy = intensity * pi with normalize off,
   i.e. radiance = intensity: right, left alone.
 - DistantLight: the importer sets strength = 4 * intensity with normalize
   off and doubles the angle (0.53 deg became 1.06 deg), which makes the
   sun's irradiance 4 * 3 * 2.7e-4 = 0.0032 W/m^2 instead of 3: the sun is
   practically gone. UsdLux `angle` is the angular diameter, as is Blender's
   sun angle. Set normalize on, strength = intensity * 2^exposure (the bench
   scenes' irradiance), angle = radians(angle).
 - Rect lights are visible to camera rays (the bench scenes' convention, and
   the Cornell light is in the picture); the importer leaves visible_camera off.
 - UsdPreviewSurface with useSpecularWorkflow = 0: the importer copies the
   (unused) specularColor (0,0,0) into Principled's Specular Tint, which
   removes the dielectric F0 and darkens metals at grazing angles. Set it white.
 - The imported camera is not made the scene camera: set it.
"""
import json
import math
import os
import sys
import time

import bpy
import numpy as np
from mathutils import Matrix

HERE = os.path.dirname(os.path.abspath(__file__))


def die(msg):
    print("cycles45: " + msg, file=sys.stderr)
    sys.exit(2)


def usda_reader(usd_path):
    tools = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(usd_path))), "tools")
    if not os.path.exists(os.path.join(tools, "usda_reader.py")):
        die("no usda_reader.py next to the bench scenes (%s)" % tools)
    sys.path.insert(0, tools)
    import usda_reader
    return usda_reader


def to_blender(m):
    # USD matrices are row-vector (translation in the last row); Blender's are column-vector.
    return Matrix([list(r) for r in np.asarray(m).T])


def world(prims, path):
    chain = []
    while path and path != "/":
        q = prims.get(path)
        if q is not None and "xformOp:transform" in q.attrs:
            chain.append(to_blender(q.attrs["xformOp:transform"]))
        path = path.rsplit("/", 1)[0]
    M = Matrix.Identity(4)
    for m in reversed(chain):
        M = M @ m
    return M


def mdiff(a, b):
    return max(abs(a[i][j] - b[i][j]) for i in range(4) for j in range(4))


IMPORT = dict(import_subdiv=False, import_usd_preview=True, light_intensity_scale=1.0,
              create_world_material=True, import_visible_only=True, scale=1.0,
              apply_unit_conversion_scale=True, mtl_purpose='MTL_FULL')


def do_import(usd_path):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    t0 = time.perf_counter()
    r = bpy.ops.wm.usd_import(filepath=usd_path, **IMPORT)
    if r != {'FINISHED'}:
        die("usd_import %s: %s" % (usd_path, r))
    return time.perf_counter() - t0


def principled(mat):
    if mat is None or not mat.use_nodes:
        return None
    for n in mat.node_tree.nodes:
        if n.bl_idname == 'ShaderNodeBsdfPrincipled':
            return n
    return None


class Checker:
    def __init__(self, scene, verbose):
        self.scene, self.verbose, self.n, self.bad = scene, verbose, 0, []

    def cmp(self, what, usd, bl, ok):
        self.n += 1
        if not ok:
            self.bad.append(what)
        if self.verbose or not ok:
            print("import-check %s: %-44s %-6s usd=%s blender=%s" % (self.scene, what, "OK" if ok else "DIFFER", usd, bl))

    def close(self, what, usd, bl, tol=1e-4):
        u, b = np.atleast_1d(np.asarray(usd, float)), np.atleast_1d(np.asarray(bl, float))
        ok = u.shape == b.shape and bool(np.all(np.abs(u - b) <= tol * np.maximum(1, np.abs(u))))
        f = lambda a: "(" + ", ".join("%.5g" % x for x in a) + ")" if len(a) > 1 else "%.5g" % a[0]
        self.cmp(what, f(u), f(b), ok)


def check(usd_path, verbose):
    """Compare the imported Blender scene with the file; return the checker."""
    R = usda_reader(usd_path)
    _, prims = R.parse(usd_path)
    scene = os.path.splitext(os.path.basename(usd_path))[0]
    C = Checker(scene, verbose)
    sc = bpy.context.scene
    obs = {o.name: o for o in sc.objects}
    counts = {"Mesh": 0, "Camera": 0, "DistantLight": 0, "RectLight": 0, "Material": 0}
    for p in prims.values():
        if p.type in counts:
            counts[p.type] += 1
    bl = {"Mesh": sum(o.type == 'MESH' for o in sc.objects), "Camera": sum(o.type == 'CAMERA' for o in sc.objects),
          "DistantLight": sum(o.type == 'LIGHT' and o.data.type == 'SUN' for o in sc.objects),
          "RectLight": sum(o.type == 'LIGHT' and o.data.type == 'AREA' and o.data.shape == 'RECTANGLE' for o in sc.objects),
          "Material": len(bpy.data.materials)}
    for k in counts:
        C.cmp("count %s" % k, counts[k], bl[k], counts[k] == bl[k])
    other = sorted(o.name for o in sc.objects if o.type not in ('MESH', 'CAMERA', 'LIGHT', 'EMPTY'))
    C.cmp("other object types", "[]", other, not other)
    tris = {"usd": 0, "blender": 0}
    for path, p in prims.items():
        a = p.attrs
        if p.type not in counts or p.type == "Material":
            continue
        ob = obs.get(p.name)
        if ob is None:
            C.cmp("%s exists" % p.name, "yes", "no", False)
            continue
        M = world(prims, path)
        C.close("%s world matrix" % p.name, [x for r in M for x in r], [x for r in ob.matrix_world for x in r])
        if p.type == "Camera":
            cam = ob.data
            C.cmp("camera is the scene camera", True, sc.camera == ob, sc.camera == ob)
            C.cmp("camera projection", a.get("projection", "perspective"), cam.type, cam.type == 'PERSP')
            # Blender scales focal length and apertures alike (x100 here): compare the ratios (the field of view).
            C.close("camera focal/hAperture", a["focalLength"] / a["horizontalAperture"], cam.lens / cam.sensor_width)
            C.close("camera focal/vAperture", a["focalLength"] / a["verticalAperture"], cam.lens / cam.sensor_height)
            C.cmp("camera sensor fit", "HORIZONTAL", cam.sensor_fit, cam.sensor_fit in ('HORIZONTAL', 'AUTO'))
            C.close("camera clipping", a.get("clippingRange", (0.1, 1e6)), (cam.clip_start, cam.clip_end))
        elif p.type in ("DistantLight", "RectLight"):
            li = ob.data
            inten = float(a.get("inputs:intensity", 1.0)) * 2.0 ** float(a.get("inputs:exposure", 0.0))
            C.cmp("%s normalize" % p.name, 0, a.get("inputs:normalize", False), not a.get("inputs:normalize", False))
            C.close("%s color" % p.name, a.get("inputs:color", (1, 1, 1)), tuple(li.color))
            C.cmp("%s Blender normalize flag (info)" % p.name, "-", li.normalize, True)
            if p.type == "DistantLight":
                # Cycles 4.5 sun: irradiance = S (normalize on), S * solid angle of the disk (off)
                sa = 2 * math.pi * (1 - math.cos(li.angle / 2))
                C.close("%s irradiance" % p.name, inten, li.energy * (1 if li.normalize else sa))
                C.close("%s angle rad" % p.name, math.radians(float(a.get("inputs:angle", 0.53))), li.angle)
            else:
                w, h = float(a.get("inputs:width", 1)), float(a.get("inputs:height", 1))
                C.close("%s size" % p.name, (w, h), (li.size, li.size_y))
                # Cycles 4.5 area light: radiance = P / (pi A) (normalize on), P / pi (off)
                area = li.size * li.size_y if li.normalize else 1
                C.close("%s radiance" % p.name, inten, li.energy / (math.pi * area))
                C.cmp("%s visible to camera" % p.name, True, ob.visible_camera, ob.visible_camera)
        elif p.type == "Mesh":
            me = ob.data
            cnt, idx, pts = a["faceVertexCounts"], a["faceVertexIndices"], a["points"]
            C.cmp("%s faces" % p.name, len(cnt), len(me.polygons), len(cnt) == len(me.polygons))
            t_bl = sum(len(q.vertices) - 2 for q in me.polygons)
            t_usd = int((cnt - 2).sum())
            tris["usd"] += t_usd
            tris["blender"] += t_bl
            C.cmp("%s vertices" % p.name, len(pts), len(me.vertices), len(pts) == len(me.vertices))
            if len(pts) == len(me.vertices):
                co = np.empty(3 * len(me.vertices), np.float32)
                me.vertices.foreach_get("co", co)
                ok = np.abs(co.reshape(-1, 3) - pts).max() < 1e-5
                C.cmp("%s points" % p.name, "authored", "same" if ok else "moved", ok)
                vi = np.empty(len(me.loops), np.int32)
                me.loops.foreach_get("vertex_index", vi)
                ok = len(vi) == len(idx) and bool(np.all(vi == idx))
                C.cmp("%s face-vertex indices" % p.name, "authored", "same" if ok else "differ", ok)
            has_n = "normals" in a
            C.cmp("%s custom normals" % p.name, has_n, me.has_custom_normals, has_n == me.has_custom_normals)
            if has_n and me.has_custom_normals and len(vi) == len(idx):
                cn = np.empty(3 * len(me.loops), np.float32)
                me.corner_normals.foreach_get("vector", cn)
                want = a["normals"][idx] if p.attr_meta.get("normals", {}).get("interpolation", "vertex") == "vertex" else a["normals"]
                want = want / np.linalg.norm(want, axis=1, keepdims=True)
                err = float(np.degrees(np.arccos(np.clip((cn.reshape(-1, 3) * want).sum(1), -1, 1))).max())
                C.cmp("%s normals max angle" % p.name, "0 deg", "%.3f deg" % err, err < 0.1)
            mods = [m.type for m in ob.modifiers]
            C.cmp("%s modifiers" % p.name, "[]", mods, not mods)
            mb = a.get("material:binding")
            want = mb.rsplit("/", 1)[-1] if mb else None
            got = [s.material.name if s.material else None for s in ob.material_slots]
            C.cmp("%s material" % p.name, want, got, got == [want])
    C.cmp("triangles", tris["usd"], tris["blender"], tris["usd"] == tris["blender"])
    for path, p in prims.items():
        if p.type != "Material":
            continue
        sp = prims[p.attrs["outputs:surface.connect"].rsplit(".", 1)[0]].attrs
        n = principled(bpy.data.materials.get(p.name))
        if n is None:
            C.cmp("%s Principled BSDF" % p.name, "yes", "no", False)
            continue
        i = n.inputs
        C.close("%s base color" % p.name, sp.get("inputs:diffuseColor", (0.18,) * 3), tuple(i["Base Color"].default_value)[:3])
        C.close("%s roughness" % p.name, sp.get("inputs:roughness", 0.5), i["Roughness"].default_value)
        C.close("%s metallic" % p.name, sp.get("inputs:metallic", 0.0), i["Metallic"].default_value)
        C.close("%s ior" % p.name, sp.get("inputs:ior", 1.5), i["IOR"].default_value)
        C.close("%s opacity" % p.name, sp.get("inputs:opacity", 1.0), i["Alpha"].default_value)
        C.close("%s clearcoat" % p.name, sp.get("inputs:clearcoat", 0.0), i["Coat Weight"].default_value)
        em = np.asarray(tuple(i["Emission Color"].default_value)[:3]) * i["Emission Strength"].default_value
        C.close("%s emission" % p.name, sp.get("inputs:emissiveColor", (0, 0, 0)), em)
        if not sp.get("inputs:useSpecularWorkflow", 0):
            # metallic workflow: F0 from ior alone, so Principled's tint and level must be neutral
            C.close("%s specular tint (metallic wf)" % p.name, (1, 1, 1), tuple(i["Specular Tint"].default_value)[:3])
            C.close("%s specular IOR level" % p.name, 0.5, i["Specular IOR Level"].default_value)
        linked = [x.name for x in i if x.is_linked]
        C.cmp("%s no linked inputs" % p.name, "[]", linked, not linked)
    return C


def adjust(usd_path):
    """The post-import adjustments of the module docstring; returns what changed."""
    R = usda_reader(usd_path)
    _, prims = R.parse(usd_path)
    sc = bpy.context.scene
    done = []
    for p in prims.values():
        ob = sc.objects.get(p.name)
        a = p.attrs
        if p.type in ("DistantLight", "RectLight") and ob is not None:
            li = ob.data
            inten = float(a.get("inputs:intensity", 1.0)) * 2.0 ** float(a.get("inputs:exposure", 0.0))
            if p.type == "DistantLight":
                e, ang = inten, math.radians(float(a.get("inputs:angle", 0.53)))
                done.append("%s: sun strength %.4g -> %.4g, normalize %s -> True, angle %.4g -> %.4g rad" % (
                    p.name, li.energy, e, li.normalize, li.angle, ang))
                li.energy, li.angle, li.normalize = e, ang, True
            elif not ob.visible_camera:
                done.append("%s: visible_camera False -> True" % p.name)
                ob.visible_camera = True
        if p.type == "Camera" and ob is not None and sc.camera != ob:
            done.append("scene camera -> %s" % p.name)
            sc.camera = ob
        if p.type == "Material":
            sp = prims[p.attrs["outputs:surface.connect"].rsplit(".", 1)[0]].attrs
            n = principled(bpy.data.materials.get(p.name))
            if n is not None and not sp.get("inputs:useSpecularWorkflow", 0):
                t = n.inputs["Specular Tint"]
                if tuple(t.default_value)[:3] != (1, 1, 1):
                    done.append("%s: specular tint %s -> white" % (p.name, tuple(round(x, 3) for x in t.default_value)[:3]))
                    t.default_value = (1, 1, 1, 1)
    return done


def settings(res, spp, seed):
    sc = bpy.context.scene
    w = bpy.data.worlds.new("Black")
    w.use_nodes = True
    bg = w.node_tree.nodes["Background"]
    bg.inputs["Color"].default_value = (0, 0, 0, 1)
    bg.inputs["Strength"].default_value = 0.0
    sc.world = w
    r, c = sc.render, sc.cycles
    r.engine = 'CYCLES'
    c.device = 'CPU'
    rx, ry = (int(x) for x in res.split("x"))
    r.resolution_x, r.resolution_y, r.resolution_percentage = rx, ry, 100
    c.samples = spp
    c.use_adaptive_sampling = False
    c.use_denoising = False
    c.max_bounces = c.diffuse_bounces = c.glossy_bounces = c.transmission_bounces = 4
    c.volume_bounces = 0
    c.transparent_max_bounces = 4
    c.sample_clamp_direct = c.sample_clamp_indirect = 0.0
    c.caustics_reflective = c.caustics_refractive = True
    c.blur_glossy = 0.0
    c.seed = seed
    c.use_animated_seed = False
    c.pixel_filter_type = 'BLACKMAN_HARRIS'
    c.filter_width = 1.5
    c.use_auto_tile = False
    c.time_limit = 0.0
    r.threads_mode = 'FIXED'
    r.threads = 2
    r.film_transparent = False
    sc.view_settings.view_transform = 'Standard'
    sc.view_settings.look = 'None'
    sc.view_settings.exposure = 0.0
    sc.view_settings.gamma = 1.0
    return rx, ry


def main():
    argv = sys.argv[1:]
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if len(argv) < 2 or argv[0] not in ("check", "render"):
        die(__doc__.split("\n\n")[1])
    mode, usd_path = argv[0], os.path.abspath(argv[1])
    opts = {"--res": "640x360", "--spp": "64", "--seed": "0"}
    for k in opts:
        if k in argv:
            opts[k] = argv[argv.index(k) + 1]
    t_import = do_import(usd_path)
    if mode == "check":
        print("import-check: Blender %s, usd_import(%s)" % (bpy.app.version_string,
              ", ".join("%s=%r" % kv for kv in IMPORT.items())))
        before = check(usd_path, verbose=True)
        for line in adjust(usd_path):
            print("import-check %s: adjusted %s" % (before.scene, line))
        after = check(usd_path, verbose=False)
        print("import-check %s: %d checks, %d differ as imported (%s), %d after adjustment%s" % (
            before.scene, before.n, len(before.bad), "; ".join(before.bad) or "-", len(after.bad),
            "" if not after.bad else " (" + "; ".join(after.bad) + ")"))
        sys.exit(1 if after.bad else 0)
    out = os.path.abspath(argv[2])
    adjust(usd_path)
    C = check(usd_path, verbose=False)
    if C.bad:
        die("%s: imported scene still differs after adjustment: %s" % (usd_path, "; ".join(C.bad)))
    rx, ry = settings(opts["--res"], int(opts["--spp"]), int(opts["--seed"]))
    t0 = time.perf_counter()
    bpy.ops.render.render(write_still=False)
    t_render = time.perf_counter() - t0
    img = bpy.data.images["Render Result"]
    s = bpy.context.scene.render.image_settings
    s.file_format, s.color_mode, s.color_depth, s.exr_codec = 'OPEN_EXR', 'RGB', '32', 'ZIP'
    img.save_render(out, scene=bpy.context.scene)
    spp = bpy.context.scene.cycles.samples
    print("RESULT " + json.dumps(dict(scene=os.path.basename(usd_path), blender=bpy.app.version_string,
                                      samples=spp, res=[rx, ry], seed=int(opts["--seed"]),
                                      import_s=round(t_import, 3), render_s=round(t_render, 3),
                                      samples_per_s=round(rx * ry * spp / t_render), image=out)))


main()
