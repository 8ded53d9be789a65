package command

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Temporary dirs are named rgallery-command-OWNERPID-ITEM-RANDOM, so that
// the dirs of an owner that died without closing its renders (killed, out
// of memory) can be told apart and removed by the next render.
const tempPrefix = "rgallery-command-"

func tempPattern(item int64) string {
	return fmt.Sprintf("%s%d-%d-", tempPrefix, os.Getpid(), item)
}

// sweepStale removes the temporary dirs in base whose owner process is
// gone. A dir whose owner pid is alive is kept, even if the pid now belongs
// to another program: leaving a stale dir is harmless, removing a live
// render's files is not.
func sweepStale(base string) {
	if base == "" {
		base = os.TempDir()
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	self := os.Getpid()
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), tempPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if !ok || err != nil || pid <= 0 || pid == self {
			continue
		}
		if !processExists(pid) {
			os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
}
