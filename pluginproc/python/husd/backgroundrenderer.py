"""The BackgroundRenderer base class of Houdini's Render Gallery plugins.

rgallery's Python host (host.py) imports plugin files that subclass this
class. The helpers do not talk to Houdini: updateImagePath and updateMetadata
send a notification to rgallery over the plugin protocol (see
docs/plugin-protocol.md), and are safe to call from any thread.
"""


class BackgroundRenderer(object):
    # The host sets this to a function (method, params) -> None that sends a
    # protocol notification. Without a host (a plugin imported by a test of
    # its own), the helpers only remember the last values.
    _rgallery_notify = None

    def __init__(self, lopnet_path, item_id):
        # The seed documents these two instance variables.
        self._lopnet_path = lopnet_path
        self._item_id = item_id

    # Helpers the seed documents.

    def updateImagePath(self, image_path):
        path = str(image_path)
        self._rgallery_last_image = path
        notify = BackgroundRenderer._rgallery_notify
        if notify is not None:
            notify("updateImagePath", {"path": path})

    def updateMetadata(self, metadata):
        md = dict(metadata)
        self._rgallery_last_metadata = md
        notify = BackgroundRenderer._rgallery_notify
        if notify is not None:
            notify("updateMetadata", {"metadata": md})

    # The seed's defaults, for the methods a plugin does not override.

    def pollFrequency(self):
        return 1.0

    def getConfigOptions(self, old_options):
        return dict(old_options or {})

    def startBackgroundRender(self, usd_filepath, options):
        raise NotImplementedError(
            "%s does not implement startBackgroundRender" % type(self).__name__)

    def isRenderFinished(self):
        return True

    def mouseClick(self, x, y):
        pass

    def stopBackgroundRender(self):
        pass
