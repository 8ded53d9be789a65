package gallery

import (
	"context"
	"database/sql"
	"testing"
)

// The team gallery's figures: 1,000,000 snapshots in PostgreSQL. The
// snapshots are made once per database by SQL (generate_series) in the
// schema bench1m and kept across runs; every tenth is tagged "hero", every
// thousandth "rare".

const bench1M = 1_000_000

func benchPostgres1M(b *testing.B) *Gallery {
	b.Helper()
	base := testPostgres()
	if base == "" {
		b.Skip("set RGALLERY_TEST_POSTGRES to benchmark the PostgreSQL store")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA IF NOT EXISTS bench1m`); err != nil {
		b.Fatal(err)
	}
	g, err := OpenDB(context.Background(), b.TempDir(), withSearchPath(b, base, "bench1m"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	var n int
	g.db.QueryRow(`SELECT count(*) FROM snapshots`).Scan(&n)
	if n != bench1M {
		for _, q := range []string{
			`TRUNCATE snapshots, tags RESTART IDENTITY`,
			`INSERT INTO snapshots (label, created_ns, updated_ns, renderer, options, source, state, metadata,
				total_clock_time, percent_done, peak_memory, image, thumb)
			SELECT 'take ' || i, i, i, 'Local', '{"plugin":{"spp":64}}', '/shots/sq' || (i % 100) || '/shot' || i || '.usda',
				'finished', '{"samples":64}', 12.5, 100, 314572800, 'images/' || i || '/image.png', 'thumbs/' || i || '.png'
			FROM generate_series(1, 1000000) AS i`,
			`INSERT INTO tags (snapshot_id, tag) SELECT i, 'hero' FROM generate_series(10, 1000000, 10) AS i`,
			`INSERT INTO tags (snapshot_id, tag) SELECT i, 'rare' FROM generate_series(1000, 1000000, 1000) AS i`,
			`ANALYZE`,
		} {
			if _, err := g.db.Exec(q); err != nil {
				b.Fatal(err)
			}
		}
	}
	return g
}

// BenchmarkPostgresList1M is `rgallery ls` on a team gallery: the newest
// 50 of 1,000,000.
func BenchmarkPostgresList1M(b *testing.B) {
	g := benchPostgres1M(b)
	ctx := context.Background()
	for b.Loop() {
		s, err := g.List(ctx, Query{Limit: 50})
		if err != nil || len(s) != 50 || s[0].ID != bench1M {
			b.Fatalf("%d %v", len(s), err)
		}
	}
}

// BenchmarkPostgresListTag1M filters by a common tag (every tenth) and by
// a rare one (every thousandth), newest 50.
func BenchmarkPostgresListTag1M(b *testing.B) {
	g := benchPostgres1M(b)
	ctx := context.Background()
	for _, c := range []struct {
		tag   string
		first int64
	}{{"hero", bench1M}, {"rare", bench1M}} {
		b.Run(c.tag, func(b *testing.B) {
			for b.Loop() {
				s, err := g.List(ctx, Query{Limit: 50, Tag: c.tag})
				if err != nil || len(s) != 50 || s[0].ID != c.first {
					b.Fatalf("%d %v", len(s), err)
				}
			}
		})
	}
}

// BenchmarkPostgresCreate is the insert rate of new snapshots on the team
// store, one statement each as the Manager makes them.
func BenchmarkPostgresCreate(b *testing.B) {
	g := openPostgresTest(b, b.TempDir())
	ctx := context.Background()
	for b.Loop() {
		if _, err := g.Create(ctx, Snapshot{Renderer: "Local", Source: "/shots/a.usda", Options: map[string]any{"plugin": map[string]any{}}}); err != nil {
			b.Fatal(err)
		}
	}
}
