#!/usr/bin/env python3
"""shade_inputs.py: OpenUSD's value-producing attributes of shader inputs,
for internal/oracle TestOracleShadeInputs.

stdin: a JSON list of jobs {"file": PATH, "inputs": [[SHADER, INPUT]...],
"time": T or null}; stdout: one JSON line per job: {"file", "error",
"inputs": [ANSWER...]} with, per input, as UsdShadeInput::
GetValueProducingAttributes (shaderOutputsOnly=false) answers it, taking
the first attribute:
  {"source": PRIM, "output": NAME}  when it is a shader output,
  {"value": [numbers] or STRING}     when it is an input holding a value
                                     at the time (Usd.Attribute.Get),
  {}                                 when nothing produces a value.
Numbers are floats; tokens and strings are strings.
"""
import json
import sys

from pxr import Sdf, Usd, UsdShade


def canon(v):
    if v is None:
        return None
    if isinstance(v, (str, Sdf.AssetPath)):
        return str(v) if not isinstance(v, Sdf.AssetPath) else v.path
    if isinstance(v, bool):
        return [1.0 if v else 0.0]
    if isinstance(v, (int, float)):
        return [float(v)]
    try:
        return [float(x) for x in v]
    except TypeError:
        return str(v)


def answer(stage, shader, name, t):
    prim = stage.GetPrimAtPath(shader)
    if not prim:
        return {"error": "no prim"}
    inp = UsdShade.Shader(prim).GetInput(name)
    if not inp:
        return {}
    attrs = inp.GetValueProducingAttributes(False)
    if not attrs:
        return {}
    a = attrs[0]
    if UsdShade.Output.IsOutput(a):
        return {"source": str(a.GetPrim().GetPath()), "output": UsdShade.Output(a).GetBaseName()}
    v = a.Get(t)
    if v is None:
        return {}
    return {"value": canon(v)}


def main():
    jobs = json.load(sys.stdin)
    for job in jobs:
        out = {"file": job["file"], "error": "", "inputs": []}
        try:
            stage = Usd.Stage.Open(job["file"])
            t = Usd.TimeCode.Default() if job.get("time") is None else Usd.TimeCode(job["time"])
            out["inputs"] = [answer(stage, s, n, t) for s, n in job["inputs"]]
        except Exception as e:  # noqa: BLE001 - reported as the case's error
            out["error"] = str(e)
        print(json.dumps(out), flush=True)


main()
