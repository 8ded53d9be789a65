package usda

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/rgallery/rgallery/usd/sdf"
)

// arrayEdit parses an array edit value (OpenUSD 25.x text format, usda 1.2:
// `int[] a = edit [append 5; erase [-1]]`), the word edit already next.
// The operations are those VtArrayEdit streams (pxr/base/vt/arrayEdit.h):
//
//	write <literal> to [i]      write [i] to [j]
//	insert <literal> at [i]     insert [i] at [j]
//	prepend <literal>|[i]       append <literal>|[i]
//	erase [i]                   maxsize n
//	minsize n [fill <literal>]  resize n [fill <literal>]
//
// separated by ';' or a line break (a ';' may end the list, as usd-core
// 26.11 accepts; an empty operation is an error). Indexes are decimal
// integers, negative from the end; sizes may not be negative. Literals
// are deduplicated as VtArrayEditBuilder does.
func (s *scanner) arrayEdit(vt valueType, depth int) (any, error) {
	if !s.keyword("edit") {
		return nil, s.errf("expected 'edit', found %s", s.describe())
	}
	if err := s.expect('['); err != nil {
		return nil, err
	}
	var lits []any
	var steps []sdf.ArrayEditStep
	literal := func() (int64, error) {
		v, err := s.scalar(vt, depth+1)
		if err != nil {
			return 0, err
		}
		for i, l := range lits {
			if reflect.DeepEqual(l, v) {
				return int64(i), nil
			}
		}
		lits = append(lits, v)
		return int64(len(lits) - 1), nil
	}
	index := func() (int64, error) {
		if err := s.expect('['); err != nil {
			return 0, err
		}
		s.skipSpace()
		start := s.pos
		if s.pos < len(s.src) && s.src[s.pos] == '-' {
			s.pos++
		}
		for s.pos < len(s.src) && s.src[s.pos] >= '0' && s.src[s.pos] <= '9' {
			s.pos++
		}
		i, err := strconv.ParseInt(string(s.src[start:s.pos]), 10, 64)
		if err != nil {
			return 0, s.errAt(start, "expected an array index (a decimal integer) in an array edit")
		}
		return i, s.expect(']')
	}
	size := func() (int64, error) {
		s.skipSpace()
		start := s.pos
		n, err := s.integer()
		if err != nil {
			return 0, err
		}
		if n < 0 {
			return 0, s.errAt(start, "array edit size %d is negative", n)
		}
		return n, nil
	}
	// ref parses an index or a literal: refOp/litOp say which step it is.
	item := func(refOp, litOp sdf.ArrayEditOp) (sdf.ArrayEditOp, int64, error) {
		if s.peek() == '[' {
			i, err := index()
			return refOp, i, err
		}
		l, err := literal()
		return litOp, l, err
	}
	done := func() (any, error) {
		vals, err := editValues(vt, lits)
		if err != nil {
			return nil, s.errf("%v", err)
		}
		return sdf.ArrayEdit{Values: vals, Ins: sdf.AppendSteps(nil, steps...)}, nil
	}
	if s.accept(']') {
		return done()
	}
	for {
		s.peek()
		start := s.pos
		word := s.ident(false)
		var st sdf.ArrayEditStep
		var err error
		switch word {
		case "write", "insert":
			refOp, litOp, to := sdf.EditWriteRef, sdf.EditWriteLiteral, "to"
			if word == "insert" {
				refOp, litOp, to = sdf.EditInsertRef, sdf.EditInsertLiteral, "at"
			}
			if st.Op, st.A1, err = item(refOp, litOp); err != nil {
				return nil, err
			}
			s.peek()
			if !s.keyword(to) {
				return nil, s.errf("expected '%s' in an array edit, found %s", to, s.describe())
			}
			if st.A2, err = index(); err != nil {
				return nil, err
			}
		case "prepend", "append":
			if st.Op, st.A1, err = item(sdf.EditInsertRef, sdf.EditInsertLiteral); err != nil {
				return nil, err
			}
			st.A2 = 0
			if word == "append" {
				st.A2 = sdf.EditEndIndex
			}
		case "erase":
			st.Op = sdf.EditErase
			if st.A1, err = index(); err != nil {
				return nil, err
			}
		case "minsize", "resize", "maxsize":
			st.Op = map[string]sdf.ArrayEditOp{"minsize": sdf.EditMinSize, "resize": sdf.EditSetSize, "maxsize": sdf.EditMaxSize}[word]
			if st.A1, err = size(); err != nil {
				return nil, err
			}
			if word != "maxsize" {
				s.peek()
				if s.keyword("fill") {
					st.Op++ // EditMinSizeFill, EditSetSizeFill
					if st.A2, err = literal(); err != nil {
						return nil, err
					}
				}
			}
		default:
			return nil, s.errAt(start, "expected an array edit operation (write, insert, prepend, append, erase, minsize, resize, maxsize), found %q", word)
		}
		steps = append(steps, st)
		// A separator: ';' on the same line, or a line break.
		newline := false
		for s.pos < len(s.src) {
			c := s.src[s.pos]
			if c == ' ' || c == '\t' || c == '\r' {
				s.pos++
				continue
			}
			if c == '\n' || c == '#' || c == '/' && s.pos+1 < len(s.src) && s.src[s.pos+1] == '/' {
				newline = true
			}
			break
		}
		switch s.peek() {
		case ']':
			s.pos++
			return done()
		case ';':
			if newline {
				return nil, s.errf("empty array edit operation (a ';' after a line break)")
			}
			s.pos++
			if s.accept(']') {
				return done()
			}
		default:
			if !newline {
				return nil, s.errf("expected ';' or ']' in an array edit, found %s", s.describe())
			}
		}
	}
}

// editValues makes the typed slice of an edit's literals: the slice type
// the array parser gives for vt, holding the parsed elements.
func editValues(vt valueType, lits []any) (any, error) {
	empty, err := (&scanner{src: []byte("[]")}).value(vt, true, 0)
	if err != nil {
		return nil, err
	}
	out := reflect.ValueOf(empty)
	et := out.Type().Elem()
	for _, l := range lits {
		v := reflect.ValueOf(l)
		if !v.IsValid() || !v.Type().ConvertibleTo(et) {
			return nil, fmt.Errorf("array edit literal %v is not a %s", l, et)
		}
		out = reflect.Append(out, v.Convert(et))
	}
	return out.Interface(), nil
}
