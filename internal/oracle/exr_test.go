package oracle

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/imageio/exr"
)

// TestOracleExr compares imageio/exr with OpenEXR 3.5 (its Python
// bindings) on:
//   - gen/<COMPRESSION>/<kind>-<seed>: random files OpenEXR writes (every
//     compression the bindings offer; HALF/FLOAT/UINT; odd sizes; data
//     window != display window, negative origins; sampled channels;
//     scanline, tiled, multi-part, deep) and MIPMAP files OpenImageIO
//     writes. Our decode must equal OpenEXR's bit for bit, lossy codecs
//     included: decoding is deterministic. A difference where every
//     differing sample is NaN on both sides is named <case>#nan-only, so
//     that a known line can cover exactly that.
//   - write/<COMPRESSION>/<kind>-<seed>: what exr.WriteFile (rgallery image
//     convert) writes from our decode must read back in OpenEXR with the
//     same values.
//   - stats/...: `rgallery image info --json` against `oiiotool --stats`.
//   - corpus/<path>: every file of ../shared/exr-images; the Damaged ones
//     must give an error (never a panic) when OpenEXR refuses them.
//
// -oracle.n sets the number of generated files (default 336, 24 per
// compression), -oracle.seed the first seed.
func TestOracleExr(t *testing.T) {
	Python(t)
	start := time.Now()
	tally := NewTally(t, "exr")
	defer tally.Report(t)

	n := N(336)
	seed := Seed(1)
	dir := t.TempDir()
	jobs := exrJobs(n, seed)
	answers := exrRunTolerant(t, []string{"gen", dir}, jobs)
	t.Logf("OpenEXR wrote and decoded %d files in %v", len(answers), time.Since(start).Round(time.Millisecond))

	counts := map[string]int{}
	refusedByOpenEXR := 0
	var decoded []exrDecoded
	for i, d := range answers {
		name := jobs[i]["name"].(string)
		comp := jobs[i]["compression"].(string)
		if d.refused() {
			// OpenEXR could not write or read its own random file: not a
			// case about our reader, but never silent.
			refusedByOpenEXR++
			t.Logf("%s: OpenEXR refused: %s", name, d.Error)
			continue
		}
		counts[comp]++
		diff, f := exrCheck(d)
		if strings.Contains(diff, exrNaNOnly) {
			name += "#nan-only"
		}
		tally.Case(t, name, diff)
		if diff == "" && f != nil && jobs[i]["kind"] != "deep" {
			// deep files are not rewritten (WriteFile wants them
			// flattened) nor given to oiiotool --stats
			decoded = append(decoded, exrDecoded{name: name, path: d.Path, file: f, kind: jobs[i]["kind"].(string)})
		}
	}
	var cs []string
	for c, k := range counts {
		cs = append(cs, fmt.Sprintf("%s %d", c, k))
	}
	sort.Strings(cs)
	t.Logf("generated cases per compression: %s; OpenEXR refused %d", strings.Join(cs, ", "), refusedByOpenEXR)

	phase := time.Now()
	bin := filepath.Join(t.TempDir(), "rgallery")
	build := exec.Command("go", "build", "-o", bin, "./cmd/rgallery")
	build.Dir = Root()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build rgallery: %v\n%s", err, out)
	}
	t.Logf("build rgallery: %v", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()
	exrWriteBack(t, tally, decoded, dir, bin, seed)
	t.Logf("write-back: %v", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()
	exrStats(t, tally, decoded, bin)
	t.Logf("stats: %v", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()
	exrTiledLevels(t, tally, max(8, n/16), seed)
	t.Logf("mip/rip levels: %v", time.Since(phase).Round(time.Millisecond))
	phase = time.Now()
	exrCorpus(t, tally)
	t.Logf("corpus: %v", time.Since(phase).Round(time.Millisecond))
	t.Logf("exr oracle run took %v", time.Since(start).Round(time.Millisecond))
}

type exrDecoded struct {
	name, path, kind string
	file             *exr.File
}

var exrCompressions = []string{"NONE", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24", "B44", "B44A", "DWAA", "DWAB", "HTJ2K256", "HTJ2K32", "LJ2K", "ZSTD"}

// exrJobs picks, from the seed, a compression (round robin, so every
// compression gets n/14 files) and a kind for each generated file.
func exrJobs(n int, seed uint64) []map[string]any {
	var jobs []map[string]any
	for i := 0; i < n; i++ {
		s := seed + uint64(i)
		r := rand.New(rand.NewPCG(s, 0x65787221))
		comp := exrCompressions[i%len(exrCompressions)]
		x := r.IntN(100)
		kind := "scan"
		switch {
		case x < 45:
			kind = "scan"
		case x < 70:
			kind = "tiled"
		case x < 88:
			kind = "multi"
		case x < 96 && i%len(exrCompressions) < 10: // OpenImageIO knows NONE..DWAB
			kind = "oiiomip"
		case x >= 96:
			kind = "deep"
		}
		if kind == "deep" && !(comp == "NONE" || comp == "RLE" || comp == "ZIPS" || comp == "ZSTD") {
			kind = "scan" // deep data takes NONE, RLE, ZIPS (and ZSTD) only
		}
		jobs = append(jobs, map[string]any{
			"name": fmt.Sprintf("gen/%s/%s-%d", comp, kind, s), "seed": s, "kind": kind, "compression": comp,
		})
	}
	return jobs
}

// exrCheck decodes one file with our reader and compares it with
// OpenEXR's dump; it returns the difference and our file.
func exrCheck(d exrDump) (string, *exr.File) {
	f, err := exrDecode(d.Path)
	if err != nil {
		return "ours: " + exrShortErr(err), nil
	}
	return exrCompare(f, &d, false), f
}

// exrWriteBack writes a subset of our decodes with exr.WriteFile and has
// OpenEXR read them.
func exrWriteBack(t *testing.T, tally *Tally, decoded []exrDecoded, dir, bin string, seed uint64) {
	var jobs []map[string]any
	var src []exrDecoded
	for i, d := range decoded {
		if i%6 != 0 {
			continue
		}
		name := "write/" + strings.TrimPrefix(d.name, "gen/")
		path := filepath.Join(dir, fmt.Sprintf("ours-%d.exr", i))
		if i%30 == 0 {
			// through the command users run
			name = "convert/" + strings.TrimPrefix(d.name, "gen/")
			if out, err := exec.Command(bin, "image", "convert", d.path, path).CombinedOutput(); err != nil {
				tally.Case(t, name, fmt.Sprintf("rgallery image convert: %v: %s", err, out))
				continue
			}
		} else {
			var b bytes.Buffer
			if err := exr.WriteFile(&b, d.file); err != nil {
				tally.Case(t, name, "WriteFile: "+err.Error())
				continue
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		jobs = append(jobs, map[string]any{"name": name, "path": path})
		src = append(src, d)
	}
	// rgallery's own render output (float RGB, ZIP), as WriteRGB writes it
	for k := 0; k < 6; k++ {
		r := rand.New(rand.NewPCG(seed+uint64(k), 0x726762))
		w, h := 1+r.IntN(130), 1+r.IntN(70)
		rgb := make([]float32, 3*w*h)
		for i := range rgb {
			rgb[i] = float32(r.NormFloat64() * 3)
		}
		if k%2 == 1 {
			for i := range rgb {
				rgb[i] = float32(i%17) * 0.25 // compressible
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("rgb-%d.exr", k))
		if err := exr.WriteFileRGB(path, w, h, rgb, map[string]string{"software": "rgallery oracle"}); err != nil {
			t.Fatal(err)
		}
		f, err := exr.Open(path)
		if err != nil {
			t.Fatalf("read back %s: %v", path, err)
		}
		name := fmt.Sprintf("write/rgb-%d", seed+uint64(k))
		jobs = append(jobs, map[string]any{"name": name, "path": path})
		src = append(src, exrDecoded{name: name, path: path, file: f})
	}
	if len(jobs) == 0 {
		return
	}
	for i, a := range exrRunTolerant(t, []string{"read", dir}, jobs) {
		diff := ""
		if a.refused() {
			diff = "OpenEXR cannot read what we wrote: " + a.Error
		} else {
			// OpenEXR names the parts of a multi-part file we wrote as we
			// named them; unnamed single parts stay single-part.
			diff = exrCompare(src[i].file, &a, true)
		}
		tally.Case(t, jobs[i]["name"].(string), diff)
	}
}

// exrStats compares `rgallery image info --json` with `oiiotool --stats`
// on single-part, unsampled files.
func exrStats(t *testing.T, tally *Tally, decoded []exrDecoded, bin string) {
	oiiotool := Tool(t, "oiiotool")
	var files, names []string
	for _, d := range decoded {
		if len(files) >= 16 {
			break
		}
		p := d.file.Parts[0]
		ok := len(d.file.Parts) == 1
		for _, c := range p.Channels {
			// oiiotool reads no sampled channels, and its UINT statistics
			// are not usable (it prints them as fractions of 2^32-1 with
			// the sign wrapped: "Max: 0 -1 0 (of 4294967295)").
			ok = ok && c.XSampling == 1 && c.YSampling == 1 && c.Type != exr.Uint
		}
		if ok {
			files = append(files, d.path)
			names = append(names, "stats/"+strings.TrimPrefix(d.name, "gen/"))
		}
	}
	if sd := SharedDir(); sd != "" {
		for _, rel := range []string{"ScanLines/Desk.exr", "TestImages/BrightRingsNanInf.exr", "Tiles/GoldenGate.exr", "DisplayWindow/t08.exr"} {
			if p := filepath.Join(sd, "exr-images", rel); fileExists(p) {
				files = append(files, p)
				names = append(names, "stats/corpus/"+rel)
			}
		}
	}
	for i, path := range files {
		name := names[i]
		out, err := exec.Command(bin, "image", "info", "--json", path).Output()
		if err != nil {
			tally.Case(t, name, "rgallery image info: "+err.Error())
			continue
		}
		var info struct {
			Parts []struct {
				Width, Height int
				Channels      []exrStat
			}
		}
		if err := json.Unmarshal(out, &info); err != nil {
			t.Fatalf("%s: image info --json: %v", path, err)
		}
		ref, err := exec.Command(oiiotool, "--stats", "-v", path).Output()
		if err != nil {
			tally.Case(t, name, "oiiotool --stats: "+err.Error())
			continue
		}
		tally.Case(t, name, exrStatsDiff(info.Parts[0].Width, info.Parts[0].Height, info.Parts[0].Channels, string(ref)))
	}
}

type exrStat struct {
	Name, Type    string
	Min, Max, Avg float64
	NaN, Inf      int
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// exrStatsDiff compares our size and per-channel statistics with
// oiiotool's text (channel order as oiiotool lists it).
func exrStatsDiff(w, h int, chans []exrStat, ref string) string {
	var names []string
	rows := map[string][]float64{}
	sc := bufio.NewScanner(strings.NewReader(ref))
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			first = false
			// "path :  644 x  874, 4 channel, half openexr"
			if i := strings.LastIndex(line, " : "); i >= 0 {
				var rw, rh int
				if _, err := fmt.Sscanf(strings.TrimSpace(line[i+3:]), "%d x %d", &rw, &rh); err == nil && (rw != w || rh != h) {
					return fmt.Sprintf("size: ours %dx%d, oiiotool %dx%d", w, h, rw, rh)
				}
			}
		}
		if rest, ok := strings.CutPrefix(line, "channel list:"); ok {
			for _, c := range strings.Split(rest, ",") {
				c = strings.TrimSpace(c)
				if i := strings.IndexByte(c, ' '); i >= 0 {
					c = c[:i] // "Z (float)"
				}
				names = append(names, c)
			}
		}
		for _, k := range []string{"Min", "Max", "Avg", "NanCount", "InfCount"} {
			if rest, ok := strings.CutPrefix(line, "Stats "+k+":"); ok {
				rest = strings.TrimSpace(rest)
				if i := strings.IndexByte(rest, '('); i >= 0 {
					rest = rest[:i]
				}
				for _, f := range strings.Fields(rest) {
					v, _ := strconv.ParseFloat(f, 64)
					rows[k] = append(rows[k], v)
				}
			}
		}
	}
	if len(names) != len(chans) {
		return fmt.Sprintf("channels: ours %d, oiiotool %v", len(chans), names)
	}
	close := func(a, b float64) bool {
		return math.Abs(a-b) <= 1e-6+1e-5*math.Abs(b)
	}
	for i, n := range names {
		var c *exrStat
		for j := range chans {
			if chans[j].Name == n {
				c = &chans[j]
			}
		}
		if c == nil {
			return fmt.Sprintf("oiiotool channel %q missing in ours", n)
		}
		if len(rows["Min"]) <= i || len(rows["Max"]) <= i || len(rows["Avg"]) <= i {
			return "oiiotool printed no stats for " + n
		}
		if !close(c.Min, rows["Min"][i]) || !close(c.Max, rows["Max"][i]) || !close(c.Avg, rows["Avg"][i]) {
			return fmt.Sprintf("channel %s: ours min %g max %g avg %g, oiiotool %g %g %g", n, c.Min, c.Max, c.Avg, rows["Min"][i], rows["Max"][i], rows["Avg"][i])
		}
		if len(rows["NanCount"]) > i && (float64(c.NaN) != rows["NanCount"][i] || float64(c.Inf) != rows["InfCount"][i]) {
			return fmt.Sprintf("channel %s: ours nan %d inf %d, oiiotool %g %g", n, c.NaN, c.Inf, rows["NanCount"][i], rows["InfCount"][i])
		}
	}
	return ""
}

// exrCorpus checks every file of ../shared/exr-images against OpenEXR.
func exrCorpus(t *testing.T, tally *Tally) {
	sd := SharedDir()
	if sd == "" {
		t.Log("no ../shared/exr-images: corpus skipped")
		return
	}
	root := filepath.Join(sd, "exr-images")
	var jobs []map[string]any
	_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		damaged := strings.HasPrefix(rel, "Damaged"+string(filepath.Separator))
		if !damaged && !strings.HasSuffix(p, ".exr") {
			return nil
		}
		if damaged && (strings.HasSuffix(p, ".rst") || strings.HasSuffix(p, ".md")) {
			return nil
		}
		jobs = append(jobs, map[string]any{"name": "corpus/" + filepath.ToSlash(rel), "path": p})
		return nil
	})
	answers := exrRunTolerant(t, []string{"read", t.TempDir()}, jobs)
	outcomes := map[string]int{}
	defer func() { t.Logf("corpus outcomes: %v", outcomes) }()
	for i, d := range answers {
		name := jobs[i]["name"].(string)
		d.Path = jobs[i]["path"].(string)
		t0 := time.Now()
		f, err := exrDecode(d.Path)
		took := time.Since(t0)
		var diff string
		switch {
		case err != nil && strings.HasPrefix(err.Error(), "PANIC"):
			diff = "ours: " + err.Error()
		case took > 10*time.Second:
			diff = fmt.Sprintf("ours took %v", took)
		case d.refused() && err != nil:
			diff = "" // both refuse
			outcomes["both refuse"]++
		case d.refused():
			diff = "ours reads a file OpenEXR refuses (" + strings.TrimSpace(d.Error+" "+d.Warnings) + ")"
		case err != nil:
			diff = "ours: " + exrShortErr(err)
		default:
			diff = exrCompare(f, &d, false)
			outcomes["both read"]++
		}
		tally.Case(t, name, diff)
	}
}
