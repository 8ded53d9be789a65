package command

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// splitMSVC splits a command line by the Microsoft C runtime's rules for
// arguments after the first ("Parsing C++ command-line arguments"): 2n
// backslashes before a quote are n backslashes and the quote toggles
// quoting, 2n+1 are n and a literal quote, other backslashes are literal,
// and "" inside quotes is a literal quote.
func splitMSVC(line string) []string {
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case (c == ' ' || c == '\t') && !quoted:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
			i++
		case c == '\\':
			n := 0
			for i < len(line) && line[i] == '\\' {
				n++
				i++
			}
			if i < len(line) && line[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
					i++
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
			}
			inArg = true
		case c == '"':
			inArg = true
			if quoted && i+1 < len(line) && line[i+1] == '"' {
				cur.WriteByte('"')
				i += 2
				continue
			}
			quoted = !quoted
			i++
		default:
			cur.WriteByte(c)
			inArg = true
			i++
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

// The fixed cases are those of Go's syscall.EscapeArg documentation and
// tests, so that the Windows build's SysProcAttr.CmdLine is what exec would
// have built for a program.
func TestEscapeArgMSVC(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", `""`},
		{"a", "a"},
		{`C:\dir\file.usd`, `C:\dir\file.usd`},
		{"a b", `"a b"`},
		{"a\tb", "\"a\tb\""},
		{`a"b`, `a\"b`},
		{`a\"b`, `a\\\"b`},
		{`C:\my dir\`, `"C:\my dir\\"`},
		{`\\server\share\x y`, `"\\server\share\x y"`},
		{`he said "hi there"`, `"he said \"hi there\""`},
	} {
		if got := escapeArgMSVC(c.in); got != c.want {
			t.Errorf("escapeArgMSVC(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Any argv survives the trip through the command line and the C runtime's
// parser (checked by a parser written from the documented rules).
func TestWindowsCommandLineRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	alphabet := []byte(`ab \"\\` + "\t" + `%&^|<>'.:/`)
	for n := 0; n < 5000; n++ {
		argv := []string{`C:\Program Files\r\render.exe`}
		for range 1 + rng.Intn(4) {
			b := make([]byte, rng.Intn(8))
			for i := range b {
				b[i] = alphabet[rng.Intn(len(alphabet))]
			}
			argv = append(argv, string(b))
		}
		line, err := windowsCommandLine(argv[0], argv)
		if err != nil {
			t.Fatalf("%q: %v", argv, err)
		}
		// argv[0] is split by CreateProcess's simpler rule; the program
		// has no quote, so its quoted form is one token.
		got := splitMSVC(line)
		if !slices.Equal(got[1:], argv[1:]) {
			t.Fatalf("argv %q\nline %s\nsplit back %q", argv, line, got)
		}
	}
}

// A batch file runs under cmd.exe, which expands % and ! inside quotes and
// cannot take a quote inside a quoted argument: such arguments are
// refused, others quoted when they hold a space or an operator.
func TestWindowsCommandLineBatch(t *testing.T) {
	line, err := windowsCommandLine(`C:\r\Render.CMD`, []string{`C:\r\Render.CMD`, `C:\my scenes\a.usd`, "-o", `a&b`, ""})
	if want := `C:\r\Render.CMD "C:\my scenes\a.usd" -o "a&b" ""`; err != nil || line != want {
		t.Errorf("batch line = %q, %v; want %q", line, err, want)
	}
	for _, bad := range []string{`100%`, `say "hi"`, `!x!`, "a\nb"} {
		if _, err := windowsCommandLine(`x.bat`, []string{"x.bat", bad}); err == nil || !strings.Contains(err.Error(), "batch file") {
			t.Errorf("batch argument %q: err = %v, want a refusal naming the batch file", bad, err)
		}
	}
	// The same arguments are fine for a program.
	if _, err := windowsCommandLine(`x.exe`, []string{"x.exe", `100%`, `say "hi"`}); err != nil {
		t.Errorf("program arguments with %% and quotes: %v", err)
	}
	if _, err := windowsCommandLine(`x.exe`, []string{`x".exe`}); err == nil {
		t.Error("a program name with a quote was accepted")
	}
}
