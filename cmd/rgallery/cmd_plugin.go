package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/bgrender"
)

// `rgallery plugin` is for plugin authors: load a file the way discovery
// does, and run one of its renderers without a gallery, watching what it
// reports.

var cmdPlugin = &cobra.Command{
	Use:   "plugin",
	Short: "Check and try out background-renderer plugin files",
}

var pluginCheckJSON bool

var cmdPluginCheck = &cobra.Command{
	Use:   "check FILE...",
	Short: "Load plugin files and list the renderers each registers",
	Long: `Load each file with the loader that discovery would use (Python files with
the embedded host, executables through the plugin protocol) and print the
renderer labels it registers, or why it cannot be loaded (for Python, with
the traceback). Exits 1 if any file fails.`,
	Args: cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		type result struct {
			File   string   `json:"file"`
			Kind   string   `json:"kind,omitempty"`
			Labels []string `json:"labels,omitempty"`
			Error  string   `json:"error,omitempty"`
		}
		var results []result
		failed := 0
		for _, file := range args {
			r := result{File: file}
			ps, kind, err := loadPluginFile(cmd.Context(), file)
			r.Kind = kind
			if err != nil {
				r.Error = err.Error()
				failed++
			}
			for _, p := range ps {
				r.Labels = append(r.Labels, p.Label)
			}
			results = append(results, r)
		}
		if pluginCheckJSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(results); err != nil {
				return err
			}
		} else {
			for _, r := range results {
				if r.Error != "" {
					fmt.Printf("%s: error: %s\n", r.File, r.Error)
					continue
				}
				fmt.Printf("%s (%s): %s\n", r.File, r.Kind, strings.Join(quoteAll(r.Labels), ", "))
			}
		}
		if failed > 0 {
			return &exitError{code: 1, err: fmt.Errorf("%d of %d plugin files failed to load", failed, len(args))}
		}
		return nil
	},
}

var (
	pluginRunLabel   string
	pluginRunOptions []string
	pluginRunRes     string
	pluginRunClick   []string
	pluginRunConfig  bool
	pluginRunTimeout time.Duration
)

var cmdPluginRun = &cobra.Command{
	Use:   "run FILE SCENE",
	Short: "Run one renderer of a plugin file on a scene, without a gallery",
	Long: `Run a renderer of FILE on SCENE the way the gallery would (start, then
isRenderFinished at the plugin's pollFrequency) and print every image and
metadata update as it arrives. The plugin's own output is printed too,
prefixed with "| ". Ctrl-C stops the render through stopBackgroundRender.

Exit status: 0 finished with an image, 1 failed, 130 stopped.`,
	Args: cobra.ExactArgs(2),
	RunE: func(cmd *cobra.Command, args []string) error {
		file, scene := args[0], args[1]
		ps, _, err := loadPluginFile(cmd.Context(), file)
		if err != nil {
			return err
		}
		p, err := pickPlugin(ps, pluginRunLabel)
		if err != nil {
			return err
		}
		opts := bgrender.Options{Plugin: map[string]any{}}
		for _, a := range pluginRunOptions {
			k, v, ok := strings.Cut(a, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return fmt.Errorf("--option %q: want name=value", a)
			}
			opts.Plugin[strings.TrimSpace(k)] = optionValue(v)
		}
		if pluginRunRes != "" {
			if _, err := fmt.Sscanf(pluginRunRes, "%dx%d", &opts.Viewport.ResX, &opts.Viewport.ResY); err != nil {
				return fmt.Errorf("--res %q: want WIDTHxHEIGHT", pluginRunRes)
			}
		}
		abs, err := filepath.Abs(scene)
		if err != nil {
			return err
		}
		return runPlugin(cmd.Context(), p, abs, opts)
	},
}

func init() {
	cmdPluginCheck.Flags().BoolVar(&pluginCheckJSON, "json", false, "print JSON")
	f := cmdPluginRun.Flags()
	f.StringVarP(&pluginRunLabel, "label", "r", "", "renderer label (needed when the file registers several)")
	f.StringArrayVarP(&pluginRunOptions, "option", "o", nil, `plugin option name=value (options["plugin"]); repeatable`)
	f.StringVar(&pluginRunRes, "res", "640x360", "resolution WIDTHxHEIGHT (options[\"viewport\"])")
	f.StringArrayVar(&pluginRunClick, "click", nil, "send mouseClick X,Y (normalized) after the first poll; repeatable")
	f.BoolVar(&pluginRunConfig, "configure", false, "call getConfigOptions first and use its result")
	f.DurationVar(&pluginRunTimeout, "timeout", 0, "stop the render after this long (0: no limit)")
	cmdPlugin.AddCommand(cmdPluginCheck, cmdPluginRun)
	cmdRoot.AddCommand(cmdPlugin)
}

// loadPluginFile loads file with the first registered loader that matches
// it, as discovery does.
func loadPluginFile(ctx context.Context, file string) ([]bgrender.Plugin, string, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, "", err
	}
	for _, l := range bgrender.Loaders() {
		if l.Match(file, info) {
			ps, err := l.Load(ctx, file)
			return ps, l.Name(), err
		}
	}
	return nil, "", fmt.Errorf("%s: no loader reads this file (want a .py file or an executable speaking the plugin protocol)", file)
}

func pickPlugin(ps []bgrender.Plugin, label string) (bgrender.Plugin, error) {
	var labels []string
	for _, p := range ps {
		if p.Label == label || (label == "" && len(ps) == 1) {
			return p, nil
		}
		labels = append(labels, p.Label)
	}
	sort.Strings(labels)
	if label == "" {
		return bgrender.Plugin{}, fmt.Errorf("the file registers several renderers; pick one with --label: %s", strings.Join(quoteAll(labels), ", "))
	}
	return bgrender.Plugin{}, fmt.Errorf("%w %q in this file (it registers %s)", bgrender.ErrUnknownRenderer, label, strings.Join(quoteAll(labels), ", "))
}

func quoteAll(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// optionValue reads a command-line option value as JSON when it is one
// (numbers, booleans, lists), else as a string.
func optionValue(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err == nil {
		return v
	}
	return s
}

// printHost is a Host that prints what the renderer reports.
type printHost struct {
	mu      sync.Mutex
	out     io.Writer
	start   time.Time
	source  string
	image   string
	partial []byte // plugin output after the last newline
}

func (h *printHost) ItemID() int64  { return 1 }
func (h *printHost) Source() string { return h.source }

func (h *printHost) UpdateImagePath(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.image = path
	fmt.Fprintf(h.out, "%7.2fs image %s\n", time.Since(h.start).Seconds(), path)
}

func (h *printHost) UpdateMetadata(md map[string]any) {
	b, _ := json.Marshal(md)
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintf(h.out, "%7.2fs metadata %s\n", time.Since(h.start).Seconds(), b)
}

func (h *printHost) Log() io.Writer { return prefixWriter{h} }

// prefixWriter prints the plugin's own output with "| " in front of each
// complete line; a partial line waits for its end.
type prefixWriter struct{ h *printHost }

func (w prefixWriter) Write(b []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	w.h.partial = append(w.h.partial, b...)
	for {
		i := bytes.IndexByte(w.h.partial, '\n')
		if i < 0 {
			break
		}
		fmt.Fprintf(w.h.out, "| %s\n", w.h.partial[:i])
		w.h.partial = w.h.partial[i+1:]
	}
	return len(b), nil
}

func runPlugin(ctx context.Context, p bgrender.Plugin, scene string, opts bgrender.Options) error {
	h := &printHost{out: os.Stdout, start: time.Now(), source: scene}
	rend, err := p.Factory(h)
	if err != nil {
		return err
	}
	if c, ok := rend.(bgrender.Closer); ok {
		defer c.Close()
	}
	if pluginRunConfig {
		conf, err := rend.GetConfigOptions(ctx, opts.Plugin)
		if err != nil {
			return err
		}
		opts.Plugin = conf
	}
	fmt.Printf("%7.2fs start %q (%s) on %s\n", 0.0, p.Label, p.File, scene)
	if err := rend.StartBackgroundRender(ctx, scene, opts); err != nil {
		return &exitError{code: 1, err: err}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	var limit <-chan time.Time
	if pluginRunTimeout > 0 {
		limit = time.After(pluginRunTimeout)
	}
	stop := func(why string) error {
		fmt.Printf("%7.2fs stop (%s)\n", time.Since(h.start).Seconds(), why)
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := rend.StopBackgroundRender(sctx); err != nil {
			return &exitError{code: 1, err: err}
		}
		return &exitError{code: 130, err: errors.New("stopped")}
	}
	clicks := pluginRunClick
	for {
		interval := rend.PollFrequency()
		if interval < bgrender.MinPollInterval {
			interval = bgrender.MinPollInterval
		}
		select {
		case <-sig:
			return stop("interrupted")
		case <-limit:
			return stop("--timeout")
		case <-time.After(interval):
		}
		done, err := rend.IsRenderFinished(ctx)
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		if done {
			h.mu.Lock()
			image := h.image
			h.mu.Unlock()
			if image == "" {
				return &exitError{code: 1, err: errors.New("the render finished without ever calling updateImagePath")}
			}
			fmt.Printf("%7.2fs finished: %s\n", time.Since(h.start).Seconds(), image)
			return nil
		}
		for len(clicks) > 0 {
			var x, y float64
			if _, err := fmt.Sscanf(clicks[0], "%g,%g", &x, &y); err != nil {
				return fmt.Errorf("--click %q: want X,Y", clicks[0])
			}
			clicks = clicks[1:]
			if err := rend.MouseClick(ctx, x, y); err != nil {
				return &exitError{code: 1, err: err}
			}
			fmt.Printf("%7.2fs click %g %g\n", time.Since(h.start).Seconds(), x, y)
		}
	}
}
