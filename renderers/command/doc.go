// Package command is the Command renderer: a background renderer defined by
// a manifest file instead of code, for any render program that can be run
// from a command line and writes an image file. It is the seed's FastRender
// example (Popen, poll, kill) made generic.
//
// Manifests are TOML files named *.toml on the plugin path (the
// backgroundrenderers/ dirs); the Loader registered from init reads them.
// One manifest defines one renderer:
//
//	label       = "My Renderer"                 # required: the menu label
//	description = "what it is"                  # optional
//	argv = ["myrender", "{usd}",                # required: program and arguments,
//	        ["--camera", "{camera}"],           # run directly, never by a shell;
//	        "-o", "{image}",                    # a nested array is an optional group,
//	        "--samples", "{option.samples}"]    # left out when a placeholder in it is empty
//	image      = "render.png"  # file name of {image} in the output dir (default render.png)
//	watch      = ["{image}"]   # images to report, in order of preference (default ["{image}"])
//	progress   = 'Progress: (?P<percent>[0-9.]+)%'   # optional regex over each output line
//	poll       = 0.5           # seconds between polls (default 1); "250ms" works too
//	stop_grace = 5             # seconds between SIGTERM and SIGKILL on stop (default 5)
//	memory_interval = 1        # seconds between RSS samples of the process tree (default 1)
//	update_interval = 1        # seconds between two image looks and clock-only metadata
//	                           # updates (default 1; 0: every poll); see below
//	workdir    = "{outdir}"    # working directory (default: the output dir)
//	outdir     = "/renders/{item}"  # output dir (default: a temporary dir, removed after)
//	click      = "focus {x} {y}"    # optional line written to stdin on a click in the viewer
//	[env]                      # added to the gallery's environment, after
//	OMP_NUM_THREADS = "{option.threads}"        # RGALLERY_ITEM, _USD, _OUTDIR, _IMAGE
//
//	[[option]]                 # one per option; the UI draws a form from these
//	name    = "samples"        # used as {option.samples}
//	type    = "int"            # string (default), int, float, bool, choice
//	default = 64
//	label   = "Samples"
//	help    = "samples per pixel"
//	min     = 1                # int and float only
//	max     = 65536
//	# choices = ["CPU", "GPU"] # type choice only; the first is the default
//
// Placeholders, usable in argv, env, workdir, outdir, watch and click:
// {usd} (absolute path of the scene), {image} (the output dir joined with
// image), {outdir}, {camera} and {rendersettings} (the viewport's prim paths,
// empty when not set), {res_x}, {res_y} (empty when not set), {item} (the
// snapshot id), {source} (where the scene came from), {manifest_dir} (the
// manifest's directory), {option.NAME}, and in click only {x} and {y}.
// "{{" and "}}" are literal braces. An argv[0] starting with ./ or ../ is
// relative to the manifest's directory.
//
// The progress regex takes the percentage from the group named percent, or
// from groups named done and total (100*done/total), or else from its first
// group.
//
// update_interval keeps hundreds of renders polled ten times a second from
// costing the gallery much: until the first image exists the images are
// looked at on every poll (time to first pixel matters), after that at most
// once per interval; metadata goes to the gallery whenever percentDone or
// peakMemory changed, else once per interval for the clock. The final
// image and metadata are always sent.
//
// What a render does: the command runs in its own process group (see
// internal/proc) with stdout and stderr going to the render log (the first
// 64 MiB of it). The output is read at each poll, from a pipe enlarged to
// 256 KiB, rather than as it is written: with hundreds of live renders,
// waking for every progress line was most of the manager's CPU. A command
// that writes more than a quarter of the pipe between two polls is read as
// it writes from then on; until that poll, one that writes more than the
// pipe holds waits for it (with the default 1 s poll: over 256 KiB/s of
// output). Each poll reports
// percentDone (from the regex),
// totalClockTime, peakMemory (the peak summed RSS of the command's process
// tree) and timeToFirstPixel; once, at the start, command, pid and
// processGroup (for proc.StopStale); at the end, exitStatus.
//
// Each poll also reports the first watched image that has a new complete
// version. PNG, JPEG and single-part scanline OpenEXR files are checked
// structurally; other files must hold still for one poll. The gallery gets
// a copy that the command cannot rewrite while the gallery reads it (with
// the PNG of the same stem beside it, the gallery's preview for EXR),
// except for PNG and JPEG files that the command replaces by rename, which
// are complete at their own path.
//
// The render is finished when the command exits: exit status 0 after
// writing an image is success; a non-zero status, a signal, exit 0 without
// any image, or exit 0 with an incomplete last image is a failed render
// whose error ends with the last lines of the output.
//
// If the gallery's owner dies during a render, the kernel kills the
// command's leader with it on Linux (Pdeathsig, internal/proc); the
// metadata key processGroup lets the next owner stop what the leader
// started, or on macOS the whole group (proc.StopStale); on Windows the
// render's Job Object ends every process with the owner. The next Command
// render removes the temporary dirs of owners that are gone. On Windows
// the argv becomes one command line by the C runtime's quoting rules, and
// a .bat/.cmd program gets no argument cmd.exe would misread (cmdline.go).
//
// What it does not do: no shell (use argv = ["sh", "-c", "..."] to get one),
// no retries, no remote execution.
package command
