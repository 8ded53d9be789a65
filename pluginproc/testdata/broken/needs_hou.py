import hou

from husd.backgroundrenderer import BackgroundRenderer


class UsesHou(BackgroundRenderer):
    def startBackgroundRender(self, usd_filepath, options):
        self._frame = hou.frame()


def registerBackgroundRenderers(manager):
    manager.registerBackgroundRenderer("Uses Hou", UsesHou)
