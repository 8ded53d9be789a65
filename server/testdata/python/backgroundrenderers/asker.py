# A seed-style plugin whose options come only from getConfigOptions: the
# web UI's form for it must show what this returns. Its render just
# records the options it was started with, for the test to read.
from husd.backgroundrenderer import BackgroundRenderer


class AskerRenderer(BackgroundRenderer):
    def getConfigOptions(self, old_options):
        options = {"samples": 16, "quality": "draft", "denoise": False}
        options.update(old_options)
        return options

    def startBackgroundRender(self, usd_filepath, options):
        self.updateMetadata({"startedWith": options["plugin"]})

    def isRenderFinished(self):
        return False

    def stopBackgroundRender(self):
        pass


def registerBackgroundRenderers(manager):
    manager.registerBackgroundRenderer("Python Asker", AskerRenderer)
