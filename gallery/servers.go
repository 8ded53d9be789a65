package gallery

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A team gallery is shared by several processes ("servers": every `serve`,
// and every CLI `render` that runs its render itself), on one database.
// Each live render is owned by the server that started it (the snapshot's
// OwnerID). Each server holds a lease in the servers table that it renews
// (RenewLease) well before it runs out; a server whose lease ran out is dead
// to the others, and the first of them to notice (ClaimExpired) deletes its
// row and, in the same transaction, marks its live renders interrupted, or
// takes over those that can be re-attached (farm jobs, which carry an
// attach token). Deleting the row is what makes the claim exclusive: of
// two servers that notice at once, one deletes it and the other finds
// nothing to claim; a server whose row is gone has lost its renders and
// must stop them (RenewLease says ErrLeaseLost). Times are the database's
// clock, so that servers with skewed clocks agree on leases.
//
// Changes are announced with PostgreSQL's NOTIFY on the channel "rgallery"
// (payload "<instance> <id> <kind>") and heard with Listen, so that every
// server's event streams see every server's renders.

// Server is one process running a team gallery's renders.
type Server struct {
	ID  string `json:"id"`
	URL string `json:"url"` // where its API answers (forwarded stop/click)
	// Key authenticates the forwarded requests of other servers.
	Key        string    `json:"-"`
	Host       string    `json:"host"`
	PID        int       `json:"pid"`
	Started    time.Time `json:"started"`
	LeaseUntil time.Time `json:"leaseUntil"`
}

// ErrLeaseLost: this server's lease ran out and another server took its
// renders over; it must stop running them.
var ErrLeaseLost = errors.New("this server's lease ran out and its renders were taken over")

// notifyChannel is the PostgreSQL channel of the gallery's changes in the
// public schema; a gallery in another schema (several galleries, or tests,
// in one database) has its own, since channels are per database.
const notifyChannel = "rgallery"

// channelFor is the notification channel of a gallery in schema.
func channelFor(schema string) string {
	if schema == "" || schema == "public" {
		return notifyChannel
	}
	return pgx.Identifier{notifyChannel + "_" + schema}.Sanitize()
}

func newInstanceID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// nowNS is the database clock in nanoseconds since 1970.
func (g *Gallery) nowNS() string {
	if g.d.dollar {
		return `(extract(epoch from clock_timestamp()) * 1000000000)::bigint`
	}
	return `CAST((julianday('now') - 2440587.5) * 86400000000000.0 AS INTEGER)`
}

// ServerID is the id of the server this process runs renders as, "" when
// it is not one (single-user galleries).
func (g *Gallery) ServerID() string {
	g.serverMu.Lock()
	defer g.serverMu.Unlock()
	return g.server
}

// RegisterServer records this process as a server of the gallery with a
// lease of the given length and makes it the owner of the renders it
// creates from now on. s.ID and s.Key are generated when empty; the
// registered server is returned.
func (g *Gallery) RegisterServer(ctx context.Context, s Server, lease time.Duration) (Server, error) {
	if s.ID == "" {
		s.ID = s.Host + "-" + strconv.Itoa(s.PID) + "-" + newInstanceID()
	}
	if s.Key == "" {
		s.Key = newInstanceID() + newInstanceID()
	}
	_, err := g.execContext(ctx, `INSERT INTO servers (id, url, key, host, pid, started_ns, lease_until_ns)
		VALUES (?, ?, ?, ?, ?, `+g.nowNS()+`, `+g.nowNS()+` + ?)`, s.ID, s.URL, s.Key, s.Host, s.PID, lease.Nanoseconds())
	if err != nil {
		return s, fmt.Errorf("register server %s: %w", s.ID, err)
	}
	g.serverMu.Lock()
	g.server = s.ID
	g.serverMu.Unlock()
	return g.ServerByID(ctx, s.ID)
}

// RenewLease extends this server's lease to lease from now, or returns
// ErrLeaseLost when another server has claimed it.
func (g *Gallery) RenewLease(ctx context.Context, lease time.Duration) error {
	id := g.ServerID()
	res, err := g.execContext(ctx, `UPDATE servers SET lease_until_ns = `+g.nowNS()+` + ? WHERE id = ?`, lease.Nanoseconds(), id)
	if err != nil {
		return fmt.Errorf("renew the lease of server %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("server %s: %w", id, ErrLeaseLost)
	}
	return nil
}

// Unregister removes this server's row at a clean exit. Its live renders
// that can be re-attached stay for another server to claim at once.
func (g *Gallery) Unregister(ctx context.Context) error {
	id := g.ServerID()
	if id == "" {
		return nil
	}
	if _, err := g.execContext(ctx, `DELETE FROM servers WHERE id = ?`, id); err != nil {
		return fmt.Errorf("unregister server %s: %w", id, err)
	}
	return nil
}

// ServerByID returns a registered server, or an error wrapping
// sql.ErrNoRows when none has that id (it is gone).
func (g *Gallery) ServerByID(ctx context.Context, id string) (Server, error) {
	var s Server
	var started, until int64
	err := g.queryRowContext(ctx, `SELECT id, url, key, host, pid, started_ns, lease_until_ns FROM servers WHERE id = ?`, id).
		Scan(&s.ID, &s.URL, &s.Key, &s.Host, &s.PID, &started, &until)
	if err != nil {
		return s, fmt.Errorf("server %s: %w", id, err)
	}
	s.Started, s.LeaseUntil = time.Unix(0, started), time.Unix(0, until)
	return s, nil
}

// Servers lists the registered servers.
func (g *Gallery) Servers(ctx context.Context) ([]Server, error) {
	rows, err := g.queryContext(ctx, `SELECT id, url, host, pid, started_ns, lease_until_ns FROM servers ORDER BY started_ns`)
	if err != nil {
		return nil, fmt.Errorf("list servers: %w", err)
	}
	defer rows.Close()
	var out []Server
	for rows.Next() {
		var s Server
		var started, until int64
		if err := rows.Scan(&s.ID, &s.URL, &s.Host, &s.PID, &started, &until); err != nil {
			return nil, fmt.Errorf("list servers: %w", err)
		}
		s.Started, s.LeaseUntil = time.Unix(0, started), time.Unix(0, until)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Claim is what ClaimExpired did.
type Claim struct {
	Dead        []string // servers whose lease had run out
	Interrupted []int64  // their live renders, now interrupted
	Reattach    []int64  // their re-attachable renders, now this server's
}

// ClaimExpired deletes the servers whose lease ran out and, in the same
// transaction, marks the live renders of every server that is gone
// interrupted (reason as their error), except those with an attach token,
// which it makes this server's: the caller re-attaches them (Detached
// lists them). At most one server claims a given render.
func (g *Gallery) ClaimExpired(ctx context.Context, reason string) (Claim, error) {
	var c Claim
	self := g.ServerID()
	if self == "" {
		return c, errors.New("claim expired renders: this process is not a registered server")
	}
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return c, fmt.Errorf("claim expired renders: %w", err)
	}
	defer tx.Rollback()
	// collect runs a query and hands each value of its one column to add.
	collect := func(add func(string), query string, args ...any) error {
		rows, err := tx.QueryContext(ctx, g.d.q(query), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return err
			}
			add(v)
		}
		return rows.Err()
	}
	addID := func(to *[]int64) func(string) {
		return func(v string) { id, _ := strconv.ParseInt(v, 10, 64); *to = append(*to, id) }
	}
	err = collect(func(v string) { c.Dead = append(c.Dead, v) },
		`DELETE FROM servers WHERE lease_until_ns < `+g.nowNS()+` AND id != ? RETURNING id`, self)
	if err != nil {
		return c, fmt.Errorf("claim expired renders: %w", err)
	}
	orphan := `owner_id != '' AND owner_id != ? AND state IN ('queued', 'rendering') AND owner_id NOT IN (SELECT id FROM servers)`
	err = collect(addID(&c.Interrupted), `UPDATE snapshots SET state = 'interrupted', error = ?, updated_ns = `+g.nowNS()+`, finished_ns = `+g.nowNS()+`
		WHERE `+orphan+` AND attach_token = '' RETURNING id`, reason, self)
	if err != nil {
		return c, fmt.Errorf("claim expired renders: %w", err)
	}
	err = collect(addID(&c.Reattach), `UPDATE snapshots SET owner_id = ?, owner_pid = 0 WHERE `+orphan+` AND attach_token != '' RETURNING id`, self, self)
	if err != nil {
		return c, fmt.Errorf("claim expired renders: %w", err)
	}
	for _, id := range c.Interrupted {
		g.notifyTx(ctx, tx, id, "state")
	}
	for _, id := range c.Reattach {
		g.notifyTx(ctx, tx, id, "updated")
	}
	if err := tx.Commit(); err != nil {
		return Claim{}, fmt.Errorf("claim expired renders: %w", err)
	}
	return c, nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// notify announces a change of snapshot id to the gallery's other
// processes (PostgreSQL only; within a transaction it is sent at commit).
// A failed notification is not the change's failure: it is logged.
func (g *Gallery) notifyTx(ctx context.Context, ex execer, id int64, kind string) {
	if !g.d.dollar {
		return
	}
	payload := g.instance + " " + strconv.FormatInt(id, 10) + " " + kind
	if _, err := ex.ExecContext(ctx, `SELECT pg_notify($1, $2)`, strings.Trim(g.channel, `"`), payload); err != nil {
		slog.Warn("gallery change not announced to other servers", "snapshot", id, "err", err)
	}
}

func (g *Gallery) notify(ctx context.Context, id int64, kind string) { g.notifyTx(ctx, g.db, id, kind) }

// Change is a change of a snapshot made by another process.
type Change struct {
	ID   int64
	Kind string // created, state, image, metadata, updated, deleted
}

// Shared reports whether other processes may change the gallery while this
// one runs (a PostgreSQL gallery), so that Listen has something to hear.
func (g *Gallery) Shared() bool { return g.d.dollar }

// Listen calls f with every change other processes make to the gallery
// until ctx ends (PostgreSQL LISTEN on its own connection; it reconnects
// after errors, and then calls lost, as changes may have been missed). On
// SQLite it returns at once: nothing to hear.
func (g *Gallery) Listen(ctx context.Context, f func(Change), lost func()) error {
	if !g.d.dollar {
		return nil
	}
	delay := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := g.listenOnce(ctx, f, func() {
			if !first && lost != nil {
				lost()
			}
			first = false
			delay = 100 * time.Millisecond
		})
		if ctx.Err() != nil {
			break
		}
		slog.Warn("gallery change listener reconnects", "err", err, "in", delay)
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
	return ctx.Err()
}

func (g *Gallery) listenOnce(ctx context.Context, f func(Change), listening func()) error {
	conn, err := pgx.Connect(ctx, g.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+g.channel); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		inst, rest, ok := strings.Cut(n.Payload, " ")
		if !ok || inst == g.instance {
			continue
		}
		ids, kind, _ := strings.Cut(rest, " ")
		id, err := strconv.ParseInt(ids, 10, 64)
		if err != nil {
			continue
		}
		f(Change{ID: id, Kind: kind})
	}
}
