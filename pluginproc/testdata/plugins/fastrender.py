# The seed's "Launching an external process" example, completed where the
# seed's text is cut off (the Popen arguments, _image_filepath, the body of
# stopBackgroundRender) and otherwise kept as written, utcnow() included:
# FastRender runs an external program (fastrender_prog.py here) that
# rewrites its image progressively.
import datetime
import json
import os
import subprocess
import sys
import tempfile

from husd.backgroundrenderer import BackgroundRenderer

try:
    import psutil
except ImportError:
    psutil = None

PROG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fastrender_prog.py")


class FastRender(BackgroundRenderer):
    def pollFrequency(self):
        # The system should check this render for updates every 2 seconds.
        return 2.0

    def startBackgroundRender(self, usd_filepath, options):
        outdir = options["plugin"].get("outdir") or tempfile.gettempdir()
        self._image_filepath = os.path.join(outdir, "fastrender_%d.ppm" % self._item_id)
        self._stats_filepath = self._image_filepath + ".json"
        self._kill_on_stop = options["plugin"].get("kill_on_stop", True)
        self._popen = subprocess.Popen(
            [sys.executable, PROG, usd_filepath,
             "--image", self._image_filepath,
             "--passes", str(options["plugin"].get("passes", 1000))])
        # Remember when the render started
        self._start_datetime = datetime.datetime.utcnow()
        self.updateMetadata({"renderPid": self._popen.pid})

    def isRenderFinished(self):
        metadata = {}
        time_delta = datetime.datetime.utcnow() - self._start_datetime
        metadata["totalClockTime"] = time_delta.total_seconds()
        try:
            with open(self._stats_filepath) as f:
                metadata.update(json.load(f))
        except (OSError, ValueError):
            pass
        if psutil is not None:
            try:
                metadata["peakMemory"] = psutil.Process(self._popen.pid).memory_info().rss
            except psutil.Error:
                pass
        self.updateMetadata(metadata)
        if os.path.exists(self._image_filepath):
            self.updateImagePath(self._image_filepath)
        rc = self._popen.poll()
        return rc is not None

    def mouseClick(self, x, y):
        # fastrender has no focus option; the click is only recorded.
        self.updateMetadata({"click": [x, y]})

    def stopBackgroundRender(self):
        if self._kill_on_stop:
            self._popen.kill()
            self._popen.wait()


def registerBackgroundRenderers(manager):
    manager.registerBackgroundRenderer('Fast Render', FastRender)
