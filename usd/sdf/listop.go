package sdf

// ListOp is a list-editing operation as authored in one layer: either an
// explicit list, or items to delete, add, prepend, append and reorder.
type ListOp[T any] struct {
	Explicit  bool
	Items     []T // the explicit items when Explicit
	Added     []T
	Prepended []T
	Appended  []T
	Deleted   []T
	Ordered   []T
}

// IsEmpty reports whether the op has no effect.
func (l ListOp[T]) IsEmpty() bool {
	return !l.Explicit && len(l.Added) == 0 && len(l.Prepended) == 0 &&
		len(l.Appended) == 0 && len(l.Deleted) == 0 && len(l.Ordered) == 0
}

// Apply edits list (the result of weaker opinions) and returns the result.
// key identifies equal items. The rules are OpenUSD's SdfListOp::ApplyOperations.
func (l ListOp[T]) Apply(list []T, key func(T) string) []T {
	if l.Explicit {
		return dedupe(append([]T(nil), l.Items...), key)
	}
	out := append([]T(nil), list...)
	if len(l.Deleted) > 0 {
		del := make(map[string]bool, len(l.Deleted))
		for _, d := range l.Deleted {
			del[key(d)] = true
		}
		out = filter(out, func(v T) bool { return !del[key(v)] })
	}
	for _, a := range l.Added {
		if !contains(out, key(a), key) {
			out = append(out, a)
		}
	}
	if len(l.Prepended) > 0 {
		p := dedupe(append([]T(nil), l.Prepended...), key)
		pk := keys(p, key)
		out = append(p, filter(out, func(v T) bool { return !pk[key(v)] })...)
	}
	if len(l.Appended) > 0 {
		a := dedupe(append([]T(nil), l.Appended...), key)
		ak := keys(a, key)
		out = append(filter(out, func(v T) bool { return !ak[key(v)] }), a...)
	}
	if len(l.Ordered) > 0 {
		out = reorder(out, l.Ordered, key)
	}
	return out
}

func keys[T any](xs []T, key func(T) string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[key(x)] = true
	}
	return m
}

func contains[T any](xs []T, k string, key func(T) string) bool {
	for _, x := range xs {
		if key(x) == k {
			return true
		}
	}
	return false
}

func filter[T any](xs []T, keep func(T) bool) []T {
	out := xs[:0:0]
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func dedupe[T any](xs []T, key func(T) string) []T {
	seen := make(map[string]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		k := key(x)
		if !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}

// reorder applies an ordering as SdfListOp does: items named in order are
// moved so they appear in that order; items not named stay after the
// ordered item that precedes them.
func reorder[T any](list []T, order []T, key func(T) string) []T {
	return ReorderBy(list, keysOf(order, key), key)
}

func keysOf[T any](xs []T, key func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = key(x)
	}
	return out
}

// ReorderBy reorders list by the names in order, as USD's reorder
// statements (and SdfListOp ordered items) do: an item that is named moves,
// together with the unnamed items that follow it, into the named order;
// unnamed items before the first named one stay in front.
func ReorderBy[T any](list []T, order []string, key func(T) string) []T {
	if len(order) == 0 || len(list) == 0 {
		return list
	}
	inList := map[string]int{}
	for i, x := range list {
		inList[key(x)] = i
	}
	var uniq []string
	seen := map[string]bool{}
	for _, o := range order {
		if _, ok := inList[o]; ok && !seen[o] {
			seen[o] = true
			uniq = append(uniq, o)
		}
	}
	if len(uniq) == 0 {
		return list
	}
	// Split the list into a head (before any named item) and runs starting
	// at each named item.
	runs := map[string][]T{}
	var head []T
	cur := ""
	for _, x := range list {
		k := key(x)
		if seen[k] {
			cur = k
		}
		if cur == "" {
			head = append(head, x)
		} else {
			runs[cur] = append(runs[cur], x)
		}
	}
	out := make([]T, 0, len(list))
	out = append(out, head...)
	for _, o := range uniq {
		out = append(out, runs[o]...)
	}
	return out
}

// Common list op instantiations.
type (
	TokenListOp     = ListOp[Token]
	StringListOp    = ListOp[string]
	PathListOp      = ListOp[string]
	ReferenceListOp = ListOp[Reference]
	PayloadListOp   = ListOp[Payload]
	IntListOp       = ListOp[int32]
	Int64ListOp     = ListOp[int64]
	UIntListOp      = ListOp[uint32]
	UInt64ListOp    = ListOp[uint64]
)
