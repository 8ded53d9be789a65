# Renderers that fail in every way a plugin can; each test picks one label.
import ctypes
import os
import sys
import threading
import time

from husd.backgroundrenderer import BackgroundRenderer


class Base(BackgroundRenderer):
    def startBackgroundRender(self, usd_filepath, options):
        self._started = True


class RaiseInStart(Base):
    def startBackgroundRender(self, usd_filepath, options):
        raise RuntimeError("farm is down: cannot submit %s" % usd_filepath)


class RaiseInFinished(Base):
    def isRenderFinished(self):
        return 1 / 0


class HangInFinished(Base):
    def isRenderFinished(self):
        time.sleep(3600)
        return True


class ExitInFinished(Base):
    def isRenderFinished(self):
        sys.stdout.flush()
        os._exit(3)


class SegfaultInFinished(Base):
    def isRenderFinished(self):
        ctypes.string_at(0)
        return True


class Flood(Base):
    def isRenderFinished(self):
        i = 0
        while True:
            i += 1
            print("stdout line %d of a plugin that never stops talking" % i)
            sys.stderr.write("stderr line %d of a plugin that never stops talking\n" % i)


class Chatty(Base):
    # Prints from a thread all the time, but within limits: the render must
    # still work and the protocol must not be disturbed.
    def startBackgroundRender(self, usd_filepath, options):
        self._path = usd_filepath
        self._stop = False

        def talk():
            while not self._stop:
                # One write per line: print() writes the text and the
                # newline separately, and two threads would interleave.
                sys.stdout.write("render progress {not json at all\n")
                sys.stderr.write('{"jsonrpc": "2.0", "id": 1, "result": true}\n')
                time.sleep(0.01)
        threading.Thread(target=talk, daemon=True).start()
        self._polls = 0

    def isRenderFinished(self):
        self._polls += 1
        sys.stdout.write("poll %d\n" % self._polls)
        self.updateMetadata({"polls": self._polls})
        if self._polls >= 5:
            self.updateImagePath(self._path)
            self._stop = True
            return True
        return False


class HangInStop(Base):
    def startBackgroundRender(self, usd_filepath, options):
        import subprocess
        self._p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        self.updateMetadata({"renderPid": self._p.pid})

    def isRenderFinished(self):
        return False

    def stopBackgroundRender(self):
        time.sleep(3600)


def registerBackgroundRenderers(manager):
    for cls in (RaiseInStart, RaiseInFinished, HangInFinished, ExitInFinished,
                SegfaultInFinished, Flood, Chatty, HangInStop):
        manager.registerBackgroundRenderer(cls.__name__, cls)
