package slurm

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/usd"
)

// Option names.
const (
	OptTasks       = "tasks"
	OptSPP         = "spp"
	OptMaxBounces  = "maxBounces"
	OptSeed        = "seed"
	OptPartition   = "partition"
	OptCPUs        = "cpusPerTask"
	OptMemory      = "memory"
	OptTimeLimit   = "timeLimit"
	OptSbatchArgs  = "sbatchArgs"
	OptJobDirRoot  = "jobDirRoot"
	OptWorkerBin   = "workerBinary"
	OptStopTimeout = "stopTimeoutSeconds"

	// The render options below are the Local renderer's (renderers/local),
	// with its defaults, so a farm render of a scene matches a Local one.
	OptSubdivLevel      = "subdivLevel"
	OptDefaultLights    = "defaultLights"
	OptVariantFallbacks = "variantFallbacks"
	OptFilter           = "filter"
	OptAOVs             = "aovs"
	OptFilterGlossy     = "filterGlossy"
	OptDenoise          = "denoise"
	// OptAdaptiveThreshold is Local's adaptive sampling. The farm refuses
	// it (any value but 0): each task would stop pixels on the noise of its
	// own share of the samples, so the merged film would neither equal one
	// render of all the samples nor be what one adaptive render stops on.
	OptAdaptiveThreshold = "adaptiveThreshold"
)

// Defaults.
const (
	DefaultTasks   = 4
	DefaultSPP     = 64
	DefaultBounces = 4
	DefaultCPUs    = 1
	DefaultSubdiv  = 2 // usdscene.DefaultSubdivLevel, as Local
	// DefaultFilterGlossy is the Local renderer's and Cycles' Filter Glossy.
	DefaultFilterGlossy = 1.0
)

// Schema describes the options for forms and the CLI's --option.
func Schema() []bgrender.OptionSpec {
	f := func(v float64) *float64 { return &v }
	return []bgrender.OptionSpec{
		{Name: OptTasks, Label: "Tasks", Type: "int", Default: DefaultTasks, Min: f(1), Max: f(1000), Help: "array tasks, each rendering a disjoint share of the samples"},
		{Name: OptSPP, Label: "Samples per pixel", Type: "int", Default: DefaultSPP, Min: f(1), Max: f(65536), Help: "samples of the whole render, split over the tasks"},
		{Name: OptMaxBounces, Label: "Max bounces", Type: "int", Default: DefaultBounces, Min: f(0), Max: f(64)},
		{Name: OptSeed, Label: "Seed", Type: "int", Default: 0, Min: f(0), Max: f(math.MaxUint32)},
		{Name: OptPartition, Label: "Partition", Type: "string", Default: "", Help: "empty: the cluster's default partition"},
		{Name: OptCPUs, Label: "CPUs per task", Type: "int", Default: DefaultCPUs, Min: f(1), Max: f(1024), Help: "also the worker's render threads"},
		{Name: OptMemory, Label: "Memory per task", Type: "string", Default: "", Help: "sbatch --mem, e.g. 2G; empty: the partition's default"},
		{Name: OptTimeLimit, Label: "Time limit", Type: "string", Default: "", Help: "sbatch --time, e.g. 30, 1:30:00, 2-00:00:00"},
		{Name: OptSbatchArgs, Label: "Extra sbatch arguments", Type: "string", Default: "", Help: "space-separated --name=value arguments, e.g. --qos=render --nice=10"},
		{Name: OptJobDirRoot, Label: "Job dir root", Type: "string", Default: "", Help: "shared path the nodes see; empty: $RGALLERY_FARM_DIR, else $RGALLERY_DIR/farm, else the user cache dir's rgallery/farm"},
		{Name: OptWorkerBin, Label: "rgallery on the nodes", Type: "string", Default: "", Help: "path of the rgallery binary on the nodes; empty: this binary"},
		{Name: OptStopTimeout, Label: "Stop timeout (s)", Type: "int", Default: 60, Min: f(1), Max: f(3600), Help: "how long Stop waits for every task to end after scancel"},
		{Name: OptSubdivLevel, Label: "Subdivision level", Type: "int", Default: DefaultSubdiv, Min: f(0), Max: f(5), Help: "refinements of subdivision surfaces (Catmull-Clark, Loop); 0 renders control meshes"},
		{Name: OptFilter, Label: "Pixel filter", Type: "choice", Default: "box", Choices: []string{"box", "blackman-harris"}, Help: "box, or Blackman-Harris 1.5 px as Cycles renders; the merge stays exact with either"},
		{Name: OptVariantFallbacks, Label: "Variant fallbacks", Type: "string", Default: "", Help: "SET=SEL[,SEL...] with ';' between sets: the variant to use where the scene selects none (e.g. standin=render); empty: $" + usd.VariantFallbacksEnv},
		{Name: OptFilterGlossy, Label: "Filter glossy", Type: "float", Default: DefaultFilterGlossy, Min: f(0), Max: f(10), Help: "Cycles' Filter Glossy: blurs sharp highlights seen after rough bounces, removing most caustic fireflies at a small bias; 0 is unbiased; every task uses the same value, so the merge stays exact"},
		{Name: OptAOVs, Label: "AOV layers", Type: "choice", Default: "on", Choices: []string{"on", "off"}, Help: "albedo, normal, depth, emission and diffuse/specular direct/indirect as layers of the merged EXR, each merged exactly"},
		{Name: OptDenoise, Label: "Denoise", Type: "choice", Default: "off", Choices: []string{"off", "on"}, Help: "a denoised copy of the merged image (guided by albedo, normal, depth) as the EXR layer \"denoised\" and in the preview; the raw image stays the main layer"},
		{Name: OptDefaultLights, Label: "Default lights", Type: "choice", Default: "auto", Choices: []string{"auto", "on", "off"}, Help: "a soft dome plus a key light from the camera's side; auto adds them only when the stage has no light"},
	}
}

// config is the validated form of the plugin options.
type config struct {
	Tasks, SPP, Bounces, CPUs int
	Seed                      uint32
	Partition, Memory, Time   string
	Extra                     []string
	Root, Worker              string
	StopTimeout               int

	// Passed to every task's worker.
	Subdiv               int
	Lights, Filter, AOVs string
	FilterGlossy         float64
	Fallbacks            string // as written; "" leaves $RGALLERY_VARIANT_FALLBACKS to the worker
	FallbackMap          map[string][]string
	// Denoise is applied to the merged film, not in the tasks.
	Denoise bool
}

var (
	// Slurm names (partitions) are plain words.
	reName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	// sbatch --mem: a number with an optional unit.
	reMem = regexp.MustCompile(`^[0-9]+[KMGT]?$`)
	// sbatch --time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
	reTime = regexp.MustCompile(`^([0-9]+|[0-9]+:[0-9]{1,2}|[0-9]+:[0-9]{1,2}:[0-9]{1,2}|[0-9]+-[0-9]{1,2}(:[0-9]{1,2}){0,2}|UNLIMITED|INFINITE)$`)
	// An extra argument: --long-name or --long-name=value with a plain value.
	reArg = regexp.MustCompile(`^--[a-z][a-z0-9-]*(=[A-Za-z0-9_.,:+@%/=-]+)?$`)
)

// reservedArgs are sbatch options the renderer sets itself or that would
// change what runs or where its output goes.
var reservedArgs = map[string]bool{
	"--array": true, "--wrap": true, "--parsable": true, "--output": true, "--error": true,
	"--input": true, "--chdir": true, "--export": true, "--export-file": true, "--job-name": true,
	"--cpus-per-task": true, "--mem": true, "--time": true, "--partition": true, "--wait": true,
	"--test-only": true, "--uid": true, "--gid": true, "--ntasks": true, "--nodes": true,
}

// parseConfig validates the options. Errors name the option and say what
// was expected.
func parseConfig(opts map[string]any) (config, error) {
	c := config{}
	var err error
	if c.Tasks, err = bgrender.IntOption(opts, OptTasks, DefaultTasks, 1, 1000); err != nil {
		return c, err
	}
	if c.SPP, err = bgrender.IntOption(opts, OptSPP, DefaultSPP, 1, 65536); err != nil {
		return c, err
	}
	if c.Tasks > c.SPP {
		return c, fmt.Errorf("option %s = %d: more tasks than samples per pixel (%d); every task needs at least one sample", OptTasks, c.Tasks, c.SPP)
	}
	if c.Bounces, err = bgrender.IntOption(opts, OptMaxBounces, DefaultBounces, 0, 64); err != nil {
		return c, err
	}
	// Seeds are uint32; on a 32-bit platform int stops at MaxInt32.
	seed, err := bgrender.IntOption(opts, OptSeed, 0, 0, int(min(math.MaxUint32, uint64(math.MaxInt))))
	if err != nil {
		return c, err
	}
	c.Seed = uint32(seed)
	if c.CPUs, err = bgrender.IntOption(opts, OptCPUs, DefaultCPUs, 1, 1024); err != nil {
		return c, err
	}
	if c.StopTimeout, err = bgrender.IntOption(opts, OptStopTimeout, 60, 1, 3600); err != nil {
		return c, err
	}
	c.Partition = strOpt(opts, OptPartition)
	if c.Partition != "" && !reName.MatchString(c.Partition) {
		return c, fmt.Errorf("option %s = %q: want a partition name (letters, digits, _ . -)", OptPartition, c.Partition)
	}
	c.Memory = strOpt(opts, OptMemory)
	if c.Memory != "" && !reMem.MatchString(c.Memory) {
		return c, fmt.Errorf("option %s = %q: want a size like 512M or 2G", OptMemory, c.Memory)
	}
	c.Time = strOpt(opts, OptTimeLimit)
	if c.Time != "" && !reTime.MatchString(c.Time) {
		return c, fmt.Errorf("option %s = %q: want minutes, MM:SS, HH:MM:SS or D-HH:MM:SS", OptTimeLimit, c.Time)
	}
	if c.Extra, err = parseExtraArgs(strOpt(opts, OptSbatchArgs)); err != nil {
		return c, err
	}
	c.Root = strOpt(opts, OptJobDirRoot)
	if c.Root == "" {
		c.Root = defaultRoot()
	}
	if !filepath.IsAbs(c.Root) {
		return c, fmt.Errorf("option %s = %q: want an absolute path the nodes can reach", OptJobDirRoot, c.Root)
	}
	c.Worker = strOpt(opts, OptWorkerBin)
	if c.Worker != "" && !filepath.IsAbs(c.Worker) {
		return c, fmt.Errorf("option %s = %q: want an absolute path", OptWorkerBin, c.Worker)
	}
	if err := parseRenderOptions(opts, &c); err != nil {
		return c, err
	}
	return c, nil
}

// parseRenderOptions reads the render options the tasks' workers get, with
// the Local renderer's names, defaults and ranges.
func parseRenderOptions(opts map[string]any, c *config) error {
	var err error
	if c.Subdiv, err = bgrender.IntOption(opts, OptSubdivLevel, DefaultSubdiv, 0, 5); err != nil {
		return err
	}
	if c.Lights, err = choiceOpt(opts, OptDefaultLights, "auto", "auto", "on", "off"); err != nil {
		return err
	}
	if c.Filter, err = choiceOpt(opts, OptFilter, "box", "box", "blackman-harris"); err != nil {
		return err
	}
	if c.AOVs, err = choiceOpt(opts, OptAOVs, "on", "on", "off"); err != nil {
		return err
	}
	if c.FilterGlossy, err = bgrender.FloatOption(opts, OptFilterGlossy, DefaultFilterGlossy, 0, 10); err != nil {
		return err
	}
	denoise, err := choiceOpt(opts, OptDenoise, "off", "off", "on")
	if err != nil {
		return err
	}
	c.Denoise = denoise == "on"
	if c.Denoise && c.AOVs == "off" {
		return fmt.Errorf("option %s = on needs %s = on (the denoiser is guided by albedo, normal and depth)", OptDenoise, OptAOVs)
	}
	if v, ok := opts[OptAdaptiveThreshold]; ok && v != nil {
		f, err := strconv.ParseFloat(strings.TrimSpace(fmt.Sprint(v)), 64)
		if err != nil || f != 0 {
			return fmt.Errorf("option %s = %v: not supported on the farm (each task would stop pixels on its own share of the samples and the merge would no longer equal one render); leave it 0 and set %s", OptAdaptiveThreshold, v, OptSPP)
		}
	}
	if v, ok := opts[OptVariantFallbacks]; ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("option %s = %v: want a string SET=SEL[,SEL...] with ';' between sets", OptVariantFallbacks, v)
		}
		c.Fallbacks = strings.TrimSpace(s)
	}
	if strings.ContainsFunc(c.Fallbacks, unicode.IsControl) {
		// task.args holds one argument per line.
		return fmt.Errorf("option %s = %q: control characters are not allowed", OptVariantFallbacks, c.Fallbacks)
	}
	spec := c.Fallbacks
	if spec == "" {
		spec = os.Getenv(usd.VariantFallbacksEnv) // what the workers will use
	}
	if c.FallbackMap, err = usd.ParseVariantFallbacks(spec); err != nil {
		if c.Fallbacks == "" {
			return fmt.Errorf("$%s: %w", usd.VariantFallbacksEnv, err)
		}
		return fmt.Errorf("option %s = %q: %w", OptVariantFallbacks, c.Fallbacks, err)
	}
	return nil
}

// choiceOpt reads a choice option: def when absent, an error naming it and
// the choices when it is not one of them.
func choiceOpt(opts map[string]any, name, def string, choices ...string) (string, error) {
	v, ok := opts[name]
	if !ok || v == nil {
		return def, nil
	}
	if s, ok := v.(string); ok && slices.Contains(choices, s) {
		return s, nil
	}
	want := strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
	return "", fmt.Errorf("option %s = %v: want %s", name, v, want)
}

// parseExtraArgs splits the extra sbatch arguments on white space (there is
// no quoting: the arguments never pass through a shell) and refuses what is
// not a plain --name=value or would override the renderer's own options.
func parseExtraArgs(s string) ([]string, error) {
	var out []string
	for _, a := range strings.Fields(s) {
		if !reArg.MatchString(a) {
			return nil, fmt.Errorf("option %s: argument %q refused: want --name or --name=value with letters, digits and _ . , : + @ %% / = - only", OptSbatchArgs, a)
		}
		name, _, _ := strings.Cut(a, "=")
		if reservedArgs[name] {
			return nil, fmt.Errorf("option %s: argument %q refused: %s is set by the renderer or changes what the job runs", OptSbatchArgs, a, name)
		}
		out = append(out, a)
	}
	return out, nil
}

// defaultRoot is where job dirs go when the options do not say:
// $RGALLERY_FARM_DIR, else $RGALLERY_DIR/farm (inside the gallery), else
// <user cache dir>/rgallery/farm. A renderer is not told its gallery's
// directory (Host has no such method), so --gallery alone does not move it.
func defaultRoot() string {
	if d := os.Getenv("RGALLERY_FARM_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("RGALLERY_DIR"); d != "" {
		return filepath.Join(d, "farm")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "rgallery", "farm")
	}
	return filepath.Join(os.TempDir(), "rgallery-farm")
}

func strOpt(opts map[string]any, name string) string {
	v, ok := opts[name]
	if !ok || v == nil {
		return ""
	}
	return strings.TrimSpace(fmt.Sprint(v))
}
