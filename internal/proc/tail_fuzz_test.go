package proc

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzTail checks Tail against a plain reference: however the input is cut
// into writes, the lines are those of splitting the whole input on \r and
// \n, without empty ones, each cut to maxLineBytes.
func FuzzTail(f *testing.F) {
	f.Add("a\nb\r\nc\rprogress 1%\r\n\nlast", 3)
	f.Add(strings.Repeat("x", maxLineBytes+5)+"\ny", 7)
	f.Fuzz(func(t *testing.T, in string, cut int) {
		var got []string
		tl := NewTail(1000, func(l string) { got = append(got, l) })
		if cut < 1 {
			cut = 1
		}
		for i := 0; i < len(in); i += cut {
			tl.Write([]byte(in[i:min(len(in), i+cut)]))
		}
		var want []string
		fields := strings.FieldsFunc(in, func(r rune) bool { return r == '\r' || r == '\n' })
		for i, l := range fields {
			if len(l) > maxLineBytes {
				l = l[:maxLineBytes]
			}
			last := i == len(fields)-1 && !strings.HasSuffix(in, "\n") && !strings.HasSuffix(in, "\r")
			if !last {
				want = append(want, l)
			}
		}
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("lines %q, want %q", got, want)
		}
	})
}
