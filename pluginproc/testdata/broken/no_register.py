from husd.backgroundrenderer import BackgroundRenderer


class Forgotten(BackgroundRenderer):
    def isRenderFinished(self):
        return True
