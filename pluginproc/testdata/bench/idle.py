# A plugin that does nothing but answer: the benchmarks measure the
# protocol and the host, not a renderer. "Counting" also sends one metadata
# update per poll, as a real plugin does.
import time

from husd.backgroundrenderer import BackgroundRenderer


class Idle(BackgroundRenderer):
    def startBackgroundRender(self, usd_filepath, options):
        self._polls = 0
        self._start = time.time()

    def isRenderFinished(self):
        return False


class Counting(Idle):
    def isRenderFinished(self):
        self._polls += 1
        self.updateMetadata({"polls": self._polls, "totalClockTime": time.time() - self._start})
        return False


def registerBackgroundRenderers(manager):
    manager.registerBackgroundRenderer("Idle", Idle)
    manager.registerBackgroundRenderer("Counting", Counting)
