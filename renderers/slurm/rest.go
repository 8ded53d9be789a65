package slurm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// restScheduler talks to slurmrestd's OpenAPI v0.0.38 (Slurm 22.05; later
// versions still serve it when the plugin is loaded) with a JWT:
//
//	RGALLERY_SLURMRESTD             base URL, e.g. http://127.0.0.1:6820
//	RGALLERY_SLURMRESTD_TOKEN       the token, else
//	RGALLERY_SLURMRESTD_TOKEN_FILE  a file holding it (re-read every call), else SLURM_JWT
//	RGALLERY_SLURMRESTD_USER        user name for the token, else SLURM_JWT_USER, else the current user
type restScheduler struct {
	base   string
	user   string
	client *http.Client
}

const restVersion = "v0.0.38"

func newREST(base string) (*restScheduler, error) {
	r := &restScheduler{base: strings.TrimRight(base, "/"), client: &http.Client{}}
	r.user = os.Getenv("RGALLERY_SLURMRESTD_USER")
	if r.user == "" {
		r.user = os.Getenv("SLURM_JWT_USER")
	}
	if r.user == "" {
		u, err := user.Current()
		if err != nil {
			return nil, fmt.Errorf("slurmrestd: user name for the token: %w", err)
		}
		r.user = u.Username
	}
	if _, err := r.token(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *restScheduler) token() (string, error) {
	if t := os.Getenv("RGALLERY_SLURMRESTD_TOKEN"); t != "" {
		return t, nil
	}
	if f := os.Getenv("RGALLERY_SLURMRESTD_TOKEN_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("slurmrestd token: %w", err)
		}
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, nil
		}
		return "", fmt.Errorf("slurmrestd token file %s is empty", f)
	}
	if t := os.Getenv("SLURM_JWT"); t != "" {
		return t, nil
	}
	return "", errors.New("RGALLERY_SLURMRESTD is set but there is no token: set RGALLERY_SLURMRESTD_TOKEN, RGALLERY_SLURMRESTD_TOKEN_FILE or SLURM_JWT (scontrol token)")
}

// restError is one entry of a response's "errors".
type restError struct {
	Error       string `json:"error"`
	ErrorNumber int    `json:"error_number"`
	Description string `json:"description"`
}

// errUnknownJob is slurmrestd's error 2017, "Invalid job id specified".
const errUnknownJob = 2017

// call does one request and decodes the JSON answer into out. Errors the
// answer lists come back as an error, except errUnknownJob, which is
// reported through unknown.
func (r *restScheduler) call(ctx context.Context, method, path string, body any, out any) (unknown bool, err error) {
	tok, err := r.token()
	if err != nil {
		return false, err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return false, err
		}
		rd = bytes.NewReader(b)
	}
	url := r.base + "/slurm/" + restVersion + path
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return false, fmt.Errorf("slurmrestd: %w", err)
	}
	req.Header.Set("X-SLURM-USER-NAME", r.user)
	req.Header.Set("X-SLURM-USER-TOKEN", tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("slurmrestd: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return false, fmt.Errorf("slurmrestd %s %s: %w", method, url, err)
	}
	var env struct {
		Errors []restError `json:"errors"`
	}
	_ = json.Unmarshal(data, &env)
	var msgs []string
	for _, e := range env.Errors {
		if e.ErrorNumber == errUnknownJob {
			unknown = true
			continue
		}
		msgs = append(msgs, strings.TrimSpace(e.Error+": "+e.Description))
	}
	if len(msgs) > 0 {
		return unknown, fmt.Errorf("slurmrestd %s %s: %s", method, path, strings.Join(msgs, "; "))
	}
	if resp.StatusCode/100 != 2 && !unknown {
		snippet := strings.TrimSpace(string(data))
		if len(snippet) > 200 {
			snippet = snippet[:200] + "..."
		}
		return false, fmt.Errorf("slurmrestd %s %s: HTTP %d (a bad or expired token gives 500): %s", method, path, resp.StatusCode, snippet)
	}
	if out != nil && !unknown {
		if err := json.Unmarshal(data, out); err != nil {
			return false, fmt.Errorf("slurmrestd %s %s: %w", method, path, err)
		}
	}
	return unknown, nil
}

func (r *restScheduler) submit(ctx context.Context, s jobSpec) (int64, error) {
	if len(s.Extra) > 0 {
		return 0, fmt.Errorf("option %s: not supported through slurmrestd (RGALLERY_SLURMRESTD is set); unset it to submit with sbatch", OptSbatchArgs)
	}
	script, err := os.ReadFile(s.Script)
	if err != nil {
		return 0, fmt.Errorf("read task script: %w", err)
	}
	// The job gets this process's environment, as sbatch's default
	// --export=ALL does, without the tokens.
	envMap := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || k == "SLURM_JWT" || k == "RGALLERY_SLURMRESTD_TOKEN" {
			continue
		}
		envMap[k] = v
	}
	job := map[string]any{
		"name":                      s.Name,
		"array":                     fmt.Sprintf("0-%d", s.Tasks-1),
		"current_working_directory": s.Dir,
		"standard_output":           s.Output,
		"cpus_per_task":             s.CPUs,
		"environment":               envMap,
	}
	// slurmrestd 22.05 crashes on a submission with "argv", so the task
	// script reads its arguments from task.args in its working directory.
	var args strings.Builder
	for _, a := range s.Args {
		if strings.ContainsAny(a, "\n\r") {
			return 0, fmt.Errorf("slurmrestd submission: argument %q contains a line break", a)
		}
		args.WriteString(a + "\n")
	}
	if err := writeAtomic(filepath.Join(s.Dir, "task.args"), []byte(args.String())); err != nil {
		return 0, err
	}
	if s.Partition != "" {
		job["partition"] = s.Partition
	}
	if s.Memory != "" {
		mb, err := memoryMB(s.Memory)
		if err != nil {
			return 0, err
		}
		job["memory_per_node"] = mb
	}
	if s.Time != "" {
		if min, ok, err := timeMinutes(s.Time); err != nil {
			return 0, err
		} else if ok {
			job["time_limit"] = min
		}
	}
	var out struct {
		JobID int64 `json:"job_id"`
	}
	if _, err := r.call(ctx, http.MethodPost, "/job/submit", map[string]any{"job": job, "script": string(script)}, &out); err != nil {
		return 0, err
	}
	if out.JobID <= 0 {
		return 0, errors.New("slurmrestd: job submit answered without a job id")
	}
	return out.JobID, nil
}

func (r *restScheduler) tasks(ctx context.Context, job int64) (map[int]taskState, bool, error) {
	var raw json.RawMessage
	unknown, err := r.call(ctx, http.MethodGet, "/job/"+strconv.FormatInt(job, 10), nil, &raw)
	if err != nil || unknown {
		return nil, false, err
	}
	return parseSqueue(raw, job)
}

func (r *restScheduler) known(ctx context.Context, job int64) (bool, error) {
	_, found, err := r.tasks(ctx, job)
	return found, err
}

func (r *restScheduler) cancel(ctx context.Context, job int64) error {
	_, err := r.call(ctx, http.MethodDelete, "/job/"+strconv.FormatInt(job, 10), nil, nil)
	return err
}

func (r *restScheduler) partitions(ctx context.Context) ([]string, error) {
	var out struct {
		Partitions []struct {
			Name string `json:"name"`
		} `json:"partitions"`
	}
	if _, err := r.call(ctx, http.MethodGet, "/partitions", nil, &out); err != nil {
		return nil, err
	}
	var ps []string
	for _, p := range out.Partitions {
		ps = append(ps, p.Name)
	}
	return ps, nil
}

// memoryMB converts sbatch --mem syntax (validated by reMem) to megabytes.
func memoryMB(s string) (int64, error) {
	unit := int64(1)
	num := s
	div := int64(1)
	switch s[len(s)-1] {
	case 'K':
		num, div = s[:len(s)-1], 1024
	case 'M':
		num = s[:len(s)-1]
	case 'G':
		num, unit = s[:len(s)-1], 1024
	case 'T':
		num, unit = s[:len(s)-1], 1024*1024
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/unit {
		return 0, fmt.Errorf("option %s = %q: want a size like 512M or 2G", OptMemory, s)
	}
	return (n*unit + div - 1) / div, nil
}

// timeMinutes converts sbatch --time syntax (validated by reTime) to whole
// minutes, rounded up; ok is false for UNLIMITED.
func timeMinutes(s string) (int64, bool, error) {
	if s == "UNLIMITED" || s == "INFINITE" {
		return 0, false, nil
	}
	bad := fmt.Errorf("option %s = %q: want minutes, MM:SS, HH:MM:SS or D-HH:MM:SS", OptTimeLimit, s)
	var days int64
	rest := s
	if d, r, ok := strings.Cut(s, "-"); ok {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil {
			return 0, false, bad
		}
		days, rest = n, r
	}
	parts := strings.Split(rest, ":")
	nums := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return 0, false, bad
		}
		nums[i] = n
	}
	var secs int64
	switch {
	case days > 0 || strings.Contains(s, "-"):
		// D-HH, D-HH:MM, D-HH:MM:SS
		secs = days * 86400
		mult := []int64{3600, 60, 1}
		for i, n := range nums {
			secs += n * mult[i]
		}
	case len(nums) == 1: // minutes
		secs = nums[0] * 60
	case len(nums) == 2: // MM:SS
		secs = nums[0]*60 + nums[1]
	default: // HH:MM:SS
		secs = nums[0]*3600 + nums[1]*60 + nums[2]
	}
	return (secs + 59) / 60, true, nil
}
