package command

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/internal/proc"
)

// StartBackgroundRender expands the manifest's templates and starts the
// command (never through a shell) in its own process group.
func (r *Renderer) StartBackgroundRender(ctx context.Context, usdPath string, opts bgrender.Options) error {
	if r.p != nil {
		return errors.New("command renderer: render already started")
	}
	if err := r.prepare(usdPath, opts); err != nil {
		r.cleanup()
		return err
	}
	cmd := exec.Command(r.argv[0], r.argv[1:]...)
	if err := setCommandLine(cmd); err != nil {
		r.cleanup()
		return fmt.Errorf("command renderer %q (%s): %w", r.m.Label, r.m.Path, err)
	}
	// The render's own values also go to the environment, so that a
	// wrapper script can find them without arguments; the manifest's env
	// comes last and wins.
	cmd.Env = append(os.Environ(),
		"RGALLERY_ITEM="+r.vals["item"],
		"RGALLERY_USD="+r.vals["usd"],
		"RGALLERY_OUTDIR="+r.vals["outdir"],
		"RGALLERY_IMAGE="+r.vals["image"],
	)
	for _, e := range r.m.env {
		v, _ := e.val.expand(r.vals)
		cmd.Env = append(cmd.Env, e.key+"="+v)
	}
	r.env = cmd.Env
	cmd.Dir = r.vals["outdir"]
	if r.m.workdir != nil {
		cmd.Dir, _ = r.m.workdir.expand(r.vals)
	}
	// The kernel answers ENOENT both for a missing working directory and
	// for a missing program; check the directory first so that the error
	// blames the right one.
	if fi, err := os.Stat(cmd.Dir); cmd.Dir != "" && (err != nil || !fi.IsDir()) {
		r.cleanup()
		if err == nil {
			err = errors.New("not a directory")
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("command renderer %q (%s): working directory %s: %w", r.m.Label, r.m.Path, cmd.Dir, err)
	}
	var stdinR *os.File
	if r.m.click != nil {
		// An os.Pipe rather than cmd.StdinPipe: its write end takes a
		// deadline, so a command that never reads its stdin cannot block a
		// click once the pipe buffer is full.
		pr, pw, err := os.Pipe()
		if err != nil {
			r.cleanup()
			return fmt.Errorf("start %s: stdin pipe: %w", r.program, err)
		}
		cmd.Stdin, stdinR, r.stdin = pr, pr, pw
	}
	fmt.Fprintf(r.host.Log(), "command: %s\n", quoteArgv(r.argv))
	p, err := proc.Start(cmd, proc.Options{
		TailLines:      logTailLines,
		SampleInterval: r.sampleInterval(),
		Log:            r.host.Log(),
		LogLimit:       logLimit,
		OnLine:         r.onLine,
		// The output is read at each poll (IsRenderFinished), where the
		// progress it carries is needed, rather than whenever the command
		// writes.
		PolledOutput: true,
	})
	if stdinR != nil {
		stdinR.Close() // the child has its copy
	}
	if err != nil {
		if r.stdin != nil {
			r.stdin.Close()
			r.stdin = nil
		}
		r.cleanup()
		return r.startError(err, cmd.Path)
	}
	r.p = p
	r.started = p.Started()
	// processGroup lets a later owner stop what is left of this render if
	// the gallery's owner dies without stopping it (proc.StopStale).
	r.host.UpdateMetadata(map[string]any{"command": quoteArgv(r.argv), "pid": p.Pid(), "processGroup": p.GroupID().String()})
	return nil
}

// prepare fills r.vals, r.argv and the image watches.
func (r *Renderer) prepare(usdPath string, opts bgrender.Options) error {
	vals, err := r.m.values(usdPath, opts, r.host.ItemID(), r.host.Source())
	if err != nil {
		return err
	}
	var outdir string
	if r.m.outdir == nil {
		if outdir, err = r.mkdirTemp(""); err != nil {
			return err
		}
	} else if outdir, err = r.m.outdirOf(vals); err != nil {
		return err
	}
	if err := os.MkdirAll(outdir, 0o755); err != nil {
		return fmt.Errorf("command renderer %q: output dir: %w", r.m.Label, err)
	}
	r.m.setOutdir(vals, outdir)
	r.vals = vals
	r.argv = r.m.expandArgv(vals)
	r.program = r.argv[0]
	r.argv[0] = r.m.program(r.argv[0])

	var copies string
	for i, t := range r.m.watch {
		p, _ := t.expand(vals)
		if p == "" {
			return fmt.Errorf("command renderer %q: watch[%d] %q expands to nothing", r.m.Label, i, t.raw)
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(outdir, p)
		}
		if copies == "" {
			if copies, err = r.mkdirTemp(copyBase()); err != nil {
				return err
			}
		}
		dir := filepath.Join(copies, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return fmt.Errorf("command renderer %q: %w", r.m.Label, err)
		}
		r.watches = append(r.watches, &imageWatch{path: p, copy: filepath.Join(dir, filepath.Base(p))})
	}
	return nil
}

// values are the placeholder values of a render, all but outdir and image.
func (m *Manifest) values(usdPath string, opts bgrender.Options, item int64, source string) (map[string]string, error) {
	usd, err := filepath.Abs(usdPath)
	if err != nil {
		return nil, fmt.Errorf("command renderer: scene path %s: %w", usdPath, err)
	}
	vals := map[string]string{
		"usd":            usd,
		"camera":         opts.Viewport.CameraPath,
		"rendersettings": opts.Viewport.RenderSettingsPath,
		"item":           strconv.FormatInt(item, 10),
		"source":         source,
		"manifest_dir":   filepath.Dir(m.Path),
	}
	if opts.Viewport.ResX > 0 {
		vals["res_x"] = strconv.Itoa(opts.Viewport.ResX)
	}
	if opts.Viewport.ResY > 0 {
		vals["res_y"] = strconv.Itoa(opts.Viewport.ResY)
	}
	for _, o := range m.Options {
		v, ok := opts.Plugin[o.Name]
		if !ok || v == nil {
			v = o.Default
		}
		if v != nil {
			c, err := o.coerce(v)
			if err != nil {
				return nil, fmt.Errorf("command renderer %q: option %s: %w", m.Label, o.Name, err)
			}
			v = c
		}
		vals["option."+o.Name] = format(v)
	}
	return vals, nil
}

// outdirOf expands the manifest's outdir.
func (m *Manifest) outdirOf(vals map[string]string) (string, error) {
	d, _ := m.outdir.expand(vals)
	if d == "" {
		return "", fmt.Errorf("command renderer %q: outdir %q expands to nothing", m.Label, m.outdir.raw)
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		return "", fmt.Errorf("command renderer %q: outdir: %w", m.Label, err)
	}
	return abs, nil
}

func (m *Manifest) setOutdir(vals map[string]string, outdir string) {
	vals["outdir"] = outdir
	vals["image"] = filepath.Join(outdir, m.image)
}

// expandArgv fills in argv, leaving out optional groups with an empty
// placeholder.
func (m *Manifest) expandArgv(vals map[string]string) []string {
	var argv []string
	for _, item := range m.argv {
		var args []string
		full := true
		for _, t := range item.args {
			s, ok := t.expand(vals)
			full = full && ok
			args = append(args, s)
		}
		if item.group && !full {
			continue
		}
		argv = append(argv, args...)
	}
	return argv
}

// program resolves argv[0]: a program given relative to the manifest
// ("./render.sh") is found beside it, so that a plugin dir can carry its
// own scripts; anything else is left to exec (a bare name searches $PATH).
func (m *Manifest) program(p string) string {
	if strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
		return filepath.Join(filepath.Dir(m.Path), p)
	}
	return p
}

// Argv returns the command line that a render of usdPath with opts would
// run, without creating or starting anything: a dry run for people writing
// manifests. Without an outdir in the manifest, {outdir} is shown as
// "$TMPDIR/rgallery-command-PID-ITEM-*".
func (m *Manifest) Argv(usdPath string, opts bgrender.Options, item int64) ([]string, error) {
	vals, err := m.values(usdPath, opts, item, usdPath)
	if err != nil {
		return nil, err
	}
	outdir := filepath.Join(os.TempDir(), tempPattern(item)+"*")
	if m.outdir != nil {
		if outdir, err = m.outdirOf(vals); err != nil {
			return nil, err
		}
	}
	m.setOutdir(vals, outdir)
	argv := m.expandArgv(vals)
	argv[0] = m.program(argv[0])
	return argv, nil
}

func (r *Renderer) mkdirTemp(base string) (string, error) {
	sweepStale(base)
	d, err := os.MkdirTemp(base, tempPattern(r.host.ItemID()))
	if err != nil {
		return "", fmt.Errorf("command renderer %q: %w", r.m.Label, err)
	}
	r.tmpDirs = append(r.tmpDirs, d)
	return d, nil
}

// copyBase is where the copies of reported images go: /dev/shm when it is
// there, because creating and renaming files on a disk file system can cost
// a millisecond each (ext4 flushes data on rename over an existing file),
// which for hundreds of live renders would be most of the gallery's CPU.
// The copies are one image per watched file per live render.
func copyBase() string {
	const shm = "/dev/shm"
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() && writable(shm) {
		return shm
	}
	return ""
}

func (r *Renderer) startError(err error, path string) error {
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return fmt.Errorf("command renderer %q (%s): command %q not found in $PATH", r.m.Label, r.m.Path, r.program)
	case errors.Is(err, fs.ErrNotExist):
		if _, serr := os.Stat(path); serr == nil {
			// The file is there, so what is missing is its interpreter.
			return fmt.Errorf("command renderer %q (%s): command %q cannot run: the interpreter on its #! line was not found", r.m.Label, r.m.Path, path)
		}
		return fmt.Errorf("command renderer %q (%s): command %q not found: no such file", r.m.Label, r.m.Path, path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("command renderer %q (%s): command %q is not executable: permission denied", r.m.Label, r.m.Path, path)
	}
	return fmt.Errorf("command renderer %q (%s): %w", r.m.Label, r.m.Path, err)
}

// sampleInterval is the background sampling interval for proc: none when
// the polls come at least as often as memory_interval, because then
// IsRenderFinished samples, which costs no timer and no goroutine wake-up
// of its own (with hundreds of live renders, wake-ups are what costs).
func (r *Renderer) sampleInterval() time.Duration {
	if r.m.poll <= r.m.memEvery {
		return -1
	}
	return r.m.memEvery
}
