//go:build !amd64 || purego

package render

// SetAVX is a no-op without the assembly (non-amd64, or -tags purego): the
// A/B benchmark's "noavx" figures are then the pure-Go path as well.
func SetAVX(on bool) bool { return false }
