import rgallery_no_such_module  # noqa: F401

from husd.backgroundrenderer import BackgroundRenderer


class R(BackgroundRenderer):
    pass


def registerBackgroundRenderers(manager):
    manager.registerBackgroundRenderer("Import Error", R)
