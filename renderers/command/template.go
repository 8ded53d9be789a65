package command

import (
	"fmt"
	"strings"
)

// A template is a string with {placeholder}s, parsed once when the manifest
// is loaded so that a typo is reported then and not at render time.
type template struct {
	raw   string
	parts []part
}

// part is a literal, or a placeholder when name is set.
type part struct {
	lit  string
	name string
}

// parseTemplate splits s into literals and placeholders. "{{" and "}}" stand
// for literal braces. known reports whether a placeholder name exists.
func parseTemplate(s string, known func(string) bool) (template, error) {
	t := template{raw: s}
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return t, fmt.Errorf("unclosed placeholder in %q (write {{ for a literal brace)", s)
			}
			name := s[i+1 : i+end]
			if !known(name) {
				return t, &placeholderError{name: name, in: s}
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, part{lit: lit.String()})
				lit.Reset()
			}
			t.parts = append(t.parts, part{name: name})
			i += end
		case c == '}':
			return t, fmt.Errorf("unmatched } in %q (write }} for a literal brace)", s)
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, part{lit: lit.String()})
	}
	return t, nil
}

type placeholderError struct{ name, in string }

func (e *placeholderError) Error() string {
	return fmt.Sprintf("unknown placeholder {%s} in %q", e.name, e.in)
}

// expand substitutes vals into t. full is false when a placeholder expanded
// to the empty string, which drops an optional argv group.
func (t template) expand(vals map[string]string) (s string, full bool) {
	full = true
	var b strings.Builder
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.lit)
			continue
		}
		v := vals[p.name]
		if v == "" {
			full = false
		}
		b.WriteString(v)
	}
	return b.String(), full
}

// names returns the placeholder names used in t.
func (t template) names() []string {
	var out []string
	for _, p := range t.parts {
		if p.name != "" {
			out = append(out, p.name)
		}
	}
	return out
}
