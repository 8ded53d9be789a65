package slurm

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rgallery/rgallery/bgrender"
)

// Progress and faults: what a poll learns from the films and the queue.

// update merges changed films into the image and reports progress.
func (r *Renderer) update() error {
	changed, err := r.films.refresh()
	if err != nil {
		return err
	}
	md := map[string]any{}
	for i := 0; i < r.st.Tasks; i++ {
		if s, ok := lastStats(r.dir, i); ok {
			r.peak = max(r.peak, s.PeakMemory)
		}
	}
	if r.peak > 0 {
		md[bgrender.KeyPeakMemory] = r.peak
	}
	end := time.Now()
	if r.ended {
		end = r.lastEnd(end)
	}
	md[bgrender.KeyTotalClockTime] = end.Sub(r.st.Submitted).Seconds()
	if changed {
		film, err := r.films.merged()
		if err != nil {
			return err
		}
		attrs := map[string]string{"software": "rgallery Slurm Farm", "slurmJobId": strconv.FormatInt(r.st.JobID, 10)}
		if err := writeImage(film, r.image, attrs, r.cfg.Denoise); err != nil {
			return err
		}
		r.host.UpdateImagePath(r.image)
		if r.firstImage == 0 {
			r.firstImage = time.Since(r.st.Submitted)
			md["timeToFirstImage"] = r.firstImage.Seconds()
		}
		done, total := r.samples()
		md[bgrender.KeyPercentDone] = 100 * float64(done) / float64(max(total, 1))
		md["samplesDone"] = done
		md["samplesTotal"] = total
	}
	r.host.UpdateMetadata(md)
	return nil
}

// lastEnd is when the render ended: the newest film write (the tasks'
// last act), else the latest task end Slurm reports (whole seconds), else
// def.
func (r *Renderer) lastEnd(def time.Time) time.Time {
	var last time.Time
	for _, t := range r.films.tasks {
		if t.mod.After(last) {
			last = t.mod
		}
	}
	if last.IsZero() {
		for _, t := range r.tasks {
			if t.End.After(last) {
				last = t.End
			}
		}
	}
	if last.IsZero() || last.Before(r.st.Submitted) {
		return def
	}
	return last
}

// samples returns the pixel samples in the films and the render's total.
func (r *Renderer) samples() (done, total int64) {
	for _, t := range r.films.tasks {
		if t.film != nil {
			done += t.film.TotalSamples()
			total = int64(t.film.W) * int64(t.film.H) * int64(r.st.SPP)
		}
	}
	return done, total
}

// queueMetadata summarises the task states for the Info panel.
func (r *Renderer) queueMetadata() map[string]any {
	count := map[string]int{}
	var reasons []string
	var list []string
	for i := 0; i < r.st.Tasks; i++ {
		t, ok := r.tasks[i]
		if !ok {
			list = append(list, fmt.Sprintf("%d:UNKNOWN", i))
			continue
		}
		count[t.State]++
		s := fmt.Sprintf("%d:%s", i, t.State)
		if t.State == "PENDING" && t.Reason != "" && t.Reason != "None" {
			s += "(" + t.Reason + ")"
			if !slices.Contains(reasons, t.Reason) {
				reasons = append(reasons, t.Reason)
			}
		}
		list = append(list, s)
	}
	states := make([]string, 0, len(count))
	for k, n := range count {
		states = append(states, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(states)
	return map[string]any{
		"slurmState":         strings.Join(states, ", "),
		"slurmPendingReason": strings.Join(reasons, ", "),
		"slurmTaskStates":    strings.Join(list, " "),
	}
}

func (r *Renderer) allTerminal() bool {
	if len(r.tasks) < r.st.Tasks {
		return false
	}
	for _, t := range r.tasks {
		if !t.terminal() {
			return false
		}
	}
	return true
}

// firstFailure returns the lowest task that ended other than COMPLETED.
func (r *Renderer) firstFailure() (taskState, bool) {
	for i := 0; i < r.st.Tasks; i++ {
		t, ok := r.tasks[i]
		if ok && t.terminal() && (t.State != "COMPLETED" || t.ExitCode != 0) {
			return t, true
		}
	}
	return taskState{}, false
}

// failWith cancels the rest of the array and returns the failure with
// Slurm's words for it and the task's last line of error output.
func (r *Renderer) failWith(ctx context.Context, t taskState) error {
	msg := fmt.Sprintf("slurm task %d (job %d_%d) ended %s, exit code %s", t.Task, r.st.JobID, t.Task, t.State, exitString(t.ExitCode))
	if t.Reason != "" && t.Reason != "None" {
		msg += ", reason " + t.Reason
	}
	for _, p := range []string{fmt.Sprintf("task-%d.err", t.Task), fmt.Sprintf("slurm-%d.out", t.Task)} {
		if l := lastLine(filepath.Join(r.dir, p)); l != "" {
			msg += ": " + l
			break
		}
	}
	if !r.allTerminal() {
		r.logf("%s; cancelling the other tasks", msg)
		if err := r.sched.cancel(context.WithoutCancel(ctx), r.st.JobID); err != nil {
			r.logf("scancel %d: %v", r.st.JobID, err)
		}
	}
	r.failed = true
	return errors.New(msg)
}

// vanished handles a job (or some of its tasks) the queue no longer lists:
// it is finished if every film holds all its samples, else a failure.
func (r *Renderer) vanished(ctx context.Context, tasks map[int]taskState) (bool, error) {
	if len(tasks) == 0 {
		known, err := r.sched.known(ctx, r.st.JobID)
		if err == nil && known {
			// squeue and scontrol disagree for a moment right after a
			// submission; look again at the next poll.
			return false, nil
		}
	}
	r.tasks = tasks
	done, total := r.samples()
	if total > 0 && done == total && r.filmsComplete() {
		r.ended = true
		r.logf("job %d is gone from the queue; every task's film is complete", r.st.JobID)
		return true, nil
	}
	var missing []string
	for i := 0; i < r.st.Tasks; i++ {
		if _, ok := tasks[i]; !ok {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	r.failed = true
	return false, fmt.Errorf("slurm job %d vanished from the queue (tasks %s not listed by squeue or scontrol) with %d of %d samples rendered",
		r.st.JobID, strings.Join(missing, ","), done, total)
}

// filmsComplete reports whether every task's film holds its whole range.
func (r *Renderer) filmsComplete() bool {
	for i := range r.films.tasks {
		if !r.filmComplete(i) {
			return false
		}
	}
	return true
}

// filmComplete reports whether task i's film holds its whole sample range.
func (r *Renderer) filmComplete(i int) bool {
	f := r.films.tasks[i].film
	if f == nil {
		return false
	}
	a, b := i*r.st.SPP/r.st.Tasks, (i+1)*r.st.SPP/r.st.Tasks
	return f.TotalSamples() == int64(f.W)*int64(f.H)*int64(b-a)
}

// allListedTerminal reports whether every task the queue lists has ended.
func (r *Renderer) allListedTerminal() bool {
	for _, t := range r.tasks {
		if !t.terminal() {
			return false
		}
	}
	return true
}
