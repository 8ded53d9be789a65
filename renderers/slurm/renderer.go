package slurm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/usd"
)

// Label is the name the renderer registers under.
const Label = "Slurm Farm"

func init() {
	bgrender.RegisterBuiltin(Label, New, Schema())
}

// Executable is the rgallery binary the tasks run when the workerBinary
// option is empty; tests set it. Empty means os.Executable().
var Executable = ""

// maxQueueErrors is how many polls in a row may fail to read the queue
// (slurmctld restarting, a network blip) before the render fails.
const maxQueueErrors = 30

// Renderer is one farm render.
type Renderer struct {
	bgrender.Base
	host bgrender.Host

	cfg   config
	sched scheduler
	dir   string
	st    jobState
	films *films
	image string

	tasks      map[int]taskState
	ended      bool // every task is terminal
	queueErrs  int
	lastQueue  time.Time
	firstImage time.Duration
	peak       int64
	focusSeq   int
	failed     bool // the render failed: keep the job dir for a post-mortem
}

// New is the bgrender.Factory.
func New(host bgrender.Host) (bgrender.Renderer, error) {
	return &Renderer{host: host}, nil
}

// OptionSchema implements bgrender.OptionSchemer.
func (r *Renderer) OptionSchema() []bgrender.OptionSpec { return Schema() }

// GetConfigOptions fills in the defaults for options not set before.
func (r *Renderer) GetConfigOptions(_ context.Context, old map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, s := range Schema() {
		out[s.Name] = s.Default
	}
	for k, v := range old {
		out[k] = v
	}
	return out, nil
}

// PollFrequency implements bgrender.Renderer. Polls look at the films in
// the job dir (cheap, local) every half second, so a new pass shows soon;
// the queue, which costs the controller something, is read at most every
// QueueInterval.
func (r *Renderer) PollFrequency() time.Duration { return 500 * time.Millisecond }

// QueueInterval is the shortest time between two reads of the queue.
const QueueInterval = time.Second

func (r *Renderer) logf(format string, args ...any) {
	fmt.Fprintf(r.host.Log(), "slurm: "+format+"\n", args...)
}

// StartBackgroundRender packages the scene, submits the array job and
// returns.
func (r *Renderer) StartBackgroundRender(ctx context.Context, usdPath string, opts bgrender.Options) error {
	cfg, err := parseConfig(opts.Plugin)
	if err != nil {
		return err
	}
	sched, err := newScheduler()
	if err != nil {
		return err
	}
	if _, ok := sched.(cliScheduler); ok {
		if _, err := exec.LookPath("sbatch"); err != nil {
			return fmt.Errorf("sbatch is not on PATH: install the Slurm client tools and point them at a cluster (scripts/slurm-dev.sh start runs one on this machine)")
		}
	}
	if cfg.Partition != "" {
		ps, err := sched.partitions(ctx)
		if err != nil {
			return fmt.Errorf("list partitions: %w", err)
		}
		if !slices.Contains(ps, cfg.Partition) {
			return fmt.Errorf("option %s = %q: no such partition on the cluster (partitions: %s)", OptPartition, cfg.Partition, strings.Join(ps, ", "))
		}
	}
	worker := cfg.Worker
	if worker == "" {
		worker = Executable
	}
	if worker == "" {
		if worker, err = os.Executable(); err != nil {
			return fmt.Errorf("find the rgallery binary for the nodes: %w", err)
		}
	}
	if err := os.MkdirAll(cfg.Root, 0o755); err != nil {
		return fmt.Errorf("job dir root: %w", err)
	}
	dir, err := os.MkdirTemp(cfg.Root, fmt.Sprintf("render-%d-", r.host.ItemID()))
	if err != nil {
		return fmt.Errorf("job dir: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	var stageOpts []usd.OpenOption
	if len(cfg.FallbackMap) > 0 {
		stageOpts = append(stageOpts, usd.WithVariantFallbacks(cfg.FallbackMap))
	}
	scene, nfiles, warnings, err := packageScene(usdPath, dir, stageOpts...)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		r.logf("warning: %s", w)
	}
	script := filepath.Join(dir, "task.sh")
	if err := os.WriteFile(script, []byte(taskScript), 0o755); err != nil {
		return fmt.Errorf("write task script: %w", err)
	}

	vp := opts.Viewport
	res := ""
	if vp.ResX > 0 && vp.ResY > 0 {
		res = fmt.Sprintf("%dx%d", vp.ResX, vp.ResY)
	}
	spec := jobSpec{
		Name:      fmt.Sprintf("rgallery-%d", r.host.ItemID()),
		Dir:       dir,
		Output:    filepath.Join(dir, "slurm-%a.out"),
		Tasks:     cfg.Tasks,
		CPUs:      cfg.CPUs,
		Partition: cfg.Partition,
		Memory:    cfg.Memory,
		Time:      cfg.Time,
		Extra:     cfg.Extra,
		Script:    script,
		Args:      taskArgs(cfg, dir, worker, res, vp, scene),
	}

	r.logf("packaged %d file(s) into %s", nfiles, dir)
	if _, ok := sched.(cliScheduler); ok {
		r.logf("sbatch %s", strings.Join(sbatchArgs(spec), " "))
	} else {
		r.logf("submitting through slurmrestd at %s", os.Getenv("RGALLERY_SLURMRESTD"))
	}
	submitted := time.Now()
	job, err := sched.submit(ctx, spec)
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	ok = true
	r.cfg, r.dir, r.sched = cfg, dir, sched
	r.st = jobState{JobID: job, Tasks: cfg.Tasks, SPP: cfg.SPP, Scene: scene, Source: usdPath, Submitted: submitted}
	if err := writeState(dir, r.st); err != nil {
		_ = sched.cancel(context.WithoutCancel(ctx), job)
		return err
	}
	r.attach()
	r.logf("submitted job %d: %d task(s), %d spp", job, cfg.Tasks, cfg.SPP)
	r.host.UpdateMetadata(map[string]any{
		"slurmJobId": job, "slurmTasks": cfg.Tasks, "jobDir": dir, "samplesPerPixel": cfg.SPP,
		"renderer": "rgallery path tracer on Slurm", bgrender.KeyPercentDone: 0.0,
	})
	return nil
}

// taskArgs are the task script's arguments (see taskScript).
func taskArgs(cfg config, dir, worker, res string, vp bgrender.Viewport, scene string) []string {
	return []string{dir, worker, strconv.Itoa(cfg.SPP), strconv.Itoa(cfg.Tasks),
		strconv.FormatUint(uint64(cfg.Seed), 10), strconv.Itoa(cfg.Bounces), strconv.Itoa(cfg.CPUs),
		res, vp.CameraPath, vp.RenderSettingsPath,
		strconv.Itoa(cfg.Subdiv), cfg.Lights, cfg.Filter, cfg.AOVs,
		strconv.FormatFloat(cfg.FilterGlossy, 'g', -1, 64), cfg.Fallbacks, scene}
}

func (r *Renderer) attach() {
	r.films = newFilms(r.dir, r.st.Tasks)
	r.image = filepath.Join(r.dir, "render.exr")
	r.tasks = map[int]taskState{}
}

// token is the re-attach token: the job id and its job dir.
type token struct {
	JobID int64  `json:"jobId"`
	Dir   string `json:"dir"`
}

// AttachToken implements bgrender.Detacher.
func (r *Renderer) AttachToken() string {
	if r.st.JobID == 0 {
		return ""
	}
	b, _ := json.Marshal(token{JobID: r.st.JobID, Dir: r.dir})
	return string(b)
}

// Reattach implements bgrender.Detacher: it resumes polling the job of an
// earlier owner.
func (r *Renderer) Reattach(ctx context.Context, tok string, opts bgrender.Options) error {
	var t token
	if err := json.Unmarshal([]byte(tok), &t); err != nil || t.JobID <= 0 || t.Dir == "" {
		return fmt.Errorf("slurm: bad attach token %q: want {\"jobId\":N,\"dir\":\"...\"}", tok)
	}
	st, err := readState(t.Dir)
	if err != nil {
		return err
	}
	if st.JobID != t.JobID {
		return fmt.Errorf("slurm: attach token names job %d but %s holds job %d", t.JobID, t.Dir, st.JobID)
	}
	cfg, err := parseConfig(opts.Plugin)
	if err != nil {
		cfg, _ = parseConfig(nil)
	}
	sched, err := newScheduler()
	if err != nil {
		return err
	}
	r.cfg, r.dir, r.st, r.sched = cfg, t.Dir, st, sched
	r.attach()
	r.logf("re-attached to job %d in %s", st.JobID, t.Dir)
	return nil
}

// IsRenderFinished polls the queue, merges what the tasks rendered and
// reports it.
func (r *Renderer) IsRenderFinished(ctx context.Context) (bool, error) {
	if r.st.JobID == 0 {
		return false, errors.New("slurm: no job was submitted")
	}
	if r.lastQueue.IsZero() || time.Since(r.lastQueue) >= QueueInterval {
		r.lastQueue = time.Now()
	} else {
		return false, r.update()
	}
	tasks, found, err := r.sched.tasks(ctx, r.st.JobID)
	if err != nil {
		r.queueErrs++
		r.logf("read queue (%d/%d): %v", r.queueErrs, maxQueueErrors, err)
		if r.queueErrs >= maxQueueErrors {
			return false, fmt.Errorf("job %d: the queue could not be read %d times in a row: %w", r.st.JobID, r.queueErrs, err)
		}
		return false, nil
	}
	r.queueErrs = 0
	if err := r.update(); err != nil {
		return false, err
	}
	if !found {
		return r.vanished(ctx, tasks)
	}
	// Records of finished tasks are purged after MinJobAge while others
	// may still run: a task missing from the queue whose film is complete
	// has completed.
	missing := 0
	for i := 0; i < r.st.Tasks; i++ {
		if _, ok := tasks[i]; !ok {
			if r.filmComplete(i) {
				tasks[i] = taskState{Task: i, State: "COMPLETED", Reason: "purged from the queue; film complete"}
			} else {
				missing++
			}
		}
	}
	r.tasks = tasks
	md := r.queueMetadata()
	if bad, ok := r.firstFailure(); ok {
		r.host.UpdateMetadata(md)
		return false, r.failWith(ctx, bad)
	}
	if missing > 0 {
		if r.allListedTerminal() {
			return r.vanished(ctx, tasks)
		}
		r.host.UpdateMetadata(md)
		return false, nil
	}
	if !r.allTerminal() {
		r.host.UpdateMetadata(md)
		return false, nil
	}
	// Every task COMPLETED: the films must hold every sample.
	r.ended = true
	if err := r.update(); err != nil {
		return false, err
	}
	done, total := r.samples()
	r.host.UpdateMetadata(md)
	if done != total {
		return false, fmt.Errorf("job %d completed but its films hold %d of %d samples", r.st.JobID, done, total)
	}
	r.logf("job %d completed", r.st.JobID)
	return true, nil
}

// MouseClick writes the focus request the task scripts watch.
func (r *Renderer) MouseClick(_ context.Context, x, y float64) error {
	if r.dir == "" {
		return errors.New("slurm: no job to focus")
	}
	r.focusSeq++
	line := fmt.Sprintf("%d-%d %g %g\n", time.Now().UnixNano(), r.focusSeq, x, y)
	return writeAtomic(filepath.Join(r.dir, "focus"), []byte(line))
}

// StopBackgroundRender cancels the job and returns once every task is in a
// terminal state, or with an error naming the tasks still alive when ctx or
// the stop timeout expires first. The merged image of what was rendered is
// kept.
func (r *Renderer) StopBackgroundRender(ctx context.Context) error {
	if r.st.JobID == 0 {
		return nil
	}
	err := r.cancelAndWait(ctx)
	if uerr := r.update(); uerr != nil && err == nil {
		err = uerr
	}
	r.host.UpdateMetadata(r.queueMetadata())
	return err
}

func (r *Renderer) cancelAndWait(ctx context.Context) error {
	ctx, stop := context.WithTimeout(ctx, time.Duration(r.cfg.StopTimeout)*time.Second)
	defer stop()
	cerr := r.sched.cancel(ctx, r.st.JobID)
	if cerr != nil {
		r.logf("scancel %d: %v", r.st.JobID, cerr)
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		tasks, found, err := r.sched.tasks(ctx, r.st.JobID)
		if err == nil {
			if !found {
				r.ended = true
				return nil // purged: nothing of it runs
			}
			r.tasks = tasks
			if r.allTerminal() {
				r.ended = true
				r.logf("job %d cancelled; every task has ended", r.st.JobID)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			var alive []string
			for i := 0; i < r.st.Tasks; i++ {
				if t, ok := r.tasks[i]; !ok || !t.terminal() {
					alive = append(alive, fmt.Sprintf("%d:%s", i, t.State))
				}
			}
			return fmt.Errorf("job %d: tasks still not ended after scancel: %s (%w)", r.st.JobID, strings.Join(alive, " "), ctx.Err())
		case <-tick.C:
		}
	}
}

// Close implements bgrender.Closer. A render that ended without every task
// ending (a failure, an error) has the rest of its array cancelled and
// waited for. The job dir is removed once the gallery has its image, unless
// the render failed: then it stays for a post-mortem (task logs, films).
func (r *Renderer) Close() error {
	if r.st.JobID == 0 {
		return nil
	}
	if !r.ended {
		r.failed = true
		return r.cancelAndWait(context.Background())
	}
	if r.failed {
		r.logf("job dir kept for inspection: %s", r.dir)
		return nil
	}
	if err := os.RemoveAll(r.dir); err != nil {
		return fmt.Errorf("remove job dir: %w", err)
	}
	return nil
}
