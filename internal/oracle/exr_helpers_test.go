package oracle

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rgallery/rgallery/imageio/exr"
)

// exrDump is scripts/oracle/exr_gen.py's answer for one file: OpenEXR's
// decode of every channel, samples in .bin files.
type exrDump struct {
	Name  string `json:"name"`
	Path  string `json:"path"`
	Error string `json:"error"`
	// Warnings is what OpenEXR printed while reading: the bindings skip a
	// part they cannot read with a warning.
	Warnings string        `json:"warnings"`
	Parts    []exrDumpPart `json:"parts"`
}

type exrDumpPart struct {
	Name   string         `json:"name"`
	Deep   bool           `json:"deep"`
	Counts string         `json:"counts"` // deep: samples per pixel, uint32 .bin
	Levels []exrDumpLevel `json:"levels"`
}

type exrDumpLevel struct {
	LX       int              `json:"lx"`
	LY       int              `json:"ly"`
	Width    int              `json:"width"`
	Height   int              `json:"height"`
	Channels []exrDumpChannel `json:"channels"`
}

type exrDumpChannel struct {
	Name string `json:"name"`
	Type string `json:"type"`
	XS   int    `json:"xs"`
	YS   int    `json:"ys"`
	W    int    `json:"w"`
	H    int    `json:"h"`
	Bin  string `json:"bin"`
}

// refused reports whether OpenEXR could not read the file: an error, or
// (the bindings print a warning and go on) a part without channels.
func (d *exrDump) refused() bool {
	if d.Error != "" || d.Warnings != "" || len(d.Parts) == 0 {
		return true
	}
	for _, p := range d.Parts {
		if !p.Deep && (len(p.Levels) == 0 || len(p.Levels[0].Channels) == 0) {
			return true
		}
	}
	return false
}

func (d *exrDump) hasDeep() bool {
	for _, p := range d.Parts {
		if p.Deep {
			return true
		}
	}
	return false
}

// exrDecode reads a file with our decoder, turning a panic into an error
// so that one bad case cannot stop the suite.
func exrDecode(path string) (f *exr.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("PANIC: %v", r)
		}
	}()
	return exr.Open(path)
}

// exrCompare compares our decode with OpenEXR's, bit for bit, and returns
// the first difference ("" when they agree). convertedHalf says that our
// HALF channels were written as FLOAT (files from WriteFile read back).
func exrCompare(f *exr.File, d *exrDump, convertedHalf bool) string {
	if len(f.Parts) != len(d.Parts) {
		return fmt.Sprintf("parts: ours %d, OpenEXR %d", len(f.Parts), len(d.Parts))
	}
	for pi, dp := range d.Parts {
		p := f.Parts[pi]
		if p.Name != dp.Name {
			return fmt.Sprintf("part %d name: ours %q, OpenEXR %q", pi, p.Name, dp.Name)
		}
		if dp.Deep {
			if s := exrCompareDeep(p, dp); s != "" {
				return fmt.Sprintf("part %d (deep): %s", pi, s)
			}
			continue
		}
		for _, dl := range dp.Levels {
			var lv *exr.Level
			for _, l := range p.Levels {
				if l.LX == dl.LX && l.LY == dl.LY {
					lv = l
				}
			}
			if lv == nil {
				return fmt.Sprintf("part %d: no level (%d,%d)", pi, dl.LX, dl.LY)
			}
			if lv.Width != dl.Width || lv.Height != dl.Height {
				return fmt.Sprintf("part %d level (%d,%d): ours %dx%d, OpenEXR %dx%d", pi, dl.LX, dl.LY, lv.Width, lv.Height, dl.Width, dl.Height)
			}
			ours := map[string]*exr.Channel{}
			var names []string
			for _, c := range lv.Channels {
				ours[c.Name] = c
				names = append(names, c.Name)
			}
			if len(names) != len(dl.Channels) {
				return fmt.Sprintf("part %d level (%d,%d) channels: ours %v, OpenEXR %d", pi, dl.LX, dl.LY, names, len(dl.Channels))
			}
			for _, dc := range dl.Channels {
				c := ours[dc.Name]
				where := fmt.Sprintf("part %d level (%d,%d) channel %q", pi, dl.LX, dl.LY, dc.Name)
				if c == nil {
					return where + ": missing in ours"
				}
				if s := exrCompareChannel(c, dc, convertedHalf); s != "" {
					return where + ": " + s
				}
			}
		}
	}
	return ""
}

// exrCompareDeep compares a deep part's sample counts and every sample.
func exrCompareDeep(p *exr.Part, dp exrDumpPart) string {
	if !strings.HasPrefix(p.Type, "deep") {
		return "ours is not deep: " + p.Type
	}
	lv := p.Levels[0]
	raw, err := os.ReadFile(dp.Counts)
	if err != nil {
		return err.Error()
	}
	if len(raw) != 4*len(lv.Counts) {
		return fmt.Sprintf("counts: ours %d pixels, OpenEXR %d", len(lv.Counts), len(raw)/4)
	}
	for i, c := range lv.Counts {
		if r := binary.LittleEndian.Uint32(raw[4*i:]); r != c {
			return fmt.Sprintf("pixel (%d,%d) samples: ours %d, OpenEXR %d", i%lv.Width, i/lv.Width, c, r)
		}
	}
	ours := map[string]*exr.Channel{}
	for _, c := range lv.Channels {
		ours[c.Name] = c
	}
	dl := dp.Levels[0]
	if len(dl.Channels) != len(lv.Channels) {
		return fmt.Sprintf("channels: ours %d, OpenEXR %d", len(lv.Channels), len(dl.Channels))
	}
	for _, dc := range dl.Channels {
		c := ours[dc.Name]
		if c == nil {
			return fmt.Sprintf("channel %q missing in ours", dc.Name)
		}
		if c.Len() != dc.W {
			return fmt.Sprintf("channel %q: ours %d samples, OpenEXR %d", dc.Name, c.Len(), dc.W)
		}
		// a deep channel is one row of all its samples
		flat := *c
		flat.Width, flat.Height = dc.W, 1
		if s := exrCompareChannel(&flat, dc, false); s != "" {
			return fmt.Sprintf("channel %q: %s", dc.Name, s)
		}
	}
	return ""
}

func exrCompareChannel(c *exr.Channel, dc exrDumpChannel, convertedHalf bool) string {
	typ := c.Type.String()
	wantType := dc.Type
	if convertedHalf && wantType == "FLOAT" && typ == "HALF" {
		wantType = "HALF" // written as FLOAT by WriteFile, compared as values
	}
	if typ != wantType {
		return fmt.Sprintf("type: ours %s, OpenEXR %s", typ, dc.Type)
	}
	if dc.XS != 0 && (c.XSampling != dc.XS || c.YSampling != dc.YS) {
		return fmt.Sprintf("sampling: ours %dx%d, OpenEXR %dx%d", c.XSampling, c.YSampling, dc.XS, dc.YS)
	}
	if c.Width != dc.W || c.Height != dc.H {
		return fmt.Sprintf("size: ours %dx%d samples, OpenEXR %dx%d", c.Width, c.Height, dc.W, dc.H)
	}
	raw, err := os.ReadFile(dc.Bin)
	if err != nil {
		return err.Error()
	}
	n := dc.W * dc.H
	size := 4
	if dc.Type == "HALF" {
		size = 2
	}
	if len(raw) != n*size {
		return fmt.Sprintf("OpenEXR dump holds %d bytes, want %d", len(raw), n*size)
	}
	for i := 0; i < n; i++ {
		var ours, ref uint32
		switch {
		case dc.Type == "HALF":
			ours, ref = uint32(c.Half[i]), uint32(binary.LittleEndian.Uint16(raw[2*i:]))
		case c.Type == exr.Half: // ours HALF, read back as FLOAT
			ours, ref = math.Float32bits(exr.HalfToFloat(c.Half[i])), binary.LittleEndian.Uint32(raw[4*i:])
		case c.Type == exr.Float:
			ours, ref = math.Float32bits(c.Float[i]), binary.LittleEndian.Uint32(raw[4*i:])
		default:
			ours, ref = c.Uint[i], binary.LittleEndian.Uint32(raw[4*i:])
		}
		if ours != ref {
			bad, nanOnly := 0, true
			for j := i; j < n; j++ {
				o, r := exrSample(c, j, convertedHalf && dc.Type == "FLOAT"), exrRef(raw, dc.Type, j)
				if o != r {
					bad++
					nanOnly = nanOnly && exrIsNaN(o, dc.Type) && exrIsNaN(r, dc.Type)
				}
			}
			d := fmt.Sprintf("sample (%d,%d): ours %#x, OpenEXR %#x (%d of %d samples differ)", i%dc.W, i/dc.W, ours, ref, bad, n)
			if nanOnly {
				// Named apart, so that a known line can cover exactly
				// this kind of difference and nothing else.
				d = exrNaNOnly + d
			}
			return d
		}
	}
	return ""
}

// exrNaNOnly starts a difference where every differing sample is a NaN
// on both sides (sign or payload differ).
const exrNaNOnly = "NaN-only: "

func exrIsNaN(v uint32, typ string) bool {
	if typ == "HALF" {
		return v&0x7c00 == 0x7c00 && v&0x3ff != 0
	}
	return v&0x7f800000 == 0x7f800000 && v&0x7fffff != 0
}

func exrSample(c *exr.Channel, i int, asFloat bool) uint32 {
	switch c.Type {
	case exr.Half:
		if asFloat {
			return math.Float32bits(exr.HalfToFloat(c.Half[i]))
		}
		return uint32(c.Half[i])
	case exr.Float:
		return math.Float32bits(c.Float[i])
	}
	return c.Uint[i]
}

func exrRef(raw []byte, typ string, i int) uint32 {
	if typ == "HALF" {
		return uint32(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	return binary.LittleEndian.Uint32(raw[4*i:])
}

// exrRunTolerant runs exr_gen.py like RunBatch, but survives the
// interpreter dying on a file (damaged inputs were found by fuzzing
// OpenEXR): the job it died on is answered with the crash and the rest
// run in a new process.
func exrRunTolerant(t *testing.T, args []string, jobs []map[string]any) []exrDump {
	t.Helper()
	py := Python(t)
	var out []exrDump
	for i := range jobs {
		// a restarted process must not reuse the first one's file names
		jobs[i]["idx"] = i
	}
	for len(out) < len(jobs) {
		rest := jobs[len(out):]
		in, _ := json.Marshal(rest)
		// generous: a loaded 2-core machine writes ~1 file/s
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute+time.Duration(len(rest))*3*time.Second)
		cmd := exec.CommandContext(ctx, py, append([]string{Script("exr_gen.py")}, args...)...)
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.Output()
		cancel()
		sc := bufio.NewScanner(bytes.NewReader(stdout))
		sc.Buffer(make([]byte, 1<<20), 1<<30)
		got := 0
		for sc.Scan() {
			var d exrDump
			if json.Unmarshal(sc.Bytes(), &d) == nil && got < len(rest) {
				out = append(out, d)
				got++
			}
		}
		if err != nil && got < len(rest) {
			name, _ := rest[got]["name"].(string)
			out = append(out, exrDump{Name: name, Error: "OpenEXR process died: " + err.Error()})
			continue
		}
		if got < len(rest) {
			t.Fatalf("exr_gen.py answered %d of %d jobs: %s", got, len(rest), stderr.String())
		}
	}
	return out
}

// exrIsUnsupported tells an *UnsupportedError from other errors.
func exrIsUnsupported(err error) bool {
	var u exr.UnsupportedError
	return errors.As(err, &u)
}

func exrShortErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": exr: "); i >= 0 {
		s = s[i+2:]
	}
	return s
}
