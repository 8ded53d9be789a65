package slurm

import (
	"context"
	"fmt"
	"os"
	"strconv"
)

// scheduler is how the renderer talks to Slurm: the command-line tools, or
// slurmrestd when RGALLERY_SLURMRESTD is set.
type scheduler interface {
	// submit submits the array job and returns its id.
	submit(ctx context.Context, spec jobSpec) (int64, error)
	// tasks returns the state of every listed task of the array by index;
	// found is false when the queue does not know the job.
	tasks(ctx context.Context, job int64) (map[int]taskState, bool, error)
	// known asks the controller directly whether it still knows the job.
	known(ctx context.Context, job int64) (bool, error)
	cancel(ctx context.Context, job int64) error
	partitions(ctx context.Context) ([]string, error)
}

// jobSpec is one submission.
type jobSpec struct {
	Name      string
	Dir       string // working directory of the tasks
	Output    string // stdout/stderr pattern (%a = task index)
	Tasks     int
	CPUs      int
	Partition string
	Memory    string // sbatch --mem syntax
	Time      string // sbatch --time syntax
	Extra     []string
	Script    string   // path of the task script
	Args      []string // its arguments
}

// newScheduler picks slurmrestd when RGALLERY_SLURMRESTD names it, else
// the command-line tools.
func newScheduler() (scheduler, error) {
	if url := os.Getenv("RGALLERY_SLURMRESTD"); url != "" {
		return newREST(url)
	}
	return cliScheduler{}, nil
}

// cliScheduler runs sbatch, squeue, scontrol, scancel and sinfo.
type cliScheduler struct{}

func (cliScheduler) submit(ctx context.Context, s jobSpec) (int64, error) {
	return submit(ctx, sbatchArgs(s))
}

// sbatchArgs is the argv of sbatch for s (without the program name).
func sbatchArgs(s jobSpec) []string {
	args := []string{"--parsable",
		fmt.Sprintf("--array=0-%d", s.Tasks-1),
		"--job-name=" + s.Name,
		"--output=" + s.Output,
		"--chdir=" + s.Dir,
		"--cpus-per-task=" + strconv.Itoa(s.CPUs),
	}
	if s.Partition != "" {
		args = append(args, "--partition="+s.Partition)
	}
	if s.Memory != "" {
		args = append(args, "--mem="+s.Memory)
	}
	if s.Time != "" {
		args = append(args, "--time="+s.Time)
	}
	args = append(args, s.Extra...)
	args = append(args, s.Script)
	return append(args, s.Args...)
}

func (cliScheduler) tasks(ctx context.Context, job int64) (map[int]taskState, bool, error) {
	return queueTasks(ctx, job)
}

func (cliScheduler) known(ctx context.Context, job int64) (bool, error) {
	recs, err := showJob(ctx, job)
	if err != nil {
		if isVanished(err) {
			return false, nil
		}
		return false, err
	}
	return len(recs) > 0, nil
}

func (cliScheduler) cancel(ctx context.Context, job int64) error { return cancel(ctx, job) }

func (cliScheduler) partitions(ctx context.Context) ([]string, error) { return partitions(ctx) }
