//go:build linux || darwin

package server_test

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

// metricValue returns the value of the sample named by line (a metric name
// with its labels, as exposed) in a /metrics page, or -1.
func metricValue(page, line string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + ` (\S+)$`).FindStringSubmatch(page)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// TestMetricsCountRendersPollsAndStatements checks /metrics against what
// the test did: one live render shown live, then one finished and one
// stopped render counted by state, their polls timed, the gallery's
// statements timed.
func TestMetricsCountRendersPollsAndStatements(t *testing.T) {
	f := newFixture(t, fixtureOpts{metrics: true})
	scrape := func() string {
		code, _, b := raw(t, f.srv.URL, "GET", "/metrics", nil, "")
		if code != 200 {
			t.Fatalf("/metrics: %d %s", code, b)
		}
		return b
	}
	long := f.render(map[string]any{"passes": 100000, "interval": "20ms", "size": "64x48"})
	waitUntil(t, func() bool {
		return metricValue(scrape(), `rgallery_live_renders{renderer="Progressive",state="rendering"}`) == 1
	})
	f.do("POST", "/api/snapshots/"+itoa(long.ID)+"/stop", nil, nil)
	f.wait(f.render(map[string]any{"passes": 1, "interval": "1ms", "size": "64x48"}).ID)
	var page string
	waitUntil(t, func() bool {
		page = scrape()
		return metricValue(page, `rgallery_renders_ended_total{renderer="Progressive",state="finished"}`) == 1 &&
			metricValue(page, `rgallery_renders_ended_total{renderer="Progressive",state="stopped"}`) == 1
	})
	if n := metricValue(page, `rgallery_poll_seconds_count{renderer="Progressive"}`); n < 1 {
		t.Errorf("polls timed: %v", n)
	}
	for _, op := range []string{"INSERT", "UPDATE", "SELECT"} {
		if n := metricValue(page, `rgallery_db_query_seconds_count{op="`+op+`"}`); n < 1 {
			t.Errorf("%s statements timed: %v", op, n)
		}
	}
	if v := metricValue(page, `rgallery_live_renders{renderer="Progressive",state="rendering"}`); v != -1 {
		t.Errorf("no render is live, yet the gauge says %v", v)
	}
	if v := metricValue(page, "rgallery_sse_clients"); v != 0 {
		t.Errorf("sse clients %v, want 0", v)
	}
}

// waitUntil polls cond for up to 30 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
