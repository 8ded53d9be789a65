package gallery

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestUserTokensAreKeptHashedAndIdentifyTheirUser pins the token rules on
// both stores: the token identifies its user, the database holds only its
// hash, a reset token replaces the old one, a removed user's token fails.
func TestUserTokensAreKeptHashedAndIdentifyTheirUser(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		tok, err := g.AddUser(ctx, "ana", RoleUser)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.AddUser(ctx, "ana", RoleAdmin); err == nil || !strings.Contains(err.Error(), "exists") {
			t.Fatalf("second ana: %v", err)
		}
		u, err := g.UserByToken(ctx, tok)
		if err != nil || u.Name != "ana" || u.Admin() {
			t.Fatalf("by token: %+v %v", u, err)
		}
		var stored string
		if err := g.queryRowContext(ctx, `SELECT token_hash FROM users WHERE name = ?`, "ana").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, tok) || stored != hashToken(tok) {
			t.Fatalf("stored %q for token %q", stored, tok)
		}
		if _, err := g.UserByToken(ctx, tok+"x"); !errors.Is(err, ErrNoUser) {
			t.Fatalf("wrong token: %v", err)
		}
		tok2, err := g.ResetToken(ctx, "ana")
		if err != nil || tok2 == tok {
			t.Fatal(err)
		}
		if _, err := g.UserByToken(ctx, tok); !errors.Is(err, ErrNoUser) {
			t.Fatalf("old token after reset: %v", err)
		}
		if err := g.RemoveUser(ctx, "ana"); err != nil {
			t.Fatal(err)
		}
		if _, err := g.UserByToken(ctx, tok2); !errors.Is(err, ErrNoUser) {
			t.Fatalf("token of a removed user: %v", err)
		}
		for _, bad := range []string{"", "a b", "-x", strings.Repeat("a", 65)} {
			if _, err := g.AddUser(ctx, bad, RoleUser); err == nil {
				t.Errorf("user name %q accepted", bad)
			}
		}
		if _, err := g.AddUser(ctx, "bo", "root"); err == nil {
			t.Error("role root accepted")
		}
	})
}

// TestSnapshotsRecordTheirUserAndFilterByIt: CreatedBy round-trips, List
// filters by user, and CanEdit lets a user edit only their own snapshots and
// an admin anybody's.
func TestSnapshotsRecordTheirUserAndFilterByIt(t *testing.T) {
	eachStore(t, func(t *testing.T, g *Gallery) {
		ctx := context.Background()
		for _, who := range []string{"ana", "bo", "ana", ""} {
			if _, err := g.Create(ctx, Snapshot{Renderer: "Local", CreatedBy: who}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := g.List(ctx, Query{User: "ana"})
		if err != nil || len(got) != 2 || got[0].CreatedBy != "ana" || got[0].ID != 3 {
			t.Fatalf("ana's: %+v %v", got, err)
		}
		s1, _ := g.Get(ctx, 1)
		s2, _ := g.Get(ctx, 2)
		ana, bo, admin := User{Name: "ana", Role: RoleUser}, User{Name: "bo", Role: RoleUser}, User{Name: "root", Role: RoleAdmin}
		if !ana.CanEdit(s1) || ana.CanEdit(s2) || !bo.CanEdit(s2) || !admin.CanEdit(s1) || !admin.CanEdit(s2) {
			t.Fatal("CanEdit does not follow own-or-admin")
		}
		s4, _ := g.Get(ctx, 4)
		if ana.CanEdit(s4) || (User{}).CanEdit(s4) {
			t.Fatal("a snapshot of nobody is editable by a plain user")
		}
	})
}

// TestMigrationFromSchema1KeepsSnapshots opens a gallery written before
// users existed (schema 1) and checks that its snapshots survive the
// migration, made by nobody.
func TestMigrationFromSchema1KeepsSnapshots(t *testing.T) {
	dir := t.TempDir()
	g, err := openSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []string{sqliteMigrations[0], `PRAGMA user_version = 1`,
		`INSERT INTO snapshots (created_ns, updated_ns, renderer, state) VALUES (1, 1, 'Local', 'finished')`} {
		if _, err := g.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	g.db.Close()
	g, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	s, err := g.Get(ctx, 1)
	if err != nil || s.Renderer != "Local" || s.CreatedBy != "" {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := g.AddUser(ctx, "ana", RoleAdmin); err != nil {
		t.Fatal(err)
	}
}
