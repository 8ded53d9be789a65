#!/usr/bin/env python3
"""crate_values.py: OpenUSD writes usda layers as crate (.usdc) files at a
given crate version, and prints a canonical, layer-level (Sdf, not
composed) dump of each crate file it wrote, for internal/oracle's
TestOracleCrate.

stdin: a JSON list of jobs {"name", "usda", "usdc", "version"}. Jobs are
grouped by version; each group is written by one child process started
with USD_WRITE_NEW_USDC_FILES_AS_VERSION=<version> (OpenUSD reads that
setting once per process). Then this process reads every .usdc back and
prints one JSON line per job, in job order:
  {"name", "version": "<version in the file's header>", "dump": {...}}
or {"name", "error": "..."} when OpenUSD could not write or read it.

Canonical forms (internal/oracle/crate_dump.go prints the same):
  bool -> true/false; any integer -> "i:<decimal>";
  any float (half, float, double, widened exactly) -> "f:<16 hex digits
  of the IEEE double bits>"; string/token/path -> the string;
  asset path -> {"asset": s}; timecode -> {"timecode": f};
  vectors -> [components]; matrices -> [[row], ...];
  quaternions -> {"real": f, "imag": [f, f, f]}; arrays -> [elements];
  dictionaries -> {key: value}; list ops -> {"explicit": bool, and the
  non-empty ones of "items", "added", "prepended", "appended", "deleted",
  "ordered"}; references/payloads -> {"asset", "prim", "offset": [o, s]
  (+ "customData")}; time samples -> [[time, value], ...] by time;
  specifier/variability/permission -> their usda words; value block ->
  {"block": true}.
A spec is {"type": <SdfSpecType name>, "fields": {name: value}}; the
fields are ListInfoKeys() (every field but children lists) plus
primChildren and properties (children order) for prims and variants, and
variantSetChildren and variantChildren, sorted.
"""
import json
import math
import os
import struct
import subprocess
import sys

from pxr import Gf, Sdf, Vt


def f(x):
    return "f:%016x" % struct.unpack("<Q", struct.pack("<d", float(x)))[0]


VEC_TYPES = tuple(getattr(Gf, n) for n in dir(Gf)
                  if n.startswith("Vec") and n[3:4].isdigit() and n[4:] in ("d", "f", "h", "i"))
MAT_TYPES = (Gf.Matrix2d, Gf.Matrix3d, Gf.Matrix4d, Gf.Matrix2f, Gf.Matrix3f, Gf.Matrix4f)
QUAT_TYPES = (Gf.Quatd, Gf.Quatf, Gf.Quath)
LISTOP_TYPES = tuple(getattr(Sdf, n) for n in dir(Sdf) if n.endswith("ListOp"))


def listop(v):
    out = {"explicit": bool(v.isExplicit)}
    for key, attr in (("items", "explicitItems"), ("added", "addedItems"),
                      ("prepended", "prependedItems"), ("appended", "appendedItems"),
                      ("deleted", "deletedItems"), ("ordered", "orderedItems")):
        items = list(getattr(v, attr))
        if items:
            out[key] = [canon(x) for x in items]
    return out


def offset(o):
    return [f(o.offset), f(o.scale)]


def canon(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return "i:%d" % v
    if isinstance(v, float):
        return f(v)
    if isinstance(v, str):
        return v
    if isinstance(v, Sdf.Path):
        return str(v)
    if type(v).__name__ == "Spline":  # Ts.Spline (crate 0.12+)
        return {"spline": {"type": str(v.GetValueTypeName()),
                           "knots": [[f(t), canon(v.GetKnots()[t].GetValue())] for t in v.GetKnots().keys()]}}
    if type(v).__name__.endswith("ArrayEdit"):  # Vt array edits (crate 0.14)
        return {"arrayEdit": " ".join(str(v).split())}
    if isinstance(v, Sdf.PathExpression):
        return v.GetText()
    if isinstance(v, Sdf.AssetPath):
        return {"asset": v.path}
    if isinstance(v, Sdf.TimeCode):
        return {"timecode": f(v.GetValue())}
    if isinstance(v, VEC_TYPES):
        return [canon(v[i]) for i in range(len(v))]
    if isinstance(v, MAT_TYPES):
        n = v.dimension[0]
        return [[canon(v[i][j]) for j in range(n)] for i in range(n)]
    if isinstance(v, QUAT_TYPES):
        im = v.GetImaginary()
        return {"real": canon(v.GetReal()), "imag": [canon(im[i]) for i in range(3)]}
    if isinstance(v, Sdf.Specifier):
        return {Sdf.SpecifierDef: "def", Sdf.SpecifierOver: "over", Sdf.SpecifierClass: "class"}[v]
    if isinstance(v, Sdf.Variability):
        return "uniform" if v == Sdf.VariabilityUniform else "varying"
    if isinstance(v, Sdf.Permission):
        return "private" if v == Sdf.PermissionPrivate else "public"
    if isinstance(v, Sdf.ValueBlock):
        return {"block": True}
    if type(v).__name__ == "AnimationBlock":
        return {"animationBlock": True}
    if isinstance(v, LISTOP_TYPES):
        return listop(v)
    if isinstance(v, Sdf.Reference):
        out = {"asset": v.assetPath, "prim": str(v.primPath), "offset": offset(v.layerOffset)}
        if v.customData:
            out["customData"] = canon(dict(v.customData))
        return out
    if isinstance(v, Sdf.Payload):
        return {"asset": v.assetPath, "prim": str(v.primPath), "offset": offset(v.layerOffset)}
    if isinstance(v, Sdf.LayerOffset):
        return offset(v)
    if isinstance(v, dict):
        return {str(k): canon(x) for k, x in v.items()}
    if type(v).__module__.endswith("Vt") or isinstance(v, (list, tuple)) or hasattr(v, "__len__") and hasattr(v, "__getitem__") and not hasattr(v, "keys"):
        try:
            return [canon(x) for x in v]
        except TypeError:
            pass
    if hasattr(v, "keys"):
        return {str(k): canon(v[k]) for k in v.keys()}
    return {"unknown": "%s %r" % (type(v).__name__, v)}


SPEC_TYPES = {"PrimSpec": "Prim", "AttributeSpec": "Attribute", "RelationshipSpec": "Relationship",
              "PseudoRootSpec": "PseudoRoot", "VariantSetSpec": "VariantSet", "VariantSpec": "Variant"}


def dump(layer):
    specs = {}

    def visit(path):
        obj = layer.GetObjectAtPath(path)
        if obj is None:
            if path.IsTargetPath():
                owner = layer.GetObjectAtPath(path.GetParentPath())
                kind = "Connection" if isinstance(owner, Sdf.AttributeSpec) else "RelationshipTarget"
                specs[str(path)] = {"type": kind, "fields": {}}
            else:
                specs[str(path)] = {"type": "Unknown", "fields": {}}
            return
        fields = {}
        for key in obj.ListInfoKeys():
            try:
                if key == "subLayerOffsets":  # GetInfo has no Python converter for it
                    fields[key] = [offset(o) for o in layer.subLayerOffsets]
                    continue
                val = obj.GetInfo(key)
            except Exception as e:  # keep going: the diff names it
                fields[key] = {"error": "decode"}
                print("%s %s %s: %s" % (layer.identifier, path, key, " ".join(str(e).split())), file=sys.stderr)
                continue
            if key == "timeSamples":
                fields[key] = [[f(t), canon(val[t])] for t in sorted(val.keys())]
            else:
                fields[key] = canon(val)
        if isinstance(obj, (Sdf.PrimSpec, Sdf.VariantSpec, Sdf.PseudoRootSpec)):
            prim = obj.primSpec if isinstance(obj, Sdf.VariantSpec) else obj
            kids = list(prim.nameChildren.keys())
            if kids:
                fields["primChildren"] = kids
            if not isinstance(obj, Sdf.PseudoRootSpec):
                props = list(prim.properties.keys())
                if props:
                    fields["properties"] = props
                vsets = sorted(prim.variantSets.keys())
                if vsets:
                    fields["variantSetChildren"] = vsets
        if isinstance(obj, Sdf.VariantSetSpec):
            kids = sorted(obj.variants.keys())
            if kids:
                fields["variantChildren"] = kids
        specs[str(path)] = {"type": SPEC_TYPES.get(type(obj).__name__, type(obj).__name__), "fields": fields}

    layer.Traverse(Sdf.Path.absoluteRootPath, visit)
    return {"specs": specs}


def write_group(pairs):
    """Child mode: export each usda as usdc (the version comes from the env)."""
    out = []
    for usda, usdc in pairs:
        try:
            layer = Sdf.Layer.FindOrOpen(usda)
            if layer is None:
                out.append("cannot open " + usda)
                continue
            out.append("" if layer.Export(usdc) else "Export returned false")
        except Exception as e:
            out.append(" ".join(str(e).split()) or repr(e))
    print(json.dumps(out))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--write":
        write_group(json.load(sys.stdin))
        return
    jobs = json.load(sys.stdin)
    errors = {}
    byver = {}
    for j in jobs:
        byver.setdefault(j["version"], []).append(j)
    for ver, group in byver.items():
        env = dict(os.environ, USD_WRITE_NEW_USDC_FILES_AS_VERSION=ver,
                   PXR_USDC_EMIT_DEPRECATION_WARNINGS="0")
        p = subprocess.run([sys.executable, __file__, "--write"], env=env,
                           input=json.dumps([[j["usda"], j["usdc"]] for j in group]),
                           capture_output=True, text=True)
        if p.returncode != 0:
            for j in group:
                errors[j["name"]] = "writer process failed: " + p.stderr.strip()[-2000:]
            continue
        for j, e in zip(group, json.loads(p.stdout.strip().splitlines()[-1])):
            if e:
                errors[j["name"]] = "write: " + e
    for j in jobs:
        name = j["name"]
        if name in errors:
            print(json.dumps({"name": name, "error": errors[name]}), flush=True)
            continue
        try:
            with open(j["usdc"], "rb") as fh:
                head = fh.read(11)
            version = "%d.%d.%d" % (head[8], head[9], head[10])
            layer = Sdf.Layer.FindOrOpen(j["usdc"])
            d = dump(layer)
            print(json.dumps({"name": name, "version": version, "dump": d}, sort_keys=True), flush=True)
        except Exception as e:
            print(json.dumps({"name": name, "error": "read: %s" % e}), flush=True)


if __name__ == "__main__":
    main()
