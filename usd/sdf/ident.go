package sdf

import (
	"strings"
	"unicode"
)

// IsValidIdentifier reports whether s is an identifier as SdfPath takes
// for a prim name: '_' or an XID_Start character, then XID_Continue
// characters (TfIsValidIdentifier with UTF-8 identifiers, usd-core 26.11;
// SdfPath::AppendChild gives the empty path for anything else). Go's
// unicode tables stand in for XID: letters, letter numbers and
// Other_ID_Start start; marks, decimal digits, connector punctuation and
// Other_ID_Continue may follow.
func IsValidIdentifier(s string) bool {
	for i, r := range s {
		start := r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_ID_Start, r)
		if i == 0 && !start {
			return false
		}
		if !start && !unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue) {
			return false
		}
	}
	return s != ""
}

// IsValidNamespacedIdentifier reports whether s is a property name:
// identifiers joined by single ':' (SdfPath::AppendProperty gives the
// empty path for "a::b", "a:" or "1a").
func IsValidNamespacedIdentifier(s string) bool {
	for _, part := range strings.Split(s, ":") {
		if !IsValidIdentifier(part) {
			return false
		}
	}
	return true
}
