//go:build linux || darwin

package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rgallery/rgallery/gallery"
	"github.com/rgallery/rgallery/server"
)

// teamDB returns the URL of a fresh schema on the test PostgreSQL server
// (RGALLERY_TEST_POSTGRES), dropped after the test, or skips.
func teamDB(t *testing.T) string {
	t.Helper()
	base := os.Getenv("RGALLERY_TEST_POSTGRES")
	if base == "" {
		t.Skip("team gallery not tested: set RGALLERY_TEST_POSTGRES (eval \"$(scripts/postgres-dev.sh start -q)\"; export RGALLERY_TEST_POSTGRES=$RGALLERY_DB)")
	}
	schema := fmt.Sprintf("cli%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			db.Close()
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// newTeamEnv is a user's setup with a team gallery (a fresh schema) and
// its admin's token.
func newTeamEnv(t *testing.T) (e *env, db, token string) {
	t.Helper()
	db = teamDB(t)
	e = newEnv(t)
	tok, stderr, code := e.run("--db", db, "user", "add", "lead", "--admin")
	if code != 0 {
		t.Fatal(stderr)
	}
	return e, db, strings.TrimSpace(tok)
}

// teamServer is a `rgallery serve` process of a team gallery.
type teamServer struct {
	cmd *exec.Cmd
	url string
}

// teamLeaseForTests is the servers' lease: short, so that a takeover is
// quick, yet long enough that a loaded CI machine renews it in time
// (RGALLERY_TEAM_TEST_LEASE overrides it, e.g. 1s for the soak's figures).
func teamLeaseForTests() string {
	if l := os.Getenv("RGALLERY_TEAM_TEST_LEASE"); l != "" {
		return l
	}
	return "3s"
}

func (e *env) serveTeam(db string) *teamServer {
	e.t.Helper()
	c := e.cmd("--db", db, "--log-level", "debug", "serve", "--addr", "127.0.0.1:0", "--root", e.gallery+"/..")
	c.Env = append(c.Env, "RGALLERY_LEASE="+teamLeaseForTests())
	stderr, _ := c.StderrPipe()
	if err := c.Start(); err != nil {
		e.t.Fatal(err)
	}
	s := &teamServer{cmd: c}
	e.t.Cleanup(func() {
		c.Process.Signal(syscall.SIGTERM)
		c.Wait()
	})
	re := regexp.MustCompile(`on (http://\S+)`)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			s.url = strings.TrimSuffix(m[1], "/")
			break
		}
	}
	if s.url == "" {
		e.t.Fatal("serve did not say where it serves")
	}
	log, _ := os.Create(filepath.Join(e.t.TempDir(), "serve.log"))
	go io.Copy(log, stderr)
	e.t.Cleanup(func() {
		if e.t.Failed() {
			b, _ := os.ReadFile(log.Name())
			e.t.Logf("serve %s log:\n%s", s.url, b)
		}
	})
	return s
}

// call sends an API request to a server as the user with token tok.
func (s *teamServer) call(t *testing.T, tok, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set(server.CSRFHeader, "1")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v %s", method, path, err, b)
		}
	}
	if resp.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// events collects a server's event stream: the latest state of every
// snapshot it heard of.
type events struct {
	mu     sync.Mutex
	states map[int64]gallery.State
}

func (s *teamServer) listen(t *testing.T, tok string) *events {
	ev := &events{states: map[int64]gallery.State{}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/api/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", resp, err)
	}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var d server.EventData
			if json.Unmarshal([]byte(data), &d) == nil && d.Snapshot != nil {
				ev.mu.Lock()
				ev.states[d.ID] = d.Snapshot.State
				ev.mu.Unlock()
			}
		}
	}()
	return ev
}

func (ev *events) state(id int64) gallery.State {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return ev.states[id]
}

// TestTeamServersShareRendersStopAndTakeOver runs two serve processes on
// one PostgreSQL gallery: a render started on A is seen live by B's event
// stream, a stop sent to B reaches A, and when A is killed B marks A's
// live render interrupted once A's lease has run out, and B's stream says
// so.
func TestTeamServersShareRendersStopAndTakeOver(t *testing.T) {
	e, db, tok := newTeamEnv(t)
	a, b := e.serveTeam(db), e.serveTeam(db)
	evB := b.listen(t, tok)
	render := func() gallery.Snapshot {
		var s gallery.Snapshot
		if c := a.call(t, tok, "POST", "/api/renders", server.RenderRequest{Renderer: "Progressive", Scene: e.scene,
			Options: map[string]any{"passes": 100000, "interval": "20ms"}}, &s); c != http.StatusCreated {
			t.Fatalf("render on A: %d", c)
		}
		return s
	}
	s1 := render()
	if s1.CreatedBy != "lead" || s1.OwnerID == "" {
		t.Fatalf("render: made by %q, owned by %q", s1.CreatedBy, s1.OwnerID)
	}
	waitFor(t, func() bool { return evB.state(s1.ID) == gallery.Rendering })
	var stopped gallery.Snapshot
	if c := b.call(t, tok, "POST", fmt.Sprintf("/api/snapshots/%d/stop", s1.ID), nil, &stopped); c != http.StatusOK || stopped.State != gallery.Stopped {
		t.Fatalf("stop through B: %d %s", c, stopped.State)
	}
	waitFor(t, func() bool { return evB.state(s1.ID) == gallery.Stopped })

	s2 := render()
	waitFor(t, func() bool { return evB.state(s2.ID) == gallery.Rendering })
	a.cmd.Process.Signal(syscall.SIGKILL)
	a.cmd.Wait()
	waitFor(t, func() bool { return evB.state(s2.ID) == gallery.Interrupted })
	var got gallery.Snapshot
	b.call(t, tok, "GET", fmt.Sprintf("/api/snapshots/%d", s2.ID), nil, &got)
	if got.State != gallery.Interrupted || !strings.Contains(got.Error, "lease") {
		t.Fatalf("A's render after A died: %s %q", got.State, got.Error)
	}
	if pid := e.pid(s2.ID); alive(pid) {
		// The render's process belonged to A; killing A ends it (its
		// group dies with its leader's pipe), so nothing is left running.
		waitFor(t, func() bool { return !alive(pid) })
	}
}

// TestTeamOwnerKilledRepeatedly is the soak of the figure: an
// owner killed with SIGKILL mid-render, 20 times (RGALLERY_TEAM_SOAK=N
// sets the count; skipped without it, as it takes a minute or more). Each
// round starts renders on a fresh server A, lets one finish, kills A with
// the others live, and checks on server B: no finished snapshot lost, every
// live render of A interrupted within the lease (plus a claim interval), no
// render owned by a dead server, no render process left running.
func TestTeamOwnerKilledRepeatedly(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("RGALLERY_TEAM_SOAK"))
	if rounds <= 0 {
		t.Skip("soak: set RGALLERY_TEAM_SOAK=20 (and RGALLERY_TEST_POSTGRES)")
	}
	e, db, tok := newTeamEnv(t)
	b := e.serveTeam(db)
	var finished []int64
	var takeover []time.Duration
	for round := 0; round < rounds; round++ {
		a := e.serveTeam(db)
		start := func(passes int) gallery.Snapshot {
			var s gallery.Snapshot
			if c := a.call(t, tok, "POST", "/api/renders", server.RenderRequest{Renderer: "Progressive", Scene: e.scene,
				Options: map[string]any{"passes": passes, "interval": "20ms"}}, &s); c != http.StatusCreated {
				t.Fatalf("round %d: render: %d", round, c)
			}
			return s
		}
		done := start(2)
		live := []gallery.Snapshot{start(100000), start(100000), start(100000)}
		waitFor(t, func() bool {
			var s gallery.Snapshot
			b.call(t, tok, "GET", fmt.Sprintf("/api/snapshots/%d", done.ID), nil, &s)
			return s.State == gallery.Finished
		})
		finished = append(finished, done.ID)
		a.cmd.Process.Signal(syscall.SIGKILL)
		a.cmd.Wait()
		killed := time.Now()
		for _, s := range live {
			waitFor(t, func() bool {
				var got gallery.Snapshot
				b.call(t, tok, "GET", fmt.Sprintf("/api/snapshots/%d", s.ID), nil, &got)
				return got.State == gallery.Interrupted
			})
		}
		takeover = append(takeover, time.Since(killed))
		for _, s := range live {
			if pid := e.pid(s.ID); pid > 0 {
				waitFor(t, func() bool { return !alive(pid) })
			}
		}
	}
	g, err := gallery.OpenDB(context.Background(), e.gallery, db)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, id := range finished {
		if s, err := g.Get(context.Background(), id); err != nil || s.State != gallery.Finished || s.Image == "" {
			t.Errorf("finished snapshot %d: %s %q (%v)", id, s.State, s.Image, err)
		}
	}
	servers, _ := g.Servers(context.Background())
	live, _ := g.List(context.Background(), gallery.Query{State: gallery.Rendering, Limit: 1000})
	if len(live) != 0 {
		t.Errorf("%d renders still shown rendering after every owner died", len(live))
	}
	slices.Sort(takeover)
	t.Logf("%d rounds: %d finished snapshots kept, %d servers left registered, takeover after SIGKILL min %v median %v max %v (lease %s)",
		rounds, len(finished), len(servers), takeover[0].Round(time.Millisecond), takeover[len(takeover)/2].Round(time.Millisecond), takeover[len(takeover)-1].Round(time.Millisecond), teamLeaseForTests())
}

// procCPU returns the user+system CPU time of process pid (Linux /proc;
// clock ticks of 10 ms), or 0.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// postgresCPU is the CPU time of every postgres process of the machine.
func postgresCPU() time.Duration {
	var total time.Duration
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) == "postgres" {
			total += procCPU(pid)
		}
	}
	return total
}

// TestTeamLoadThreeServers is the load figure (RGALLERY_TEAM_LOAD=N
// live renders per server; skipped without it): three serve processes on
// one database, N live Command renders started on each, one event-stream
// client per server. Every client must end with every render's true final
// state (no lost update); it logs the CPU of the servers and of PostgreSQL
// per live render.
func TestTeamLoadThreeServers(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("RGALLERY_TEAM_LOAD"))
	if n <= 0 {
		t.Skip("load: set RGALLERY_TEAM_LOAD=100 (and RGALLERY_TEST_POSTGRES)")
	}
	e, db, tok := newTeamEnv(t)
	servers := []*teamServer{e.serveTeam(db), e.serveTeam(db), e.serveTeam(db)}
	var evs []*events
	for _, s := range servers {
		evs = append(evs, s.listen(t, tok))
	}
	cpu0 := make([]time.Duration, len(servers))
	for i, s := range servers {
		cpu0[i] = procCPU(s.cmd.Process.Pid)
	}
	pg0 := postgresCPU()
	t0 := time.Now()
	var ids []int64
	for _, s := range servers {
		for i := 0; i < n; i++ {
			var snap gallery.Snapshot
			if c := s.call(t, tok, "POST", "/api/renders", server.RenderRequest{Renderer: "Progressive", Scene: e.scene,
				Options: map[string]any{"passes": 40, "interval": "250ms"}}, &snap); c != http.StatusCreated {
				t.Fatalf("render: %d", c)
			}
			ids = append(ids, snap.ID)
		}
	}
	g, err := gallery.OpenDB(context.Background(), e.gallery, db)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		live, _ := g.List(context.Background(), gallery.Query{State: gallery.Rendering, Limit: 1000})
		queued, _ := g.List(context.Background(), gallery.Query{State: gallery.Queued, Limit: 1000})
		if len(live)+len(queued) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	wall := time.Since(t0)
	time.Sleep(2 * time.Second) // the last events on their way
	lost := 0
	for si, ev := range evs {
		for _, id := range ids {
			s, err := g.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if got := ev.state(id); got != s.State {
				lost++
				if lost < 5 {
					t.Errorf("server %d's client: snapshot %d is %q, the gallery says %q", si, id, got, s.State)
				}
			}
		}
	}
	var srvCPU time.Duration
	for i, s := range servers {
		srvCPU += procCPU(s.cmd.Process.Pid) - cpu0[i]
	}
	pgCPU := postgresCPU() - pg0
	total := len(ids)
	t.Logf("%d servers x %d renders (40 images at 4/s each): %d of %d final states reached all %d clients (%d lost); wall %v; serve CPU %v (%.1f ms per render-second), PostgreSQL CPU %v (%.1f ms per render-second)",
		len(servers), n, total*len(servers)-lost, total*len(servers), len(servers), lost, wall.Round(time.Second),
		srvCPU.Round(time.Millisecond), float64(srvCPU.Milliseconds())/(float64(total)*10),
		pgCPU.Round(time.Millisecond), float64(pgCPU.Milliseconds())/(float64(total)*10))
}

// TestTeamCLIRenderRecordsItsUser: a CLI render of a team gallery runs in
// its own process as a server and records $RGALLERY_USER as its maker.
func TestTeamCLIRenderRecordsItsUser(t *testing.T) {
	db := teamDB(t)
	e := newEnv(t)
	c := e.cmd("--db", db, "render", "-r", "Progressive", "-o", "passes=1", "-o", "interval=1ms", e.scene)
	c.Env = append(c.Env, "RGALLERY_USER=ana")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, stderr, code := e.run("--db", db, "ls", "--json", "--user", "ana")
	if code != 0 {
		t.Fatal(stderr)
	}
	var snaps []gallery.Snapshot
	if err := json.Unmarshal([]byte(out), &snaps); err != nil || len(snaps) != 1 || snaps[0].State != gallery.Finished || snaps[0].CreatedBy != "ana" {
		t.Fatalf("ana's snapshots: %+v %v", snaps, err)
	}
	g, err := gallery.OpenDB(context.Background(), e.gallery, db)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if servers, _ := g.Servers(context.Background()); len(servers) != 0 {
		t.Errorf("the CLI render left its server registered: %+v", servers)
	}
}
