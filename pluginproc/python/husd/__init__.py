"""rgallery's stand-in for Houdini's husd package.

Only husd.backgroundrenderer is provided: enough for background-renderer
plugins written for Houdini's Render Gallery to run under rgallery as they are.
"""
