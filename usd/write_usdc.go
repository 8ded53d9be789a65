package usd

import (
	"fmt"
	"io"

	"github.com/rgallery/rgallery/usd/internal/crate"
	"github.com/rgallery/rgallery/usd/sdf"
)

// WriteUsdc writes a layer as a crate (.usdc) file that OpenUSD reads: crate
// version 0.8.0, or the lowest later version that holds its values (0.9.0
// for timecodes, 0.10.0 for path expressions, 0.11.0 for layer
// relocates). Values the crate format cannot hold (splines, for now) are an
// error naming the spec and field.
func WriteUsdc(w io.Writer, l *sdf.Layer) error {
	b, err := crate.Write(l)
	if err != nil {
		return fmt.Errorf("write usdc: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write usdc: %w", err)
	}
	return nil
}
