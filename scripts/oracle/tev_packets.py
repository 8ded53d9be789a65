#!/usr/bin/env python3
"""tev protocol oracle: tevclient's own packet builders and its TCP client.

Modes (one JSON answer per line on stdout):

  tev_packets.py            jobs (a JSON list) on stdin; for each job, the
                            packet tevclient.packet builds, hex-encoded, and
                            what the packet means, from tevclient's inputs:
                            {"case", "hex", "want"}
  tev_packets.py golden     a fixed set of cases in the same form (for
                            display/testdata/tevclient-packets.jsonl)
  tev_packets.py stream HOST PORT
                            one job on stdin: {"name", "width", "height",
                            "channels", "seed", "opens": [[path,
                            selector], ...]}; streams an image into a
                            display server with tevclient.Ipc (a real TCP
                            client), draws vector graphics over it, closes
                            it, then opens each file of "opens"; prints what
                            it sent: {"name", "width", "height", "channels",
                            "planes", "vgCommands"}

"want" is the canonical form of display.Canonical: floats as the hex of
their little-endian float32 bits, tiles as one row-major plane per channel.
No socket is needed for the packet modes: tevclient.packet's builders
return bytes.
"""

import json
import sys

import numpy as np
import tevclient
from tevclient import packet

RGBA = ["R", "G", "B", "A"]


def f32hex(values):
    return np.asarray(values, dtype="<f4").tobytes().hex()


def tile_from(job):
    data = np.frombuffer(bytes.fromhex(job["data"]), dtype="<f4")
    if job["nc"] == 0:
        return data.reshape(job["h"], job["w"])
    return data.reshape(job["h"], job["w"], job["nc"])


def planes(tile):
    if tile.ndim == 2:
        return [f32hex(tile.reshape(-1))]
    return [f32hex(tile[:, :, c].reshape(-1)) for c in range(tile.shape[2])]


def build(job):
    k = job["kind"]
    if k == "open":
        b = packet.open_image(job["path"], job["selector"], job["grab"])
        want = {"type": "OpenImageV2", "grabFocus": job["grab"], "path": job["path"], "channelSelector": job["selector"]}
    elif k == "reload":
        b = packet.reload_image(job["name"], job["grab"])
        want = {"type": "ReloadImage", "grabFocus": job["grab"], "name": job["name"]}
    elif k == "close":
        b = packet.close_image(job["name"])
        want = {"type": "CloseImage", "name": job["name"]}
    elif k == "create":
        b = packet.create_image(job["name"], job["w"], job["h"], job["channels"], job["grab"])
        chans = job["channels"] if job["channels"] is not None else RGBA
        want = {"type": "CreateImage", "grabFocus": job["grab"], "name": job["name"], "width": job["w"], "height": job["h"], "channels": chans}
    elif k == "update":
        tile = tile_from(job)
        b = packet.update_image(job["name"], tile, job["channels"], job["x"], job["y"], job["grab"])
        nc = 1 if tile.ndim == 2 else tile.shape[2]
        chans = (job["channels"] if job["channels"] is not None else RGBA)[:nc]
        want = {
            "type": "UpdateImageV3", "grabFocus": job["grab"], "name": job["name"], "channels": chans,
            "x": job["x"], "y": job["y"], "width": tile.shape[1], "height": tile.shape[0], "planes": planes(tile),
        }
    elif k == "vg":
        cmds = [getattr(tevclient, c["fn"])(*c["args"]) for c in job["commands"]]
        b = packet.update_vector_graphics(job["name"], cmds, job["append"], job["grab"])
        want = {
            "type": "VectorGraphics", "grabFocus": job["grab"], "name": job["name"], "append": job["append"],
            "commands": [
                {"type": int(c.type), "data": f32hex(c.data if c.data is not None else []), "text": c.stringData or ""}
                for c in cmds
            ],
        }
    else:
        raise ValueError("unknown job kind %r" % k)
    return {"case": job["case"], "hex": bytes(b).hex(), "want": want}


def golden_jobs():
    rng = np.random.default_rng(14158)
    jobs = [
        {"case": "open", "kind": "open", "path": "/tmp/render.exr", "selector": "diffuse.*", "grab": True},
        {"case": "open-empty-selector", "kind": "open", "path": "C:/renders/beauty.exr", "selector": "", "grab": False},
        {"case": "reload", "kind": "reload", "name": "beauty.exr", "grab": True},
        {"case": "close-utf8", "kind": "close", "name": "Bild \u00e4\u00f6\u00fc \u2014 \u6e32\u67d3"},
        {"case": "create-default-channels", "kind": "create", "name": "pbrt", "w": 640, "h": 480, "channels": None, "grab": True},
        {"case": "create-aovs", "kind": "create", "name": "aovs", "w": 3, "h": 2, "channels": ["R", "G", "B", "albedo.R", "depth.Z"], "grab": False},
    ]
    vals = rng.standard_normal(5 * 3 * 4).astype("<f4")
    vals[0], vals[1], vals[2], vals[3] = np.inf, -0.0, np.float32(1e-45), np.nan
    jobs.append({"case": "update-rgba", "kind": "update", "name": "pbrt", "w": 5, "h": 3, "nc": 4,
                 "data": vals.tobytes().hex(), "channels": None, "x": 128, "y": 256, "grab": False})
    gray = rng.random(7 * 2).astype("<f4")
    jobs.append({"case": "update-gray-2d", "kind": "update", "name": "aovs", "w": 7, "h": 2, "nc": 0,
                 "data": gray.tobytes().hex(), "channels": ["depth.Z"], "x": 0, "y": 0, "grab": True})
    jobs.append({"case": "update-negative-origin", "kind": "update", "name": "aovs", "w": 1, "h": 1, "nc": 2,
                 "data": np.array([0.5, 2.0], "<f4").tobytes().hex(), "channels": ["R", "G"], "x": -3, "y": -1, "grab": False})
    jobs.append({"case": "vg-all", "kind": "vg", "name": "pbrt", "append": True, "grab": False, "commands": [
        {"fn": "vg_save", "args": []}, {"fn": "vg_begin_path", "args": []},
        {"fn": "vg_move_to", "args": [1.5, 2.5]}, {"fn": "vg_line_to", "args": [10, 20]},
        {"fn": "vg_arc_to", "args": [1, 2, 3, 4, 5]}, {"fn": "vg_arc", "args": [1, 2, 3, 0, 3.14159, 2]},
        {"fn": "vg_bezier_to", "args": [1, 2, 3, 4, 5, 6]}, {"fn": "vg_quad_to", "args": [1, 2, 3, 4]},
        {"fn": "vg_circle", "args": [50, 50, 10]}, {"fn": "vg_ellipse", "args": [5, 6, 7, 8]},
        {"fn": "vg_rect", "args": [0, 0, 64, 32]}, {"fn": "vg_rounded_rect", "args": [0, 0, 64, 32, 4]},
        {"fn": "vg_rounded_rect_varying", "args": [0, 0, 64, 32, 1, 2, 3, 4]},
        {"fn": "vg_path_winding", "args": [1]}, {"fn": "vg_close_path", "args": []},
        {"fn": "vg_fill_color", "args": [1, 0.5, 0.25, 1]}, {"fn": "vg_fill", "args": []},
        {"fn": "vg_stroke_color", "args": [0, 0, 0, 1]}, {"fn": "vg_stroke_width", "args": [2, 1]},
        {"fn": "vg_stroke", "args": []}, {"fn": "vg_font_face", "args": ["sans-bold"]},
        {"fn": "vg_font_size", "args": [14, 0]}, {"fn": "vg_text_align", "args": [2 | 16]},
        {"fn": "vg_text", "args": [8, 8, "rgallery \u2713"]}, {"fn": "vg_debug_dump_path_cache", "args": []},
        {"fn": "vg_restore", "args": []},
    ]})
    return jobs


def stream(host, port, job):
    """Creates an image, streams it in tiles (tevclient tiles by 128), then
    overwrites a region with a second update and one channel with a
    grayscale tile, closes the image and disconnects. Prints the final
    pixels, which the server's snapshot must hold exactly."""
    rng = np.random.default_rng(job["seed"])
    w, h, chans = job["width"], job["height"], job["channels"]
    img = rng.standard_normal((h, w, len(chans))).astype("<f4") * 4
    img[0, 0, 0], img[0, 1, 0], img[0, 2, 0] = np.inf, -0.0, np.float32(1e-45)
    patch = rng.random((37, 45, len(chans))).astype("<f4")
    gray = rng.random((20, w)).astype("<f4")
    with tevclient.Ipc(host, port) as ipc:
        ipc.create_image(job["name"], w, h, chans)
        ipc.update_image(job["name"], img, chans)
        ipc.update_image(job["name"], patch, chans, x=w - 45, y=h - 37)
        ipc.update_image(job["name"], gray, [chans[1]], x=0, y=10)
        vg = [tevclient.vg_begin_path(), tevclient.vg_circle(w / 2, h / 2, 20), tevclient.vg_stroke_color(1, 0, 0, 1), tevclient.vg_stroke()]
        ipc.update_vector_graphics(job["name"], vg)
        ipc.close_image(job["name"])
        for path, selector in job.get("opens", []):
            ipc.open_image(path, selector)
    img[h - 37:, w - 45:, :] = patch
    img[10:30, :, 1] = gray
    return {"name": job["name"], "width": w, "height": h, "channels": chans, "planes": planes(img), "vgCommands": len(vg)}


def main():
    args = sys.argv[1:]
    if args and args[0] == "golden":
        for job in golden_jobs():
            print(json.dumps(build(job), sort_keys=True))
        return
    if args and args[0] == "stream":
        job = json.load(sys.stdin)
        print(json.dumps(stream(args[1], int(args[2]), job), sort_keys=True))
        return
    for job in json.load(sys.stdin):
        print(json.dumps(build(job), sort_keys=True))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
