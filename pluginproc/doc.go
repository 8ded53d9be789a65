// Package pluginproc runs background-renderer plugins out of process: every
// plugin that is not built into rgallery runs in a child process of its own,
// one process per render item, so that a plugin that raises, hangs, crashes
// or floods its output fails its own render and nothing else.
//
// It provides two bgrender.Loader implementations, registered at init:
//
//   - "python" loads seed-style Python files (*.py) unmodified. The binary
//     embeds a small host script and a husd/backgroundrenderer.py shim; they
//     are unpacked into the cache directory and run with $RGALLERY_PYTHON
//     (default python3, python on Windows; version 3.8 or newer, standard
//     library only).
//   - "executable" loads any executable file on the plugin path that speaks
//     the protocol, in any language (see examples/goplugin).
//
// The protocol (docs/plugin-protocol.md) is JSON-RPC 2.0, one JSON object
// per line, on a dedicated pipe pair: the plugin reads requests on fd 3 and
// writes answers and notifications on fd 4, so whatever it prints on stdout
// and stderr goes to the render's log and cannot break the protocol. A
// handshake agrees on a protocol version before anything else; every call
// has a deadline.
//
// Discovery runs a short-lived process per file (handshake + register) and
// caches the labels by path, size and modification time in plugins.json in
// the cache directory ($RGALLERY_CACHE_DIR, else os.UserCacheDir()/rgallery).
//
// A plugin that never reports peakMemory gets the peak RSS of its process
// tree instead (internal/proc measures it), so the seed's FastRender shows
// memory without psutil.
//
// Each plugin process is the leader of its own process group. When a render
// ends in any way, Close hangs up, waits a grace period, then kills the
// whole group and waits until no process of it is left, noting in the
// render's log what it had to kill.
//
// This package does not walk the plugin search path or apply the override
// rule (bgrender's discovery does), and does not poll renders (the Manager
// does).
package pluginproc
