"""rgallery's Python plugin host.

rgallery starts one interpreter running this script per render item (and one
short-lived one to list the renderers of a file):

    python3 host.py PLUGIN_FILE

It speaks the rgallery plugin protocol (docs/plugin-protocol.md): JSON-RPC 2.0
requests arrive one per line on fd 3, answers and notifications leave one per
line on fd 4 (on Windows: on the two pipe handles named in
RGALLERY_PLUGIN_HANDLES, see _protocol_fds). stdout and stderr belong to the plugin and end up in the
render's log. The plugin file is imported as it is, with the husd package
beside this script providing husd.backgroundrenderer.BackgroundRenderer.

Python 3.8+ and the standard library only.
"""

import json
import os
import sys


def _protocol_fds():
    """The protocol's (read, write) file descriptors: 3 and 4 on Linux and
    macOS. A Windows child inherits handles, not fds, so there rgallery
    names the two inherited pipe handles in RGALLERY_PLUGIN_HANDLES
    ("READ,WRITE", decimal) and they become fds here (msvcrt.open_osfhandle).
    The variable is removed so that the plugin's own children do not see it."""
    handles = os.environ.pop("RGALLERY_PLUGIN_HANDLES", "")
    if not handles:
        return 3, 4
    import msvcrt
    # Without os.O_TEXT the descriptors are binary (no CRLF or Ctrl-Z
    # translation), as those of CPython's own os.pipe on Windows.
    rh, wh = [int(h) for h in handles.split(",")]
    return msvcrt.open_osfhandle(rh, os.O_RDONLY), msvcrt.open_osfhandle(wh, os.O_WRONLY)


if sys.version_info < (3, 8):
    # Answer the handshake with the reason, in code that Python 2.7 and old
    # Python 3 still run, rather than fail on an import below.
    def _refuse():
        rfd, wfd = _protocol_fds()
        r = os.fdopen(rfd, "rb")
        w = os.fdopen(wfd, "wb")
        line = r.readline()
        try:
            rid = json.loads(line.decode("utf-8")).get("id")
        except Exception:
            rid = None
        msg = "rgallery's Python host needs Python 3.8 or newer; %s is %s" % (
            sys.executable, sys.version.split()[0])
        err = {"code": -32600, "message": msg}
        w.write((json.dumps({"jsonrpc": "2.0", "id": rid, "error": err}) + "\n").encode("utf-8"))
        w.flush()
    _refuse()
    sys.exit(1)

import importlib.util  # noqa: E402 (after the version check on purpose)
import inspect  # noqa: E402
import math  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402

PROTOCOL_VERSIONS = (1,)

# JSON-RPC error codes; -32000 and below are ours (see the protocol doc).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
PLUGIN_ERROR = -32000
LOAD_ERROR = -32001
STATE_ERROR = -32002


# Houdini's own modules, which a plugin may import but rgallery cannot
# provide; an import of one gets a hint in the load error.
HOUDINI_MODULES = ("hou", "hutil", "husd", "husdui", "hdefereval", "toolutils", "soptoolutils", "loputils")


class RPCError(Exception):
    def __init__(self, code, message, data=None):
        Exception.__init__(self, message)
        self.code = code
        self.message = message
        self.data = data


def _clean(value):
    """Makes value encodable as strict JSON: NaN and infinities become None,
    unknown objects their str(), tuples and sets lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_clean(v) for v in value]
    try:
        # numpy scalars and the like
        if hasattr(value, "item"):
            return _clean(value.item())
    except Exception:
        pass
    return str(value)


def _default(value):
    """json.dumps hook for what it cannot encode itself."""
    if isinstance(value, (set, frozenset)):
        return list(value)
    if hasattr(value, "item"):
        try:
            return value.item()  # numpy scalars and the like
        except Exception:
            pass
    return str(value)


class Wire(object):
    """The protocol pipes. send() is safe from any thread: plugins call the
    helpers from their own render threads."""

    def __init__(self, rfd, wfd):
        self._r = os.fdopen(rfd, "rb")
        self._w = os.fdopen(wfd, "wb")
        self._lock = threading.Lock()

    def readline(self):
        return self._r.readline()

    def send(self, msg):
        msg["jsonrpc"] = "2.0"
        try:
            # The common case in one pass; _default handles sets and
            # objects, tuples are lists to json already.
            data = json.dumps(msg, allow_nan=False, separators=(",", ":"), default=_default)
        except (ValueError, TypeError):
            # NaN or infinity somewhere (or a key json refuses): walk it.
            data = json.dumps(_clean(msg), allow_nan=False, separators=(",", ":"))
        line = data.encode("utf-8") + b"\n"
        with self._lock:
            try:
                self._w.write(line)
                self._w.flush()
            except OSError:
                # rgallery hung up; a plugin thread reporting late must not
                # die of it. The request loop sees end of file and exits.
                pass

    def notify(self, method, params):
        self.send({"method": method, "params": params})


class Manager(object):
    """The manager argument of registerBackgroundRenderers(manager)."""

    def __init__(self):
        self.renderers = []  # (label, cls), in registration order

    def registerBackgroundRenderer(self, label, cls):
        label = str(label)
        for have, _ in self.renderers:
            if have == label:
                raise ValueError("renderer label %r registered twice" % label)
        self.renderers.append((label, cls))


class Host(object):
    def __init__(self, plugin_file, wire):
        self.plugin_file = plugin_file
        self.wire = wire
        self.module = None
        self.manager = None
        self.renderer = None
        self.label = None

    def load(self):
        if self.manager is not None:
            return
        name = "rgallery_plugin_" + "".join(
            c if c.isalnum() else "_"
            for c in os.path.splitext(os.path.basename(self.plugin_file))[0])
        try:
            spec = importlib.util.spec_from_file_location(name, self.plugin_file)
            if spec is None or spec.loader is None:
                raise ImportError("cannot import %s" % self.plugin_file)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except BaseException as e:
            hint = ""
            missing = getattr(e, "name", None) if isinstance(e, ImportError) else None
            if missing and missing.split(".")[0] in HOUDINI_MODULES:
                hint = (" (rgallery runs plugins outside Houdini: only husd.backgroundrenderer"
                        " is provided, not %s)" % missing)
            raise RPCError(LOAD_ERROR, "importing %s: %s%s" % (self.plugin_file, _describe(e), hint),
                           _error_data(e))
        register = getattr(module, "registerBackgroundRenderers", None)
        if register is None or not callable(register):
            raise RPCError(LOAD_ERROR,
                           "%s has no registerBackgroundRenderers(manager) function"
                           % self.plugin_file)
        manager = Manager()
        try:
            register(manager)
        except BaseException as e:
            raise RPCError(LOAD_ERROR,
                           "%s: registerBackgroundRenderers: %s" % (self.plugin_file, _describe(e)),
                           _error_data(e))
        if not manager.renderers:
            raise RPCError(LOAD_ERROR,
                           "%s: registerBackgroundRenderers registered no renderer" % self.plugin_file)
        self.module = module
        self.manager = manager

    # Protocol methods. Each takes the params object and returns the result.

    def m_handshake(self, params):
        versions = params.get("versions") or []
        common = [v for v in PROTOCOL_VERSIONS if v in versions]
        if not common:
            raise RPCError(INVALID_PARAMS,
                           "no common protocol version: rgallery offers %s, this host speaks %s"
                           % (versions, list(PROTOCOL_VERSIONS)))
        return {
            "version": max(common),
            "name": "rgallery-python-host",
            "runtime": "python " + sys.version.split()[0],
            "pid": os.getpid(),
        }

    def m_register(self, params):
        self.load()
        return {"renderers": [
            {"label": label, "class": getattr(cls, "__name__", str(cls))}
            for label, cls in self.manager.renderers]}

    def m_create(self, params):
        if self.renderer is not None:
            raise RPCError(STATE_ERROR, "create called twice; one process serves one render item")
        self.load()
        label = params.get("label")
        cls = None
        for have, c in self.manager.renderers:
            if have == label:
                cls = c
        if cls is None:
            raise RPCError(INVALID_PARAMS, "%s registers no renderer labelled %r" % (
                self.plugin_file, label))
        lopnet_path, item_id = params.get("source", ""), params.get("item_id", 0)
        # The seed's classes take (lopnet_path, item_id); a plugin that
        # overrides __init__ without them still gets the two attributes.
        args = (lopnet_path, item_id)
        try:
            inspect.signature(cls).bind(*args)
        except TypeError:
            args = ()
        except ValueError:
            pass  # no signature to inspect: try the seed's
        renderer = cls(*args)
        if not hasattr(renderer, "_lopnet_path"):
            renderer._lopnet_path = lopnet_path
        if not hasattr(renderer, "_item_id"):
            renderer._item_id = item_id
        self.renderer = renderer
        self.label = label
        return None

    def _need(self):
        if self.renderer is None:
            raise RPCError(STATE_ERROR, "no renderer: call create first")
        return self.renderer

    def m_pollFrequency(self, params):
        value = self._need().pollFrequency()
        try:
            return float(value)
        except (TypeError, ValueError):
            raise RPCError(PLUGIN_ERROR, "pollFrequency returned %r, want a number of seconds" % (value,))

    def m_getConfigOptions(self, params):
        old = params.get("old_options") or {}
        value = self._need().getConfigOptions(old)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise RPCError(PLUGIN_ERROR, "getConfigOptions returned %s, want a dict" % type(value).__name__)
        return value

    def m_startBackgroundRender(self, params):
        self._need().startBackgroundRender(params.get("usd_filepath", ""), params.get("options") or {})
        return None

    def m_isRenderFinished(self, params):
        return bool(self._need().isRenderFinished())

    def m_mouseClick(self, params):
        self._need().mouseClick(float(params.get("x", 0.0)), float(params.get("y", 0.0)))
        return None

    def m_stopBackgroundRender(self, params):
        self._need().stopBackgroundRender()
        return None


def _describe(e):
    msg = str(e)
    return "%s: %s" % (type(e).__name__, msg) if msg else type(e).__name__


def _is_host_frame(tb):
    name = tb.tb_frame.f_code.co_filename
    return name == __file__ or name.startswith("<frozen importlib")


def _error_data(e):
    # The traceback starts at the plugin's own code: the host's frames and
    # importlib's say nothing to the plugin's author.
    tb = e.__traceback__
    while tb is not None and _is_host_frame(tb):
        tb = tb.tb_next
    return {
        "type": type(e).__name__,
        "traceback": "".join(traceback.format_exception(type(e), e, tb)),
    }


def serve(host, wire):
    while True:
        line = wire.readline()
        if not line:
            return  # rgallery closed the pipe: we are done
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line.decode("utf-8"))
        except ValueError as e:
            wire.send({"id": None, "error": {"code": PARSE_ERROR, "message": "parse error: %s" % e}})
            continue
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            wire.send({"id": None, "error": {"code": INVALID_REQUEST, "message": "not a JSON-RPC request"}})
            continue
        rid = req.get("id")
        params = req.get("params") or {}
        fn = getattr(host, "m_" + req["method"], None)
        try:
            if fn is None:
                raise RPCError(METHOD_NOT_FOUND, "method %r not found" % req["method"])
            if not isinstance(params, dict):
                raise RPCError(INVALID_PARAMS, "params must be an object")
            result = fn(params)
            reply = {"id": rid, "result": result}
        except RPCError as e:
            err = {"code": e.code, "message": e.message}
            if e.data is not None:
                err["data"] = e.data
            reply = {"id": rid, "error": err}
        except BaseException as e:
            # SystemExit and KeyboardInterrupt from a plugin method are
            # errors of that call too; the host keeps serving.
            reply = {"id": rid, "error": {
                "code": PLUGIN_ERROR,
                "message": "%s raised %s" % (req["method"], _describe(e)),
                "data": _error_data(e),
            }}
        if rid is not None:
            wire.send(reply)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: host.py PLUGIN_FILE (started by rgallery with fds 3 and 4)\n")
        return 2
    try:
        rfd, wfd = _protocol_fds()
        wire = Wire(rfd, wfd)
    except (OSError, ValueError) as e:
        sys.stderr.write("host.py: protocol fds 3/4 (or RGALLERY_PLUGIN_HANDLES) are not open (%s); "
                         "run it through rgallery\n" % e)
        return 2
    # Children the plugin starts must not hold the protocol pipes open.
    os.set_inheritable(rfd, False)
    os.set_inheritable(wfd, False)
    from husd.backgroundrenderer import BackgroundRenderer
    BackgroundRenderer._rgallery_notify = wire.notify
    host = Host(os.path.abspath(argv[1]), wire)
    serve(host, wire)
    sys.stdout.flush()
    sys.stderr.flush()
    # Plugin threads that are not daemons must not keep us alive once
    # rgallery has hung up.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
