package oracle

import "testing"

// TestFirstDiffNamesThePath pins the diff helper every area relies on: it
// must find a difference anywhere and name where it is.
func TestFirstDiffNamesThePath(t *testing.T) {
	cases := []struct {
		a, b string
		want string
	}{
		{`{"a":[1,2,{"b":"x"}]}`, `{"a":[1,2,{"b":"x"}]}`, ""},
		{`{"a":[1,2,{"b":"x"}]}`, `{"a":[1,2,{"b":"y"}]}`, `$.a[2].b: ours "x", reference "y"`},
		{`{"a":[1,2]}`, `{"a":[1,2,3]}`, `$.a: ours has 2 elements, reference 3`},
		{`{"a":1}`, `{"a":1,"c":true}`, `$.c: missing in ours, reference true`},
		{`{"/W.x":0.1}`, `{"/W.x":0.10000000149011612}`, `$["/W.x"]: ours 0.1, reference 0.10000000149011612`},
		{`{"a":null}`, `{"a":{}}`, `$.a: ours null, reference {}`},
	}
	for _, c := range cases {
		if got := DiffJSON([]byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("DiffJSON(%s, %s) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}
