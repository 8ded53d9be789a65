package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rgallery/rgallery/bgrender"
	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/pluginproc"
)

// Metrics: GET /metrics in Prometheus' text format, with the API's own
// registry (no global one): live renders by renderer and state, poll
// latency, renders ended by state, event-stream clients and events sent,
// database statement latency, farm tasks by Slurm state and plugin
// processes. Behind Guard like the rest: a Prometheus scraping a team or
// token-protected server sends the token as a bearer token.

// EnableMetrics starts collecting this API's metrics and serves them at
// /metrics of the handler from Handler. Call it once, before Handler.
func (a *API) EnableMetrics() {
	reg := prometheus.NewRegistry()
	poll := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rgallery_poll_seconds",
		Help:    "Time a renderer's isRenderFinished took.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
	}, []string{"renderer"})
	ended := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rgallery_renders_ended_total",
		Help: "Renders of this process that ended, by renderer and final state.",
	}, []string{"renderer", "state"})
	db := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rgallery_db_query_seconds",
		Help:    "Database statements of the gallery, by kind (SELECT, UPDATE, INSERT, DELETE, ...).",
		Buckets: prometheus.ExponentialBuckets(0.00005, 4, 10),
	}, []string{"op"})
	reg.MustRegister(poll, ended, db,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "rgallery_events_sent_total",
			Help: "Server-sent events written to the event streams.",
		}, func() float64 { return float64(a.hub.sent.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rgallery_sse_clients",
			Help: "Open event streams (browsers and other clients).",
		}, func() float64 { return float64(a.hub.streamCount()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rgallery_plugin_processes",
			Help: "Plugin processes (Python and executable plugins) this process runs.",
		}, func() float64 { return float64(pluginproc.Processes()) }),
		&liveCollector{a: a,
			live: prometheus.NewDesc("rgallery_live_renders", "Live renders this process runs, by renderer and state.", []string{"renderer", "state"}, nil),
			farm: prometheus.NewDesc("rgallery_farm_tasks", "Tasks of this process's live farm renders, by Slurm state.", []string{"state"}, nil),
		},
	)
	a.m.ObservePoll = func(renderer string, d time.Duration) { poll.WithLabelValues(renderer).Observe(d.Seconds()) }
	a.g.ObserveQueries(func(op string, d time.Duration) { db.WithLabelValues(op).Observe(d.Seconds()) })
	stop := a.m.Watch(func(e bgrender.Event) {
		if e.Type != bgrender.EventState || !e.State.Final() {
			return
		}
		// The renderer's label is read once per ended render, off the
		// manager's event path.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if s, err := a.g.Get(ctx, e.ID); err == nil {
				ended.WithLabelValues(s.Renderer, string(e.State)).Inc()
			}
		}()
	})
	_ = stop // for the life of the process
	a.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// liveCollector reads the live renders from the gallery at each scrape.
type liveCollector struct {
	a          *API
	live, farm *prometheus.Desc
}

func (c *liveCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.live
	ch <- c.farm
}

func (c *liveCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	live := map[[2]string]int{}
	tasks := map[string]int{}
	self := c.a.g.ServerID()
	for _, st := range []gallery.State{gallery.Queued, gallery.Rendering} {
		snaps, err := c.a.g.List(ctx, gallery.Query{State: st, Limit: 1000})
		if err != nil {
			continue
		}
		for _, s := range snaps {
			if s.OwnerID != self {
				continue // another team server's
			}
			live[[2]string{s.Renderer, string(s.State)}]++
			// The Slurm renderer lists its tasks as "0:RUNNING 1:PENDING(Priority) ...".
			list, _ := s.Metadata["slurmTaskStates"].(string)
			for _, t := range strings.Fields(list) {
				_, state, _ := strings.Cut(t, ":")
				state, _, _ = strings.Cut(state, "(")
				tasks[state]++
			}
		}
	}
	for k, n := range live {
		ch <- prometheus.MustNewConstMetric(c.live, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	for k, n := range tasks {
		ch <- prometheus.MustNewConstMetric(c.farm, prometheus.GaugeValue, float64(n), k)
	}
}

func (a *API) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if a.metrics == nil {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: "metrics are off"})
		return
	}
	a.metrics.ServeHTTP(w, r)
}
