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


def registerBackgroundRenderers(manager):
    manager.registerBackgroundRenderer("Quick", Quick)
    manager.registerBackgroundRenderer("Slow", Slow)
    manager.registerBackgroundRenderer("Own Init", OwnInit)
