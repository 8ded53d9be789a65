package slurm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// The Slurm client: the standard command-line tools, run with argv (never a
// shell). They find the cluster the usual way (SLURM_CONF or
// /etc/slurm/slurm.conf).

// taskState is what the queue says about one array task.
type taskState struct {
	Task     int
	JobID    int64  // the task's own job id
	State    string // PENDING, RUNNING, COMPLETING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...
	Reason   string // pending or failure reason ("None" when there is none)
	ExitCode int    // raw wait status: exit 3 is 768, SIGTERM is 15
	Start    time.Time
	End      time.Time
}

// terminal reports whether the task has ended and none of its processes is
// left (a task being cleaned up shows COMPLETING).
func (t taskState) terminal() bool {
	switch t.State {
	case "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
		"BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "SPECIAL_EXIT", "REVOKED":
		return true
	}
	return false
}

// exitString formats a raw wait status as Slurm's "exit:signal".
func exitString(status int) string {
	return fmt.Sprintf("%d:%d", status>>8, status&0x7f)
}

// errVanished means the job is not known to slurmctld any more.
var errVanished = errors.New("job is not in the queue")

func isVanished(err error) bool { return errors.Is(err, errVanished) }

// run runs a Slurm tool and returns its stdout; the error carries stderr.
func run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		if msg != "" {
			return out.Bytes(), fmt.Errorf("%s: %s (%w)", name, msg, err)
		}
		return out.Bytes(), fmt.Errorf("%s: %w", name, err)
	}
	return out.Bytes(), nil
}

// submit runs sbatch with args and returns the job id.
func submit(ctx context.Context, args []string) (int64, error) {
	out, err := run(ctx, "sbatch", args...)
	if err != nil {
		return 0, err
	}
	// --parsable prints "jobid" or "jobid;cluster".
	s := strings.TrimSpace(string(out))
	s, _, _ = strings.Cut(s, ";")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("sbatch: unexpected output %q, want a job id", strings.TrimSpace(string(out)))
	}
	return id, nil
}

// partitions lists the cluster's partition names.
func partitions(ctx context.Context) ([]string, error) {
	out, err := run(ctx, "sinfo", "-h", "-o", "%R")
	if err != nil {
		return nil, err
	}
	var ps []string
	seen := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		if !seen[l] {
			seen[l] = true
			ps = append(ps, l)
		}
	}
	return ps, nil
}

// cancel runs scancel on the whole array.
func cancel(ctx context.Context, job int64) error {
	_, err := run(ctx, "scancel", strconv.FormatInt(job, 10))
	return err
}

// squeueJob is the part of a `squeue --json` job record we read (OpenAPI
// v0.0.38 and later keep these names).
type squeueJob struct {
	JobID           json.RawMessage `json:"job_id"`
	ArrayJobID      json.RawMessage `json:"array_job_id"`
	ArrayTaskID     json.RawMessage `json:"array_task_id"`
	ArrayTaskString string          `json:"array_task_string"`
	JobState        json.RawMessage `json:"job_state"`
	StateReason     string          `json:"state_reason"`
	ExitCode        json.RawMessage `json:"exit_code"`
	StartTime       json.RawMessage `json:"start_time"`
	EndTime         json.RawMessage `json:"end_time"`
}

// queueTasks returns the state of every task of array job `job` that the
// queue lists, by task index. found is false when the queue does not know
// the job at all.
func queueTasks(ctx context.Context, job int64) (map[int]taskState, bool, error) {
	// -j is ignored by 22.05's --json but honoured by later versions.
	out, err := run(ctx, "squeue", "--json", "-j", strconv.FormatInt(job, 10))
	if err != nil {
		if strings.Contains(err.Error(), "Invalid job id") {
			return nil, false, nil // a version that honours -j no longer knows it
		}
		return nil, false, err
	}
	return parseSqueue(out, job)
}

func parseSqueue(data []byte, job int64) (map[int]taskState, bool, error) {
	var doc struct {
		Jobs []squeueJob `json:"jobs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, false, fmt.Errorf("squeue --json: %w", err)
	}
	tasks := map[int]taskState{}
	found := false
	for _, j := range doc.Jobs {
		jobID, _ := jsonOptInt(j.JobID)
		arrayID, _ := jsonOptInt(j.ArrayJobID)
		if arrayID != job && jobID != job {
			continue
		}
		found = true
		st := taskState{
			JobID:    jobID,
			State:    jsonState(j.JobState),
			Reason:   j.StateReason,
			ExitCode: int(jsonInt(j.ExitCode)),
			Start:    unixTime(jsonInt(j.StartTime)),
			End:      unixTime(jsonInt(j.EndTime)),
		}
		if j.ArrayTaskString != "" {
			// Pending tasks not yet split off the array: "2-3", "0-7%2", "1,3,5-6".
			idx, err := expandTaskString(j.ArrayTaskString)
			if err != nil {
				return nil, false, fmt.Errorf("squeue --json: job %d: %w", jobID, err)
			}
			for _, i := range idx {
				st.Task = i
				st.Start = time.Time{}
				tasks[i] = st
			}
			continue
		}
		task, ok := jsonOptInt(j.ArrayTaskID)
		if !ok {
			continue // not an array task
		}
		st.Task = int(task)
		tasks[st.Task] = st
	}
	return tasks, found, nil
}

// jsonState reads job_state, a string in v0.0.38 and a list of strings in
// later versions (the first is the base state, COMPLETING among them wins).
func jsonState(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var l []string
	if json.Unmarshal(raw, &l) == nil && len(l) > 0 {
		for _, x := range l {
			if x == "COMPLETING" {
				return x
			}
		}
		return l[0]
	}
	return string(raw)
}

// jsonOptInt reads a number that may be null or {"set":false,...}.
func jsonOptInt(raw json.RawMessage) (int64, bool) {
	var n *int64
	if json.Unmarshal(raw, &n) == nil {
		if n == nil {
			return 0, false
		}
		return *n, true
	}
	var w struct {
		Set    bool  `json:"set"`
		Number int64 `json:"number"`
	}
	if json.Unmarshal(raw, &w) == nil && w.Set {
		return w.Number, true
	}
	return 0, false
}

// jsonInt reads a number that newer Slurm wraps as {"set":true,"number":N}
// or, for exit codes, {"return_code":{"number":N},"signal":{...}}.
func jsonInt(raw json.RawMessage) int64 {
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	var wrapped struct {
		Number     *int64 `json:"number"`
		ReturnCode *struct {
			Number int64 `json:"number"`
		} `json:"return_code"`
		Signal *struct {
			ID *struct {
				Number int64 `json:"number"`
			} `json:"id"`
		} `json:"signal"`
	}
	if json.Unmarshal(raw, &wrapped) == nil {
		switch {
		case wrapped.Number != nil:
			return *wrapped.Number
		case wrapped.ReturnCode != nil:
			v := wrapped.ReturnCode.Number << 8
			if wrapped.Signal != nil && wrapped.Signal.ID != nil {
				v |= wrapped.Signal.ID.Number
			}
			return v
		}
	}
	return 0
}

func unixTime(s int64) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

// expandTaskString expands an array task list such as "0-3", "2-7%2" or
// "1,4-5".
func expandTaskString(s string) ([]int, error) {
	s, _, _ = strings.Cut(s, "%")
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("array task list %q: bad index %q", s, lo)
		}
		b := a
		if isRange {
			step := 1
			hi, st, hasStep := strings.Cut(hi, ":")
			if b, err = strconv.Atoi(hi); err != nil {
				return nil, fmt.Errorf("array task list %q: bad index %q", s, hi)
			}
			if hasStep {
				if step, err = strconv.Atoi(st); err != nil || step < 1 {
					return nil, fmt.Errorf("array task list %q: bad step %q", s, st)
				}
			}
			if b < a || b-a > 1<<20 {
				return nil, fmt.Errorf("array task list %q: bad range %d-%d", s, a, b)
			}
			for i := a; i <= b; i += step {
				out = append(out, i)
			}
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

// showJob reads `scontrol show job -o JOB`: one record per task, as
// key=value maps. A job slurmctld no longer knows gives errVanished.
func showJob(ctx context.Context, job int64) ([]map[string]string, error) {
	out, err := run(ctx, "scontrol", "show", "job", "-o", strconv.FormatInt(job, 10))
	if err != nil {
		if strings.Contains(err.Error(), "Invalid job id") {
			return nil, fmt.Errorf("job %d: %w", job, errVanished)
		}
		return nil, err
	}
	var recs []map[string]string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		recs = append(recs, parseScontrolLine(line))
	}
	return recs, nil
}

// parseScontrolLine splits "Key=Value Key2=Value two ..." as scontrol -o
// prints it. Values may contain spaces (Command=, Reason=); a token without
// "=" continues the previous value.
func parseScontrolLine(line string) map[string]string {
	m := map[string]string{}
	last := ""
	for _, f := range strings.Fields(line) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" || !isKey(k) {
			if last != "" {
				m[last] += " " + f
			}
			continue
		}
		m[k] = v
		last = k
	}
	return m
}

func isKey(s string) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '/' || r == ':') {
			return false
		}
	}
	return true
}
