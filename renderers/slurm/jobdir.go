package slurm

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rgallery/rgallery/usd"
)

// A job dir holds everything of one farm render:
//
//	scene/...          the scene and its dependency closure, relative layout kept
//	task.sh            the task script (static text; values come as arguments)
//	task.args          its arguments, one per line (slurmrestd submissions only)
//	state.json         what re-attaching needs (job id, tasks, spp, submit time)
//	focus              "SEQ X Y", the latest click, written atomically
//	task-N.film        task N's raw film, rewritten after every pass
//	task-N.jsonl       task N's stats lines (worker stdout)
//	task-N.err         task N's stderr
//	slurm-N.out        Slurm's own output file of task N
//	render.exr/.png    the merged image and its preview

// jobState is state.json.
type jobState struct {
	JobID     int64     `json:"jobId"`
	Tasks     int       `json:"tasks"`
	SPP       int       `json:"spp"`
	Scene     string    `json:"scene"` // the packaged scene
	Source    string    `json:"source"`
	Submitted time.Time `json:"submitted"`
}

func writeState(dir string, st jobState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, "state.json"), b)
}

func readState(dir string) (jobState, error) {
	var st jobState
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return st, fmt.Errorf("read job state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("read job state %s: %w", filepath.Join(dir, "state.json"), err)
	}
	if st.JobID <= 0 || st.Tasks <= 0 || st.SPP <= 0 {
		return st, fmt.Errorf("job state %s: want jobId, tasks and spp > 0", filepath.Join(dir, "state.json"))
	}
	return st, nil
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// packageScene copies scene and every file of its closure into dir/scene,
// keeping their layout relative to the closure's common parent directory,
// so relative asset paths still resolve. It returns the copied scene's path
// and the number of files. Files the stage names but cannot find are
// reported in warnings; the render may still work without them.
//
// opts are the stage options the workers use (variant fallbacks), so the
// stage read here is the one they compose. The closure does not depend on
// them today: usd.Stage.Deps walks the layers and lists the files of every
// variant, selected or not, as UsdUtilsComputeAllDependencies does.
func packageScene(scene, dir string, opts ...usd.OpenOption) (string, int, []string, error) {
	abs, err := filepath.Abs(scene)
	if err != nil {
		return "", 0, nil, err
	}
	files := []string{abs}
	var warnings []string
	stage, err := usd.Open(abs, opts...)
	if err != nil {
		// The worker will report the scene's problem in detail; the farm
		// still needs the file itself.
		warnings = append(warnings, fmt.Sprintf("dependencies of %s not read: %v", scene, err))
	} else {
		for _, d := range stage.DepReport() {
			if d.Missing {
				warnings = append(warnings, fmt.Sprintf("%s %q named in %s is missing", d.Kind, d.Authored, d.From))
			}
		}
		for _, f := range stage.Deps() {
			if f != abs {
				files = append(files, f)
			}
		}
	}
	root := filepath.Dir(abs)
	for _, f := range files[1:] {
		root = commonDir(root, filepath.Dir(f))
	}
	dst := filepath.Join(dir, "scene")
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			return "", 0, nil, err
		}
		if err := copyFile(f, filepath.Join(dst, rel)); err != nil {
			return "", 0, nil, err
		}
	}
	rel, _ := filepath.Rel(root, abs)
	return filepath.Join(dst, rel), len(files), warnings, nil
}

func commonDir(a, b string) string {
	for {
		if a == b || strings.HasPrefix(b, a+string(filepath.Separator)) || a == string(filepath.Separator) {
			return a
		}
		a = filepath.Dir(a)
	}
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("package scene: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("package scene: %w", err)
	}
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("package scene: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("package scene: copy %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("package scene: %w", err)
	}
	return nil
}

// taskScript is the array task. Everything variable arrives as arguments
// ("$@"), so nothing from the options is ever parsed by a shell. The worker
// reads commands on stdin; the loop below turns changes of the job dir's
// focus file into "focus X Y" lines, which is how clicks reach the nodes.
const taskScript = `#!/bin/bash
# rgallery Slurm Farm task: renders one share of the samples with
# rgallery render-worker. Arguments:
#   JOBDIR WORKER SPP TASKS SEED BOUNCES THREADS RES CAMERA SETTINGS
#   SUBDIV LIGHTS FILTER AOVS FALLBACKS SCENE
set -u
# Submitted through slurmrestd, the arguments come one per line in task.args.
if [ $# -eq 0 ] && [ -f task.args ]; then
  mapfile -t _args <task.args
  set -- "${_args[@]}"
fi
if [ $# -ne 17 ]; then
  echo "rgallery task: want 17 arguments, got $#" >&2
  exit 2
fi
jobdir=$1 worker=$2 spp=$3 tasks=$4 seed=$5 bounces=$6 threads=$7 res=$8 camera=$9 settings=${10}
subdiv=${11} lights=${12} filter=${13} aovs=${14} glossy=${15} fallbacks=${16} scene=${17}
t=${SLURM_ARRAY_TASK_ID:?rgallery task: not run as an array task}
a=$(( t * spp / tasks ))
b=$(( (t + 1) * spp / tasks ))
out="$jobdir/task-$t"
args=(render-worker --spp "$spp" --samples "$a:$b" --seed "$seed" --max-bounces "$bounces"
      --threads "$threads" --film "$out.film"
      --subdiv-level "$subdiv" --default-lights "$lights" --filter "$filter" --aovs "$aovs"
      --filter-glossy "$glossy")
# Empty: the worker reads $RGALLERY_VARIANT_FALLBACKS, passed on by Slurm.
[ -n "$fallbacks" ] && args+=(--variant-fallbacks "$fallbacks")
[ -n "$res" ] && args+=(--res "$res")
[ -n "$camera" ] && args+=(--camera "$camera")
[ -n "$settings" ] && args+=(--render-settings "$settings")
args+=("$scene")

coproc WORKER { exec "$worker" "${args[@]}" >"$out.jsonl" 2>"$out.err"; }
# Take the pid and the pipe at once: bash unsets WORKER_PID and WORKER when
# it reaps the coprocess, which a worker that fails at once (a bad flag)
# makes happen before the next line. $! keeps the pid and wait its status.
wpid=$! wfd=${WORKER[1]:-}
{ exec 3>&"${wfd:-99}"; } 2>/dev/null || exec 3>/dev/null
# scancel signals every process of the task; pass it on and keep waiting so
# the worker can write its last film.
trap 'kill -TERM "$wpid" 2>/dev/null' TERM INT
last=""
while kill -0 "$wpid" 2>/dev/null; do
  if [ -f "$jobdir/focus" ]; then
    cur=$(cat "$jobdir/focus" 2>/dev/null)
    if [ -n "$cur" ] && [ "$cur" != "$last" ]; then
      last=$cur
      read -r _ x y <<<"$cur"
      echo "focus $x $y" >&3 2>/dev/null
    fi
  fi
  sleep 0.5 & wait $!
done
# A trapped signal interrupts wait (status > 128); wait again while the
# worker is still writing.
wait "$wpid"
rc=$?
while kill -0 "$wpid" 2>/dev/null; do
  wait "$wpid"
  rc=$?
done
exec 3>&-
if [ $rc -ne 0 ]; then
  echo "rgallery task $t: render-worker exited with status $rc: $(tail -n 1 "$out.err" 2>/dev/null)" >&2
fi
exit $rc
`
