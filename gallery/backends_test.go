package gallery

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testPostgres is the PostgreSQL server the store tests also run against:
// RGALLERY_TEST_POSTGRES, as `scripts/postgres-dev.sh start` prints it
// (RGALLERY_DB=...). Not RGALLERY_DB itself, which would move every CLI
// test of the project onto the server.
func testPostgres() string { return os.Getenv("RGALLERY_TEST_POSTGRES") }

var schemaSeq atomic.Int64

// openPostgresTest opens a gallery in a fresh schema of the test server, so
// that tests do not see each other's rows; the schema is dropped after.
func openPostgresTest(t testing.TB, dir string) *Gallery {
	t.Helper()
	base := testPostgres()
	if base == "" {
		t.Skip("PostgreSQL store not tested: set RGALLERY_TEST_POSTGRES (eval \"$(scripts/postgres-dev.sh start -q)\"; export RGALLERY_TEST_POSTGRES=$RGALLERY_DB)")
	}
	schema := fmt.Sprintf("t%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create test schema on %s: %v", redactURL(base), err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			a.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			a.Close()
		}
	})
	g, err := OpenDB(context.Background(), dir, withSearchPath(t, base, schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// withSearchPath returns the database URL base with its schema search
// path set to schema.
func withSearchPath(t testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// eachStore runs f on a fresh gallery of every database backend: the
// embedded SQLite, and PostgreSQL when a test server is given. One suite,
// both stores.
func eachStore(t *testing.T, f func(t *testing.T, g *Gallery)) {
	t.Run("sqlite", func(t *testing.T) { f(t, openTest(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, openPostgresTest(t, t.TempDir())) })
}

func TestOpenDBRefusesAnUnknownDatabase(t *testing.T) {
	_, err := OpenDB(context.Background(), t.TempDir(), "mysql://x@y/z")
	if err == nil || !strings.Contains(err.Error(), "not a postgres:// URL") {
		t.Fatalf("err = %v", err)
	}
}

func TestRedactURLHidesThePassword(t *testing.T) {
	if s := redactURL("postgres://u:secret@h:1/db"); strings.Contains(s, "secret") {
		t.Fatal(s)
	}
}

func TestDialectRebindsPlaceholdersInOrder(t *testing.T) {
	got := postgresDialect.q(`UPDATE t SET a = ?, b = ? WHERE id = ?`)
	if got != `UPDATE t SET a = $1, b = $2 WHERE id = $3` {
		t.Fatal(got)
	}
	if sqliteDialect.q(`a = ?`) != `a = ?` {
		t.Fatal("sqlite query rebound")
	}
}

// TestMarkInterruptedSparesReattachableRenders pins the takeover rule on
// both stores: live renders without a re-attach token become interrupted,
// farm renders with one stay live for Reattach, final ones are untouched.
func TestMarkInterruptedSparesReattachableRenders(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		mk := func(state State, token string) int64 {
			s, err := g.Create(ctx, Snapshot{Renderer: "Local", State: state})
			if err != nil {
				t.Fatal(err)
			}
			if token != "" {
				if err := g.SetOwner(ctx, s.ID, 42, token); err != nil {
					t.Fatal(err)
				}
			}
			return s.ID
		}
		rendering, queued, farm, done := mk(Rendering, ""), mk(Queued, ""), mk(Rendering, "job-7"), mk(Finished, "")
		ids, err := g.MarkInterrupted(ctx, "owner died")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids) != fmt.Sprint([]int64{rendering, queued}) {
			t.Fatalf("interrupted %v, want [%d %d]", ids, rendering, queued)
		}
		for id, want := range map[int64]State{rendering: Interrupted, queued: Interrupted, farm: Rendering, done: Finished} {
			s, err := g.Get(ctx, id)
			if err != nil || s.State != want {
				t.Errorf("snapshot %d: %s (%v), want %s", id, s.State, err, want)
			}
			if want == Interrupted && (s.Error != "owner died" || s.Finished.IsZero()) {
				t.Errorf("snapshot %d: error %q finished %v", id, s.Error, s.Finished)
			}
		}
		det, err := g.Detached(ctx)
		if err != nil || len(det) != 1 || det[0].ID != farm || det[0].AttachToken != "job-7" || det[0].OwnerPID != 42 {
			t.Fatalf("detached %+v (%v)", det, err)
		}
	})
}

// TestTextQueryIsACaseInsensitiveSubstring pins List's text filter on both
// stores: a substring of label, source, renderer or notes, any case, and
// characters that are wildcards elsewhere (%, _) taken literally.
func TestTextQueryIsACaseInsensitiveSubstring(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		for _, s := range []Snapshot{
			{Renderer: "Local", Label: "Key Light v2"},
			{Renderer: "Slurm Farm", Source: "/shots/sh010/lighting.usda"},
			{Renderer: "Local", Notes: "100% done_ish"},
		} {
			if _, err := g.Create(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		for q, want := range map[string]int{"key light": 1, "SH010": 1, "slurm": 1, "local": 2, "% done_": 1, "_x": 0, "%": 1} {
			got, err := g.List(ctx, Query{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != want {
				t.Errorf("text %q: %d snapshots, want %d", q, len(got), want)
			}
		}
	})
}

// TestConcurrentOpenOfANewPostgresGallery checks that servers starting at
// once on one new database migrate it once (the advisory lock).
func TestConcurrentOpenOfANewPostgresGallery(t *testing.T) {
	first := openPostgresTest(t, t.TempDir())
	var schema string
	if err := first.db.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	// A fresh schema: drop what first created and open eight at once.
	if _, err := first.db.Exec(`DROP SCHEMA ` + schema + ` CASCADE; CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	u := withSearchPath(t, testPostgres(), schema)
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			g, err := OpenDB(context.Background(), t.TempDir(), u)
			if err == nil {
				_, err = g.Create(context.Background(), Snapshot{Renderer: "Local"})
				g.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	var n, v int
	first.db.QueryRow(`SELECT count(*) FROM snapshots`).Scan(&n)
	first.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v)
	if n != 8 || v != len(postgresMigrations) {
		t.Fatalf("%d snapshots, schema version %d", n, v)
	}
}
