// Package crate reads USD crate files (.usdc).
package crate

import (
	"fmt"

	"github.com/rgallery/rgallery/usd/sdf"
)

// Read parses a crate file held in data.
func Read(name string, data []byte) (*sdf.Layer, error) {
	return nil, fmt.Errorf("%s: crate files are not supported yet", name)
}
