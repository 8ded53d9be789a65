//go:build linux || darwin

package main

import (
	"encoding/json"
	"runtime"
	"testing"
)

// TestBenchLiveViewersEndWithTheGallerysStates runs the load tool small:
// every viewer's last state of every render is the gallery's, nothing was
// resynced, and every frame the bundled renderer wrote is counted.
func TestBenchLiveViewersEndWithTheGallerysStates(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("bench live reads /proc: Linux only")
	}
	e := newEnv(t)
	out, stderr, code := e.run("bench", "live", "--renders", "3", "--viewers", "4", "--seconds", "1", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var r liveResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.MissedFinal != 0 || r.WrongState != 0 || r.ResyncsLive != 0 || r.ResyncsReconn != 0 || r.Failed != 0 {
		t.Errorf("missed %d, wrong %d, resyncs %d+%d, not finished %d", r.MissedFinal, r.WrongState, r.ResyncsLive, r.ResyncsReconn, r.Failed)
	}
	// 4 frames a second for 1 s, per render; the gallery bumps the image
	// version at least for the final image of each.
	if r.FramesWritten != 12 || r.ImageVersions < 3 || r.LatencySamples == 0 || r.PeakLive > 3 || r.Idle.FDs == 0 {
		t.Errorf("frames %d, image versions %d, latency samples %d, peak live %d, idle %+v", r.FramesWritten, r.ImageVersions, r.LatencySamples, r.PeakLive, r.Idle)
	}
}
