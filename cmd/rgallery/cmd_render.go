package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/owner"
	"github.com/rgallery/rgallery/server"
	"github.com/rgallery/rgallery/usd"
)

var renderOpts struct {
	renderer  string
	configure bool
	options   []string
	camera    string
	settings  string
	res       string
	detach    bool
	label     string
	tags      []string
	json      bool
	fallbacks []string
}

// Exit codes of `rgallery render`.
const (
	exitFailed      = 3   // the render failed
	exitInterrupted = 4   // stopped from elsewhere or interrupted
	exitCtrlC       = 130 // stopped with Ctrl-C
)

var cmdRender = &cobra.Command{
	Use:   "render FILE",
	Short: "Render a USD scene in the background into the gallery",
	Long: `Render a USD scene with a background renderer and keep the result as a
snapshot in the gallery. Without --configure the renderer's previous options
are reused (the Background button); --option name=value sets one option.

The first rgallery process that renders into a gallery owns its live
renders; a render started while another process owns the gallery is handed
to that process, and this one follows its progress. Ctrl-C stops the render
and records it as stopped.

Exit status: 0 finished, 1 error, 3 render failed, 4 stopped elsewhere or
interrupted, 130 stopped with Ctrl-C.`,
	Args: cobra.ExactArgs(1),
	RunE: runRender,
}

func init() {
	f := cmdRender.Flags()
	f.StringVarP(&renderOpts.renderer, "renderer", "r", bgrender.DefaultRenderer, "renderer label (see `rgallery renderers`)")
	f.BoolVar(&renderOpts.configure, "configure", false, "ask the renderer for its options first (getConfigOptions)")
	f.StringArrayVarP(&renderOpts.options, "option", "o", nil, "set a renderer option, name=value (repeatable)")
	f.StringVar(&renderOpts.camera, "camera", "", "camera prim path")
	f.StringVar(&renderOpts.settings, "rendersettings", "", "RenderSettings prim path")
	f.StringVar(&renderOpts.res, "res", "", "resolution WxH (default: the scene's RenderSettings or the renderer's)")
	f.BoolVar(&renderOpts.detach, "detach", false, "start the render in a background process and return its snapshot id")
	f.StringVar(&renderOpts.label, "label", "", "snapshot label")
	f.StringArrayVar(&renderOpts.tags, "tag", nil, "snapshot tag (repeatable)")
	f.BoolVar(&renderOpts.json, "json", false, "print the final snapshot as JSON")
	f.StringArrayVar(&renderOpts.fallbacks, "variant-fallback", nil, "variant fallbacks SET=SEL[,SEL...] (repeatable; default $"+usd.VariantFallbacksEnv+"): the renderer option variantFallbacks")
	cmdRoot.AddCommand(cmdRender)
}

func parseRes(s string) (int, int, error) {
	if s == "" {
		return 0, 0, nil
	}
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 || w > 65536 || h > 65536 {
		return 0, 0, fmt.Errorf("resolution %q: want WxH, e.g. 1280x720", s)
	}
	return w, h, nil
}

func runRender(cmd *cobra.Command, args []string) error {
	w, h, err := parseRes(renderOpts.res)
	if err != nil {
		return err
	}
	opts, err := bgrender.ParseOptionArgs(renderOpts.options)
	if err != nil {
		return err
	}
	if err := setVariantFallbackOption(opts); err != nil {
		return err
	}
	scene, err := filepath.Abs(args[0])
	if err != nil {
		return err
	}
	if _, err := os.Stat(scene); err != nil {
		return fmt.Errorf("scene file %s: %w", args[0], errors.Unwrap(err))
	}
	req := server.RenderRequest{Renderer: renderOpts.renderer, Scene: scene, Configure: renderOpts.configure,
		Options: opts, Label: renderOpts.label, Tags: renderOpts.tags,
		Viewport: bgrender.Viewport{CameraPath: renderOpts.camera, RenderSettingsPath: renderOpts.settings, ResX: w, ResY: h}}

	ctx := cmd.Context()
	g, err := openGallery(ctx)
	if err != nil {
		return err
	}
	defer g.Close()
	return startAndFollow(ctx, g, req)
}

// startAndFollow starts a render, in this process if it can own the
// gallery, else through the owner, and follows it to its end.
func startAndFollow(ctx context.Context, g *gallery.Gallery, req server.RenderRequest) error {
	if renderOpts.detach {
		if g.Shared() {
			return errors.New("--detach is not available in a team gallery yet: start the render from a team server (rgallery serve) instead")
		}
		return renderDetached(ctx, g, req)
	}
	sess, err := becomeOwner(ctx, g)
	if errors.Is(err, owner.ErrOwned) {
		client, err := waitForOwner(ctx, g.Dir())
		if err != nil {
			return err
		}
		snap, err := client.Render(ctx, req)
		if err != nil {
			return renderStartError(snap, err)
		}
		return follow(ctx, g, snap.ID, func(ctx context.Context) error {
			_, err := client.Stop(ctx, snap.ID)
			return err
		})
	}
	if err != nil {
		return err
	}
	defer sess.Close()
	snap, err := sess.m.Start(ctx, bgrender.Request{Renderer: req.Renderer, Scene: req.Scene, Configure: req.Configure,
		Options: req.Options, Viewport: req.Viewport, Label: req.Label, Tags: req.Tags, User: cliUser(g)})
	if err != nil {
		return renderStartError(snap, err)
	}
	ferr := follow(ctx, g, snap.ID, func(ctx context.Context) error { return sess.m.Stop(ctx, snap.ID) })
	// Renders that other processes handed to this one go on until they end.
	if live := sess.m.Live(); len(live) > 0 {
		fmt.Fprintf(os.Stderr, "waiting for %d render(s) started from other terminals: %v\n", len(live), live)
		for _, id := range live {
			sess.m.Wait(ctx, id)
		}
	}
	return ferr
}

func renderStartError(snap gallery.Snapshot, err error) error {
	if snap.ID != 0 {
		return &exitError{code: exitFailed, err: err}
	}
	return err
}

// waitForOwner waits for the owner's socket: the process that won the race
// for the gallery may still be starting.
func waitForOwner(ctx context.Context, dir string) (*server.Client, error) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := ownerClient(ctx, dir)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the gallery %s is locked by another process that does not answer on %s", dir, owner.SocketPath(dir))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// follow shows a render's progress until it ends; Ctrl-C stops it.
func follow(ctx context.Context, g *gallery.Gallery, id int64, stop func(context.Context) error) error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)

	tty := isatty.IsTerminal(os.Stderr.Fd())
	bar := progressbar.NewOptions(1000,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetVisibility(tty),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionClearOnFinish(),
	)
	if !tty {
		fmt.Fprintf(os.Stderr, "rendering snapshot %d\n", id)
	}
	stoppedByUser := false
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	lastPct := -10.0
	for {
		s, err := g.Get(ctx, id)
		if err != nil {
			return err
		}
		pct := 0.0
		if s.Stats.PercentDone != nil {
			pct = *s.Stats.PercentDone
		}
		bar.Describe(statsLine(s))
		bar.Set(int(pct * 10))
		if !tty && pct >= lastPct+10 {
			fmt.Fprintf(os.Stderr, "  %3.0f%%  %s\n", pct, statsLine(s))
			lastPct = pct
		}
		if s.State.Final() {
			bar.Finish()
			return reportEnd(g, s, stoppedByUser)
		}
		select {
		case <-sig:
			if !stoppedByUser {
				stoppedByUser = true
				fmt.Fprintf(os.Stderr, "\nstopping snapshot %d...\n", id)
				sctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				if err := stop(sctx); err != nil {
					fmt.Fprintf(os.Stderr, "stop: %v\n", err)
				}
				cancel()
			}
		case <-tick.C:
		}
	}
}

func statsLine(s gallery.Snapshot) string {
	var parts []string
	if s.Stats.TotalClockTime != nil {
		parts = append(parts, fmt.Sprintf("%.1fs", *s.Stats.TotalClockTime))
	}
	if s.Stats.PeakMemory != nil {
		parts = append(parts, humanize.IBytes(uint64(*s.Stats.PeakMemory)))
	}
	if s.Stats.PercentDone != nil {
		parts = append(parts, fmt.Sprintf("%.1f%%", *s.Stats.PercentDone))
	}
	return fmt.Sprintf("snapshot %d %s %s", s.ID, s.State, strings.Join(parts, " · "))
}

func reportEnd(g *gallery.Gallery, s gallery.Snapshot, byUser bool) error {
	if renderOpts.json {
		b, _ := json.MarshalIndent(s, "", "  ")
		fmt.Println(string(b))
	}
	img := g.Path(s.Image)
	switch s.State {
	case gallery.Finished:
		if !renderOpts.json {
			if prev := g.PreviewPath(s); prev != "" && prev != img {
				fmt.Printf("snapshot %d finished: %s (preview %s)\n", s.ID, img, prev)
			} else {
				fmt.Printf("snapshot %d finished: %s\n", s.ID, img)
			}
		}
		return nil
	case gallery.Failed:
		return &exitError{code: exitFailed, err: fmt.Errorf("snapshot %d failed: %s", s.ID, s.Error)}
	default:
		if !renderOpts.json {
			if img != "" {
				fmt.Printf("snapshot %d %s: %s\n", s.ID, s.State, img)
			} else {
				fmt.Printf("snapshot %d %s (no image)\n", s.ID, s.State)
			}
		}
		if byUser {
			return &exitError{code: exitCtrlC, err: fmt.Errorf("snapshot %d stopped", s.ID)}
		}
		return &exitError{code: exitInterrupted, err: fmt.Errorf("snapshot %d %s: %s", s.ID, s.State, s.Error)}
	}
}

// renderDetached hands the render to a background owner process, starting
// one if the gallery has no owner, and returns at once.
func renderDetached(ctx context.Context, g *gallery.Gallery, req server.RenderRequest) error {
	if !owner.Alive(ctx, g.Dir()) {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		logf, err := os.OpenFile(filepath.Join(g.Dir(), "owner.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		c := exec.Command(exe, "--gallery", g.Dir(), "--log-level", globalOpts.logLevel, "own")
		c.Stdout, c.Stderr = logf, logf
		c.SysProcAttr = detachedAttr()
		if err := c.Start(); err != nil {
			logf.Close()
			return fmt.Errorf("start the background owner: %w", err)
		}
		logf.Close()
		go c.Wait()
	}
	client, err := waitForOwner(ctx, g.Dir())
	if err != nil {
		return err
	}
	snap, err := client.Render(ctx, req)
	if err != nil {
		return renderStartError(snap, err)
	}
	if renderOpts.json {
		b, _ := json.MarshalIndent(snap, "", "  ")
		fmt.Println(string(b))
	} else {
		fmt.Printf("snapshot %d rendering in the background (rgallery show %d, rgallery stop %d)\n", snap.ID, snap.ID, snap.ID)
	}
	return nil
}

// setVariantFallbackOption puts $RGALLERY_VARIANT_FALLBACKS and the
// --variant-fallback flags into the renderer option variantFallbacks
// ("SET=SEL[,SEL];SET=..."), unless --option already set it.
func setVariantFallbackOption(opts map[string]any) error {
	if _, ok := opts["variantFallbacks"]; ok {
		return nil
	}
	fb, err := variantFallbacks(renderOpts.fallbacks)
	if err != nil || len(fb) == 0 {
		return err
	}
	sets := make([]string, 0, len(fb))
	for set := range fb {
		sets = append(sets, set)
	}
	sort.Strings(sets)
	for i, set := range sets {
		sets[i] = set + "=" + strings.Join(fb[set], ",")
	}
	opts["variantFallbacks"] = strings.Join(sets, ";")
	return nil
}
