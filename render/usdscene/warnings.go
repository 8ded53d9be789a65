package usdscene

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Warnings are grouped so that a scene with many similar prims gives one
// line per distinct problem, not one per prim: a warning whose message
// names a prim path is stored under its text with the path taken out, and
// reported once with the number of prims and the first three paths
// (sorted):
//
//	BasisCurves prims are not rendered: 412 prims, e.g. /a, /b, /c
//
// A group of one prim keeps the message as it was written; the same
// message repeated without a prim path says "(N times)".

// pathMark stands for the prim path in a grouped warning's key; pathSep
// separates the key from the path in conv.warn.
const (
	pathMark = "\x01"
	pathSep  = "\x00"
)

// primPathRE matches an absolute prim path as SdfPath spells one
// (identifiers, UTF-8 ones too, separated by slashes; variant selections
// allowed). File paths with an extension do not match: a prim name has no
// dot.
var primPathRE = regexp.MustCompile(`^(/[\p{L}\p{N}_]+(\{[\p{L}\p{N}_]*=[\p{L}\p{N}_]*\}[\p{L}\p{N}_]*)*)+$`)

// warnf records a warning. The first argument that is a prim path makes
// it a grouped warning (see above); call sites need not change to be
// grouped.
func (c *conv) warnf(format string, args ...any) {
	for i, a := range args {
		s, ok := a.(string)
		if !ok || !primPathRE.MatchString(s) {
			continue
		}
		tmpl := make([]any, len(args))
		copy(tmpl, args)
		tmpl[i] = pathMark
		// The same prim named again (as "PATH.material:binding", say)
		// must not split the group either.
		c.warn[markPath(fmt.Sprintf(format, tmpl...), s)+pathSep+s]++
		return
	}
	c.warn[fmt.Sprintf(format, args...)]++
}

// markPath replaces the further mentions of prim path in msg by pathMark:
// path itself, or a property or descendant-free suffix of it (path
// followed by '.', ':', ' ', ',', ')', ']' or the end), not a longer
// prim name ("/A" in "/AB") nor a child ("/A" in "/A/B").
func markPath(msg, path string) string {
	var b strings.Builder
	for {
		i := strings.Index(msg, path)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		end := i + len(path)
		if end == len(msg) || strings.IndexByte(".: ,)]", msg[end]) >= 0 {
			b.WriteString(msg[:i])
			b.WriteString(pathMark)
		} else {
			b.WriteString(msg[:end])
		}
		msg = msg[end:]
	}
}

// compositionWarning records a composition error of the stage: one that
// starts with the prim path it is about ("/a/b: reference @x@ ...") is
// grouped by that path (see warnf), so an asset whose many prims share
// one broken arc gives one line with a count.
func (c *conv) compositionWarning(e error) {
	msg := e.Error()
	if path, rest, ok := strings.Cut(msg, ": "); ok && primPathRE.MatchString(path) {
		c.warnf("composition: %s: %s", path, rest)
		return
	}
	c.warnf("composition: %s", msg)
}

// warnPrim records a warning about the prim at path; msg does not name
// the prim. It reads "msg (path)" for one prim and "msg: N prims, e.g.
// /a, /b, /c" for several.
func (c *conv) warnPrim(path, format string, args ...any) {
	c.warn[fmt.Sprintf(format, args...)+" ("+pathMark+")"+pathSep+path]++
}

// warningLines renders the recorded warnings, sorted.
func warningLines(warn map[string]int) []string {
	type group struct {
		paths []string
		n     int
	}
	groups := map[string]*group{}
	var out []string
	for k, n := range warn {
		tmpl, path, ok := strings.Cut(k, pathSep)
		if !ok {
			if n > 1 {
				out = append(out, fmt.Sprintf("%s (%d times)", k, n))
			} else {
				out = append(out, k)
			}
			continue
		}
		g := groups[tmpl]
		if g == nil {
			g = &group{}
			groups[tmpl] = g
		}
		g.paths = append(g.paths, path)
		g.n += n
	}
	for tmpl, g := range groups {
		sort.Strings(g.paths)
		if len(g.paths) == 1 {
			line := strings.ReplaceAll(tmpl, pathMark, g.paths[0])
			if g.n > 1 {
				line = fmt.Sprintf("%s (%d times)", line, g.n)
			}
			out = append(out, line)
			continue
		}
		ex := strings.Join(g.paths[:min(3, len(g.paths))], ", ")
		count := fmt.Sprintf("%d prims, e.g. %s", len(g.paths), ex)
		// "msg (e.g. PATH)" and "msg (PATH)" read best as "msg: N prims, e.g. …".
		for _, tail := range []string{" (e.g. " + pathMark + ")", " (" + pathMark + ")"} {
			if strings.HasSuffix(tmpl, tail) {
				out = append(out, strings.TrimSuffix(tmpl, tail)+": "+count)
				count = ""
				break
			}
		}
		if count != "" {
			out = append(out, strings.ReplaceAll(tmpl, pathMark, g.paths[0])+" ("+count+")")
		}
	}
	sort.Strings(out)
	return out
}
