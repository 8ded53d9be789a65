package sdf

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// ArrayEditOp is one kind of array edit operation, numbered as OpenUSD's
// Vt_ArrayEditOps::Op (pxr/base/vt/arrayEditOps.h), which is also how
// crate files (0.14.0) store them.
type ArrayEditOp int8

const (
	EditWriteLiteral  ArrayEditOp = iota // write <literal a1> to [a2]
	EditWriteRef                         // write [a1] to [a2]
	EditInsertLiteral                    // insert <literal a1> at [a2]
	EditInsertRef                        // insert [a1] at [a2]
	EditErase                            // erase [a1]
	EditMinSize                          // minsize a1
	EditMinSizeFill                      // minsize a1 fill <literal a2>
	EditSetSize                          // resize a1
	EditSetSizeFill                      // resize a1 fill <literal a2>
	EditMaxSize                          // maxsize a1
	numEditOps
)

// EditEndIndex is the insertion index one past the end (append).
const EditEndIndex = math.MinInt64

// MaxArrayEditSize and MaxArrayEditBytes bound the sizes that minsize and
// resize may ask for: a small hostile file must not make a value of
// billions of elements (OpenUSD would allocate it).
const (
	MaxArrayEditSize  = 1 << 28
	MaxArrayEditBytes = 1 << 30
	maxArrayEditWork  = 1 << 32 // elements moved, summed over the operations
)

// Arity is the number of arguments an operation takes.
func (op ArrayEditOp) Arity() int {
	switch op {
	case EditWriteLiteral, EditWriteRef, EditInsertLiteral, EditInsertRef, EditMinSizeFill, EditSetSizeFill:
		return 2
	}
	return 1
}

// ArrayEdit is a VtArrayEdit (OpenUSD 25.x, usda `edit [...]`, crate
// 0.14.0): either a dense array, or a sequence of edits of the weaker
// opinion's array. Values holds the dense array or the edits' literal
// elements, as a typed slice ([]int32, []Vec3f, []Token...); Ins is the
// instruction stream as Vt_ArrayEditOps holds and crate stores it: a word
// of (count in bits 0-55, op in bits 56-63), then count times the op's
// arguments. Literal arguments index Values; other indexes may be negative
// (from the end) and insertions may use EditEndIndex.
type ArrayEdit struct {
	Dense  bool
	Values any
	Ins    []int64
}

// EditWord packs an operation and its repeat count as an instruction word.
func EditWord(op ArrayEditOp, count int64) int64 {
	return int64(uint64(count)&(1<<56-1) | uint64(uint8(op))<<56)
}

// ArrayEditStep is one decoded operation of an edit.
type ArrayEditStep struct {
	Op     ArrayEditOp
	A1, A2 int64 // A2 is unused (0) for one-argument operations
}

// Steps decodes the instruction stream. A stream OpenUSD would stop on (an
// unknown op, a negative count, missing arguments) is an error here.
func (e ArrayEdit) Steps() ([]ArrayEditStep, error) {
	var out []ArrayEditStep
	for i := 0; i < len(e.Ins); {
		w := e.Ins[i]
		op := ArrayEditOp(int8(uint64(w) >> 56))
		count := w << 8 >> 8 // 56-bit signed count
		if op < 0 || op >= numEditOps {
			return nil, fmt.Errorf("array edit instruction %d: unknown operation %d", i, op)
		}
		if count < 0 {
			return nil, fmt.Errorf("array edit instruction %d: negative count %d", i, count)
		}
		i++
		ar := int64(op.Arity())
		if count > int64(len(e.Ins)-i)/ar {
			return nil, fmt.Errorf("array edit instruction %d: %d %s operations need %d arguments, %d remain", i-1, count, op, count*ar, len(e.Ins)-i)
		}
		for k := int64(0); k < count; k++ {
			s := ArrayEditStep{Op: op, A1: e.Ins[i]}
			if ar == 2 {
				s.A2 = e.Ins[i+1]
			}
			i += int(ar)
			out = append(out, s)
		}
	}
	return out, nil
}

func (op ArrayEditOp) String() string {
	switch op {
	case EditWriteLiteral, EditWriteRef:
		return "write"
	case EditInsertLiteral, EditInsertRef:
		return "insert"
	case EditErase:
		return "erase"
	case EditMinSize, EditMinSizeFill:
		return "minsize"
	case EditSetSize, EditSetSizeFill:
		return "resize"
	case EditMaxSize:
		return "maxsize"
	}
	return fmt.Sprintf("op%d", int8(op))
}

// AppendSteps appends steps to the instruction stream, merging runs of the
// same operation into one word as VtArrayEditBuilder does.
func AppendSteps(ins []int64, steps ...ArrayEditStep) []int64 {
	last := -1
	for i := 0; i < len(ins); {
		last = i
		w := ins[i]
		op := ArrayEditOp(int8(uint64(w) >> 56))
		i += 1 + int(w<<8>>8)*op.Arity()
	}
	for _, s := range steps {
		if last >= 0 && last < len(ins) && ArrayEditOp(int8(uint64(ins[last])>>56)) == s.Op {
			ins[last] = EditWord(s.Op, ins[last]<<8>>8+1)
		} else {
			last = len(ins)
			ins = append(ins, EditWord(s.Op, 1))
		}
		ins = append(ins, s.A1)
		if s.Op.Arity() == 2 {
			ins = append(ins, s.A2)
		}
	}
	return ins
}

// IsIdentity reports whether the edit changes nothing.
func (e ArrayEdit) IsIdentity() bool { return !e.Dense && len(e.Ins) == 0 }

// Apply applies the edit to array (a typed slice of the edit's element
// type; nil for an empty array) as VtArrayEdit::_ApplyEdits does: indexes
// are normalized against the array's size as it is at each step, and an
// operation whose index or literal is out of range is skipped. A dense
// edit gives its own array.
func (e ArrayEdit) Apply(array any) (any, error) {
	lits := reflect.ValueOf(e.Values)
	if !lits.IsValid() || lits.Kind() != reflect.Slice {
		return nil, fmt.Errorf("array edit holds no typed array (%T)", e.Values)
	}
	if e.Dense {
		return e.Values, nil
	}
	steps, err := e.Steps()
	if err != nil {
		return nil, err
	}
	res := reflect.MakeSlice(lits.Type(), 0, 0)
	if array != nil {
		a := reflect.ValueOf(array)
		if a.Type() != lits.Type() {
			return nil, fmt.Errorf("array edit of %s over a value of type %s", lits.Type(), a.Type())
		}
		res = reflect.AppendSlice(res, a)
	}
	nl := int64(lits.Len())
	lit := func(i int64) bool { return i >= 0 && i < nl }
	ref := func(i *int64, n int64) bool {
		if *i < 0 {
			*i += n
		}
		return *i >= 0 && *i < n
	}
	ins := func(i *int64, n int64) bool {
		if *i == EditEndIndex {
			*i = n
		}
		if *i < 0 {
			*i += n
		}
		return *i >= 0 && *i <= n
	}
	insert := func(at int64, v reflect.Value) {
		res = reflect.Append(res, v)
		reflect.Copy(res.Slice(int(at)+1, res.Len()), res.Slice(int(at), res.Len()-1))
		res.Index(int(at)).Set(v)
	}
	resize := func(n int64, fill reflect.Value) error {
		if n > MaxArrayEditSize || n*int64(res.Type().Elem().Size()) > MaxArrayEditBytes {
			return fmt.Errorf("array edit resizes to %d elements of %d bytes (more than %d elements or %d bytes)", n, res.Type().Elem().Size(), MaxArrayEditSize, MaxArrayEditBytes)
		}
		cur := int64(res.Len())
		if n <= cur {
			res = res.Slice(0, int(n))
			return nil
		}
		grown := reflect.MakeSlice(res.Type(), int(n), int(n))
		reflect.Copy(grown, res)
		if fill.IsValid() {
			for i := cur; i < n; i++ {
				grown.Index(int(i)).Set(fill)
			}
		}
		res = grown
		return nil
	}
	// Inserts and erases move the elements after them: bound the work, so
	// that a small file of many operations cannot hang the reader.
	work := int64(0)
	for _, s := range steps {
		a1, a2 := s.A1, s.A2
		n := int64(res.Len())
		cost := int64(1)
		if s.Op == EditInsertLiteral || s.Op == EditInsertRef || s.Op == EditErase {
			cost += n
		}
		if work += cost; work > maxArrayEditWork {
			return nil, fmt.Errorf("array edit of %d operations over %d elements is too costly to apply", len(steps), n)
		}
		switch s.Op {
		case EditWriteLiteral:
			if lit(a1) && ref(&a2, n) {
				res.Index(int(a2)).Set(lits.Index(int(a1)))
			}
		case EditWriteRef:
			if ref(&a1, n) && ref(&a2, n) {
				res.Index(int(a2)).Set(res.Index(int(a1)))
			}
		case EditInsertLiteral:
			if lit(a1) && ins(&a2, n) {
				insert(a2, lits.Index(int(a1)))
			}
		case EditInsertRef:
			if ref(&a1, n) && ins(&a2, n) {
				v := reflect.New(res.Type().Elem()).Elem()
				v.Set(res.Index(int(a1)))
				insert(a2, v)
			}
		case EditErase:
			if ref(&a1, n) {
				reflect.Copy(res.Slice(int(a1), res.Len()), res.Slice(int(a1)+1, res.Len()))
				res = res.Slice(0, res.Len()-1)
			}
		case EditMinSize, EditMinSizeFill:
			var fill reflect.Value
			if s.Op == EditMinSizeFill {
				if !lit(a2) {
					continue
				}
				fill = lits.Index(int(a2))
			}
			if a1 >= 0 && n < a1 {
				if err := resize(a1, fill); err != nil {
					return nil, err
				}
			}
		case EditSetSize, EditSetSizeFill:
			var fill reflect.Value
			if s.Op == EditSetSizeFill {
				if !lit(a2) {
					continue
				}
				fill = lits.Index(int(a2))
			}
			if a1 >= 0 {
				if err := resize(a1, fill); err != nil {
					return nil, err
				}
			}
		case EditMaxSize:
			if a1 >= 0 && n > a1 {
				res = res.Slice(0, int(a1))
			}
		}
	}
	return res.Interface(), nil
}

// ComposeOver composes the edit over a weaker value, as VtArrayEdit's
// ComposeOver: a dense edit wins; the identity gives the weaker value; over
// a dense array (a typed slice, or a dense ArrayEdit) the result is that
// array edited; over another edit, the result is one edit doing the weaker
// edits then these (the literals appended after the weaker's, and this
// edit's literal indexes moved past them). Over anything else (nil, a
// value block, a value of another type) it is the edit applied to an
// empty array, as OpenUSD resolves an edit left with no weaker array.
func (e ArrayEdit) ComposeOver(weaker any) (any, error) {
	if e.Dense {
		return e.Values, nil
	}
	switch w := weaker.(type) {
	case ArrayEdit:
		if w.Dense {
			return e.Apply(w.Values)
		}
		if reflect.TypeOf(w.Values) != reflect.TypeOf(e.Values) {
			return e.Apply(nil)
		}
		if e.IsIdentity() {
			return w, nil
		}
		steps, err := e.Steps()
		if err != nil {
			return nil, err
		}
		if _, err := w.Steps(); err != nil {
			return nil, err
		}
		wl := reflect.ValueOf(w.Values)
		nw := int64(wl.Len())
		lits := reflect.AppendSlice(reflect.MakeSlice(wl.Type(), 0, wl.Len()+reflect.ValueOf(e.Values).Len()), wl)
		lits = reflect.AppendSlice(lits, reflect.ValueOf(e.Values))
		for i := range steps {
			switch steps[i].Op {
			case EditWriteLiteral, EditInsertLiteral:
				steps[i].A1 += nw
			case EditMinSizeFill, EditSetSizeFill:
				steps[i].A2 += nw
			}
		}
		// The weaker's instructions, then these (not merged into one run).
		ins := append(append([]int64(nil), w.Ins...), AppendSteps(nil, steps...)...)
		return ArrayEdit{Values: lits.Interface(), Ins: ins}, nil
	}
	if reflect.TypeOf(weaker) == reflect.TypeOf(e.Values) {
		return e.Apply(weaker)
	}
	return e.Apply(nil)
}

// String prints the edit as OpenUSD streams a VtArrayEdit (and as usda
// writes it): `edit [op; op; ...]`, or the dense array in brackets, with
// elements as FormatArrayEditElem prints them.
func (e ArrayEdit) String() string {
	return e.Format(FormatArrayEditElem)
}

// Format prints the edit with elem printing each literal.
func (e ArrayEdit) Format(elem func(any) string) string {
	lits := reflect.ValueOf(e.Values)
	n := 0
	if lits.IsValid() && lits.Kind() == reflect.Slice {
		n = lits.Len()
	}
	lit := func(i int64) string {
		if i < 0 || i >= int64(n) {
			return fmt.Sprintf("<literal %d of %d>", i, n)
		}
		return elem(lits.Index(int(i)).Interface())
	}
	var b strings.Builder
	if e.Dense {
		b.WriteByte('[')
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(lit(int64(i)))
		}
		b.WriteByte(']')
		return b.String()
	}
	steps, err := e.Steps()
	if err != nil {
		return "edit [<" + err.Error() + ">]"
	}
	idx := func(i int64) string { return "[" + strconv.FormatInt(i, 10) + "]" }
	b.WriteString("edit [")
	for k, s := range steps {
		if k > 0 {
			b.WriteString("; ")
		}
		switch s.Op {
		case EditWriteLiteral:
			b.WriteString("write " + lit(s.A1) + " to " + idx(s.A2))
		case EditWriteRef:
			b.WriteString("write " + idx(s.A1) + " to " + idx(s.A2))
		case EditInsertLiteral, EditInsertRef:
			what := idx(s.A1)
			if s.Op == EditInsertLiteral {
				what = lit(s.A1)
			}
			switch s.A2 {
			case 0:
				b.WriteString("prepend " + what)
			case EditEndIndex:
				b.WriteString("append " + what)
			default:
				b.WriteString("insert " + what + " at " + idx(s.A2))
			}
		case EditErase:
			b.WriteString("erase " + idx(s.A1))
		case EditMinSize, EditSetSize, EditMaxSize:
			b.WriteString(s.Op.String() + " " + strconv.FormatInt(s.A1, 10))
		case EditMinSizeFill, EditSetSizeFill:
			b.WriteString(s.Op.String() + " " + strconv.FormatInt(s.A1, 10) + " fill " + lit(s.A2))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// FormatArrayEditElem prints one element as VtStreamOut does for the
// common element types: integers in decimal, bools as 1/0, strings and
// tokens as they are, asset paths between @, floats in their shortest
// form, vectors and quaternions in parentheses.
func FormatArrayEditElem(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "1"
		}
		return "0"
	case float32:
		return shortFloat(float64(x), 32)
	case float64:
		return shortFloat(x, 64)
	case Half: // GfHalf streams as a float at the stream's default precision
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			return shortFloat(f, 32)
		}
		return strconv.FormatFloat(float64(x), 'g', 6, 32)
	case TimeCode:
		return shortFloat(float64(x), 64)
	case string:
		return x
	case Token:
		return string(x)
	case AssetPath:
		return "@" + x.Authored + "@"
	case PathExpression:
		return string(x)
	case Quatf:
		return "(" + shortFloat(float64(x.Real), 32) + ", " + joinElems(x.Imag) + ")"
	case Quatd:
		return "(" + shortFloat(x.Real, 64) + ", " + joinElems(x.Imag) + ")"
	case Quath:
		return "(" + FormatArrayEditElem(x.Real) + ", " + joinElems(x.Imag) + ")"
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Array {
		if rv.Len() > 0 && rv.Index(0).Kind() == reflect.Array { // matrices: ( (..), (..) )
			rows := make([]string, rv.Len())
			for i := range rows {
				rows[i] = joinElems(rv.Index(i).Interface())
			}
			return "( (" + strings.Join(rows, "), (") + ") )"
		}
		return "(" + joinElems(v) + ")"
	}
	return fmt.Sprint(v)
}

func joinElems(v any) string {
	rv := reflect.ValueOf(v)
	parts := make([]string, rv.Len())
	for i := range parts {
		parts[i] = FormatArrayEditElem(rv.Index(i).Interface())
	}
	return strings.Join(parts, ", ")
}

// shortFloat prints the shortest digits that read back, as TfStringify
// does (double-conversion's ToShortest as Tf configures it): fixed notation
// for decimal exponents from -6 to 14, otherwise d.ddde±x without a plus
// sign or leading zeros (1e20, 2.5e-7); nan, inf, -inf.
func shortFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // d.ddde±xx
	i := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[i+1:])
	if exp >= -6 && exp < 15 {
		return strconv.FormatFloat(f, 'f', -1, bits)
	}
	return s[:i+1] + strconv.Itoa(exp)
}
