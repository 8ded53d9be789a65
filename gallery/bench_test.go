package gallery

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// fill inserts n snapshots in one transaction, with tags on every tenth.
func fill(b *testing.B, g *Gallery, n int) {
	b.Helper()
	ctx := context.Background()
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	ins, _ := tx.Prepare(`INSERT INTO snapshots (label, created_ns, updated_ns, renderer, options, source, state, metadata,
		total_clock_time, percent_done, peak_memory, image, thumb) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	tag, _ := tx.Prepare(`INSERT INTO tags (snapshot_id, tag) VALUES (?, ?)`)
	now := time.Now().UnixNano()
	for i := 1; i <= n; i++ {
		_, err := ins.Exec(fmt.Sprintf("take %d", i), now, now, "Local", `{"plugin":{"spp":64},"viewport":{"res_x":640,"res_y":360}}`,
			fmt.Sprintf("/shots/sq%03d/shot%d.usda", i%100, i), "finished", `{"samples":64,"warnings":[]}`,
			12.5, 100.0, 300<<20, fmt.Sprintf("images/%d/image.png", i), fmt.Sprintf("thumbs/%d.png", i))
		if err != nil {
			b.Fatal(err)
		}
		if i%10 == 0 {
			tag.Exec(i, "hero")
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

func benchGallery(b *testing.B, n int) *Gallery {
	b.Helper()
	g, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	fill(b, g, n)
	return g
}

// BenchmarkList100k is `rgallery ls`: the newest 50 of 100,000 snapshots.
func BenchmarkList100k(b *testing.B) {
	g := benchGallery(b, 100_000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		s, err := g.List(ctx, Query{Limit: 50})
		if err != nil || len(s) != 50 || s[0].ID != 100_000 {
			b.Fatalf("%d %v", len(s), err)
		}
	}
}

// BenchmarkListTag100k pages through a tag filter.
func BenchmarkListTag100k(b *testing.B) {
	g := benchGallery(b, 100_000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		s, err := g.List(ctx, Query{Limit: 50, Tag: "hero", BeforeID: 50_000})
		if err != nil || len(s) != 50 || s[0].ID != 49_990 {
			b.Fatalf("%d %v", len(s), err)
		}
	}
}

// BenchmarkGet100k is `rgallery show ID` in a gallery of 100,000.
func BenchmarkGet100k(b *testing.B) {
	g := benchGallery(b, 100_000)
	ctx := context.Background()
	b.ResetTimer()
	i := int64(0)
	for b.Loop() {
		i = i%100_000 + 1
		if _, err := g.Get(ctx, i); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreate is the insert rate of new snapshots, one transaction each
// as the Manager makes them.
func BenchmarkCreate(b *testing.B) {
	g, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	ctx := context.Background()
	for b.Loop() {
		if _, err := g.Create(ctx, Snapshot{Renderer: "Local", Source: "/shots/a.usda", Options: map[string]any{"plugin": map[string]any{}}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateMetadata is the per-poll write of a live render's stats.
func BenchmarkUpdateMetadata(b *testing.B) {
	g := benchGallery(b, 100_000)
	ctx := context.Background()
	b.ResetTimer()
	i := 0.0
	for b.Loop() {
		i++
		if err := g.UpdateMetadata(ctx, 77_777, map[string]any{"percentDone": i, "totalClockTime": i / 10, "samples": i}); err != nil {
			b.Fatal(err)
		}
	}
}
