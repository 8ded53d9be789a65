//go:build !unix

package usd

import "os"

func mapFile(f *os.File) ([]byte, func(), bool) { return nil, nil, false }
