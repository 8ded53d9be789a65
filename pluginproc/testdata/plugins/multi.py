# Several renderers in one file, as the seed allows.
from husd.backgroundrenderer import BackgroundRenderer


class Quick(BackgroundRenderer):
    def startBackgroundRender(self, usd_filepath, options):
        self._path = usd_filepath

    def isRenderFinished(self):
        self.updateMetadata({"who": "quick", "item": self._item_id, "lopnet": self._lopnet_path})
        self.updateImagePath(self._path)
        return True


class Slow(Quick):
    def pollFrequency(self):
        return 5


class OwnInit(BackgroundRenderer):
    # Overrides __init__ without the seed's arguments and without super():
    # the host still sets _lopnet_path and _item_id.
    def __init__(self):
        self._mine = "own"

    def startBackgroundRender(self, usd_filepath, options):
        self._path = usd_filepath

    def isRenderFinished(self):
        self.updateMetadata({"who": self._mine, "item": self._item_id, "lopnet": self._lopnet_path})
        self.updateImagePath(self._path)
        return True



class Threaded(BackgroundRenderer):
    # Reports from its own thread while rgallery polls, as the seed's
    # background-thread renderer does, with values JSON cannot carry as they are.
    def startBackgroundRender(self, usd_filepath, options):
        import threading
        self._path = usd_filepath
        self._sent = 0

        def report():
            for i in range(1, 501):
                self.updateMetadata({"tick": i, "nan": float("nan"), "inf": float("inf"),
                                     "tuple": (1, 2), "set": {3}, "object": object.__new__(Marker),
                                     "nested": {"deep": [float("-inf"), {"k": (i,)}]}})
                self._sent = i
        self._thread = threading.Thread(target=report)
        self._thread.start()

    def isRenderFinished(self):
        if self._sent < 500:
            return False
        self._thread.join()
        self.updateImagePath(self._path)
        return True


class Marker(object):
    def __str__(self):
        return "a marker"

def registerBackgroundRenderers(manager):
    manager.registerBackgroundRenderer("Quick", Quick)
    manager.registerBackgroundRenderer("Slow", Slow)
    manager.registerBackgroundRenderer("Own Init", OwnInit)
    manager.registerBackgroundRenderer("Threaded", Threaded)
