# The seed's plugin file template, with the method bodies filled in the
# seed's spirit: a "cloud service" that renders in a background thread and
# writes its image progressively.
import os
import resource
import struct
import tempfile
import threading
import time
import zlib

from husd.backgroundrenderer import BackgroundRenderer

# Your render class should subclass husd.backgroundrenderer.BackgroundRenderer.
# You probably want to name your class based on the type of render it implements,
# for example CloudServiceRenderer.

class MyCustomRenderer(BackgroundRenderer):
    # The default __init__ implementation sets up some useful instance variables:
    # self._lopnet_path:
    #     (str) The node path of the LOP network, for example "/stage"
    # self._item_id:
    #     (int) A unique ID number for this render. You can use this to construct
    #     names or identifiers, for example a job name for a render farm manager.

    def pollFrequency(self):
        # How often (every this number of (floating poitn) seconds) the system
        # should ask call the methods on this object to get updates.
        return 0.25

    def getConfigOptions(self, old_options):
        # This method is only called if the user chooses the render plugin
        # from the menu.
        options = {"samples": 16, "quality": "draft"}
        options.update(old_options)
        options["configured"] = options.get("configured", 0) + 1
        return options

    def startBackgroundRender(self, usd_filepath, options):
        self._job = "cloud-%d" % self._item_id
        outdir = options["plugin"].get("outdir") or tempfile.gettempdir()
        self._image = os.path.join(outdir, self._job + ".png")
        self._passes = int(options["plugin"].get("passes", 4))
        self._done = 0
        self._start = time.time()
        self._clicks = []
        self.updateMetadata({
            "job": self._job,
            "lopnet": self._lopnet_path,
            "usd": usd_filepath,
            "options": options,
        })
        w = options["viewport"]["res_x"]
        h = options["viewport"]["res_y"]
        self._thread = threading.Thread(target=self._render, args=(w, h), daemon=True)
        self._thread.start()

    def _render(self, w, h):
        for i in range(self._passes):
            time.sleep(0.05)
            level = 255 * (i + 1) // self._passes
            write_png(self._image, w, h, level)
            self._done = i + 1

    def isRenderFinished(self):
        done = self._done
        self.updateMetadata({
            "totalClockTime": time.time() - self._start,
            "percentDone": 100.0 * done / self._passes,
            "peakMemory": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        })
        if done > 0:
            self.updateImagePath(self._image)
        return done == self._passes

    def mouseClick(self, x, y):
        self._clicks.append([x, y])
        self.updateMetadata({"clicks": self._clicks})

    def stopBackgroundRender(self):
        self._passes = self._done


def write_png(path, w, h, level):
    # An 8-bit grey PNG with the standard library, written atomically.
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xffffffff)
    raw = b"".join(b"\x00" + bytes([level]) * w for _ in range(h))
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw))
           + chunk(b"IEND", b""))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(png)
    os.replace(tmp, path)


def registerBackgroundRenderers(manager):
    # The first argument is a human-readable label for the render type,
    # the second argument is your background render class
    manager.registerBackgroundRenderer('Cloud Service Render', MyCustomRenderer)
