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


def registerBackgroundRenderers(manager):
    manager.registerBackgroundRenderer("Quick", Quick)
    manager.registerBackgroundRenderer("Slow", Slow)
