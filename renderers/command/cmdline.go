package command

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Windows passes a program one command line, not an argv; the program
// splits it again. windowsCommandLine builds that line for argv so that the
// program gets argv back, on every system, so that its rules are tested on
// Linux too (the Windows build sets it as SysProcAttr.CmdLine):
//
//   - a program (.exe and the like) splits by the Microsoft C runtime's
//     rules ("Parsing C++ command-line arguments", learn.microsoft.com):
//     arguments with space, tab or a quote are quoted, a quote inside is
//     \", and backslashes are doubled only where they come before a quote.
//     This is what Go's syscall.EscapeArg does; it is written out here
//     because syscall.EscapeArg exists only in the Windows build.
//   - a .bat or .cmd file runs under cmd.exe, which expands %VAR% (and
//     !VAR!) even inside quotes and has no escape for a quote inside a
//     quoted argument, so no quoting makes such arguments safe (the
//     "BatBadBut" problem, CVE-2024-24576). Arguments with " % ! or a line
//     break are refused with an error; the rest are quoted whenever they
//     hold a space or one of cmd.exe's operators (& | < > ^ ( ) , ; =).
//
// program is the resolved path of the program (its extension decides).
func windowsCommandLine(program string, argv []string) (string, error) {
	if len(argv) == 0 {
		return "", fmt.Errorf("windows command line: empty argv")
	}
	if strings.ContainsAny(argv[0], "\"\r\n") {
		return "", fmt.Errorf("windows command line: program name %q holds a quote or line break, which a Windows path cannot", argv[0])
	}
	ext := strings.ToLower(filepath.Ext(strings.ReplaceAll(program, `\`, "/")))
	batch := ext == ".bat" || ext == ".cmd"
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if !batch {
			b.WriteString(escapeArgMSVC(a))
			continue
		}
		if i > 0 && strings.ContainsAny(a, "\"%!\r\n") {
			return "", fmt.Errorf("windows command line: argument %d %q of batch file %s holds one of \" %% ! or a line break, which cmd.exe would interpret whatever the quoting; pass it through the environment or use a program instead of a batch file", i, a, program)
		}
		if a == "" || strings.ContainsAny(a, " \t&|<>^(),;=") {
			a = `"` + a + `"`
		}
		b.WriteString(a)
	}
	return b.String(), nil
}

// escapeArgMSVC quotes one argument for the Microsoft C runtime's parser.
func escapeArgMSVC(s string) string {
	if s == "" {
		return `""`
	}
	needQuotes := strings.ContainsAny(s, " \t")
	if !needQuotes && !strings.ContainsAny(s, `"`) {
		return s // backslashes not before a quote are literal
	}
	var b strings.Builder
	if needQuotes {
		b.WriteByte('"')
	}
	slashes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			slashes++
		case '"':
			// The backslashes before a quote are doubled, and the quote
			// gets one of its own.
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		default:
			slashes = 0
		}
		b.WriteByte(c)
	}
	if needQuotes {
		// Backslashes before the closing quote are doubled too.
		b.WriteString(strings.Repeat(`\`, slashes))
		b.WriteByte('"')
	}
	return b.String()
}
