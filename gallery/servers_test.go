package gallery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// reopen opens a second handle on g's database, as another server would.
func reopen(t *testing.T, g *Gallery) *Gallery {
	t.Helper()
	url := g.url
	if g.d.dollar {
		var schema string
		if err := g.db.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		url = withSearchPath(t, url, schema)
	}
	h, err := OpenDB(context.Background(), g.dir, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func register(t *testing.T, g *Gallery, name string, lease time.Duration) Server {
	t.Helper()
	s, err := g.RegisterServer(context.Background(), Server{Host: name, PID: 1, URL: "http://" + name}, lease)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestExpiredServersRendersAreClaimedOnce pins the lease rules on both
// stores: while a server's lease runs nobody claims its renders; once it
// ran out, one claimer interrupts its live renders and takes over the
// re-attachable ones, the others find nothing, and the dead server learns
// that its lease is lost.
func TestExpiredServersRendersAreClaimedOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, a *Gallery) {
		ctx := context.Background()
		b, c := reopen(t, a), reopen(t, a)
		register(t, a, "a", time.Hour)
		sb := register(t, b, "b", time.Hour)
		register(t, c, "c", time.Hour)
		mk := func(token string) int64 {
			s, err := a.Create(ctx, Snapshot{Renderer: "Local", State: Rendering})
			if err != nil {
				t.Fatal(err)
			}
			if token != "" {
				if err := a.SetOwner(ctx, s.ID, 7, token); err != nil {
					t.Fatal(err)
				}
			}
			return s.ID
		}
		local, farm := mk(""), mk("job-1")
		bs, err := b.Create(ctx, Snapshot{Renderer: "Local", State: Rendering})
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := a.Get(ctx, local); s.OwnerID != a.ServerID() {
			t.Fatalf("a's render is owned by %q", s.OwnerID)
		}
		if cl, err := b.ClaimExpired(ctx, "gone"); err != nil || len(cl.Dead)+len(cl.Interrupted)+len(cl.Reattach) != 0 {
			t.Fatalf("claim while a's lease runs: %+v %v", cl, err)
		}
		// a's lease runs out (renewed to end in the past: no waiting on
		// the clock); b and c claim at once.
		if err := a.RenewLease(ctx, -time.Millisecond); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var claims []Claim
		deadline := time.Now().Add(30 * time.Second)
		for {
			var wg sync.WaitGroup
			for _, g := range []*Gallery{b, c} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cl, err := g.ClaimExpired(ctx, "its server stopped renewing its lease")
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					claims = append(claims, cl)
					mu.Unlock()
				}()
			}
			wg.Wait()
			if slices.ContainsFunc(claims, func(cl Claim) bool { return len(cl.Dead) > 0 }) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		var dead []string
		var interrupted, reattach []int64
		for _, cl := range claims {
			dead = append(dead, cl.Dead...)
			interrupted = append(interrupted, cl.Interrupted...)
			reattach = append(reattach, cl.Reattach...)
		}
		if len(dead) != 1 || dead[0] != a.ServerID() {
			t.Fatalf("dead servers %v, want a once", dead)
		}
		if fmt.Sprint(interrupted) != fmt.Sprint([]int64{local}) || fmt.Sprint(reattach) != fmt.Sprint([]int64{farm}) {
			t.Fatalf("interrupted %v, re-attached %v: want [%d] and [%d], each once", interrupted, reattach, local, farm)
		}
		s, _ := b.Get(ctx, local)
		if s.State != Interrupted || s.Error != "its server stopped renewing its lease" || s.Finished.IsZero() {
			t.Errorf("a's local render: %s %q", s.State, s.Error)
		}
		f, _ := b.Get(ctx, farm)
		if f.State != Rendering || (f.OwnerID != sb.ID && f.OwnerID != c.ServerID()) {
			t.Errorf("a's farm render: %s owned by %q", f.State, f.OwnerID)
		}
		claimer := b
		if f.OwnerID == c.ServerID() {
			claimer = c
		}
		if det, err := claimer.Detached(ctx); err != nil || len(det) != 1 || det[0].ID != farm {
			t.Errorf("the claimer's detached renders: %+v %v", det, err)
		}
		if s, _ := b.Get(ctx, bs.ID); s.State != Rendering {
			t.Errorf("b's own render was claimed: %s", s.State)
		}
		if err := a.RenewLease(ctx, time.Hour); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("a renews after the claim: %v, want ErrLeaseLost", err)
		}
		// A clean exit leaves re-attachable renders to be claimed at once.
		if err := claimer.Unregister(ctx); err != nil {
			t.Fatal(err)
		}
		other := c
		if claimer == c {
			other = b
		}
		cl, err := other.ClaimExpired(ctx, "x")
		if err != nil || fmt.Sprint(cl.Reattach) != fmt.Sprint([]int64{farm}) {
			t.Errorf("claim after a clean exit: %+v %v", cl, err)
		}
	})
}

// TestListenHearsOtherServersChanges: a server hears the changes another
// process makes (PostgreSQL NOTIFY), with their kind, and not its own.
func TestListenHearsOtherServersChanges(t *testing.T) {
	a := openPostgresTest(t, t.TempDir())
	b := reopen(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan Change, 16)
	ready := make(chan struct{})
	var once sync.Once
	go b.Listen(ctx, func(c Change) { heard <- c }, nil)
	// Listening starts asynchronously: announce until b hears.
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-ready:
				return
			case <-time.After(50 * time.Millisecond):
				a.notify(ctx, 0, "ping")
			}
		}
	}()
	for c := range heard {
		if c.Kind == "ping" {
			once.Do(func() { close(ready) })
			break
		}
	}
	bsnap, err := b.Create(ctx, Snapshot{Renderer: "Local"}) // b's own: not heard
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.Create(ctx, Snapshot{Renderer: "Local"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetState(ctx, s.ID, Finished, ""); err != nil {
		t.Fatal(err)
	}
	var got []Change
	for len(got) < 2 {
		select {
		case c := <-heard:
			if c.Kind != "ping" {
				got = append(got, c)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("heard %v", got)
		}
	}
	want := []Change{{s.ID, "created"}, {s.ID, "state"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("heard %v, want %v (not b's own %d)", got, want, bsnap.ID)
	}
}
