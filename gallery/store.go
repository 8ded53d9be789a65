// Package gallery keeps render snapshots: a database with one row per
// snapshot, and beside it the images, thumbnails, render logs and stored
// scene files. The database is SQLite by default (pure Go,
// modernc.org/sqlite, WAL mode, the file gallery.db in the gallery dir) or,
// for a team's shared gallery, PostgreSQL (github.com/jackc/pgx/v5, see
// OpenDB); the schema and queries are the same, see dialect.go.
//
// Layout of a gallery directory:
//
//	gallery.db            the database (schema migrated in code, see migrations)
//	images/<id>/          the gallery's copy of a snapshot's image
//	thumbs/<id>.png       256-px thumbnail
//	logs/<id>.log         the render's log
//	scenes/<sha256>/      content-addressed copies of rendered scene files
//
// The package does not run renders; bgrender's Manager records them here.
package gallery

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	neturl "net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"               // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Gallery is an open gallery directory. It is safe for concurrent use.
type Gallery struct {
	dir string
	db  *sql.DB
	d   *dialect
	// cols are the columns scanSnapshot reads, from snapshots aliased s.
	cols string
	// Statements of the progress path, prepared once: parsing SQL was most
	// of the cost of recording hundreds of live renders.
	setStats, bumpImage, readMetadata, writeMetadata *sql.Stmt

	// url is the PostgreSQL database's URL ("" for SQLite), for the
	// listening connection of Listen.
	url string
	// instance names this Gallery value in its change notifications, so
	// that Listen skips the changes it made itself; channel is where they
	// go (PostgreSQL).
	instance, channel string
	// server is the id of the server (servers.go) this process runs
	// renders as; "" outside team mode.
	serverMu sync.Mutex
	server   string

	observeQuery func(op string, d time.Duration)
}

// DefaultDir returns the gallery directory used when none is given:
// $RGALLERY_DIR, else the system's place for an application's data:
//
//   - Linux and others: $XDG_DATA_HOME/rgallery, else ~/.local/share/rgallery
//     (XDG Base Directory Specification);
//   - macOS: ~/Library/Application Support/rgallery (Apple's File System
//     Programming Guide, "The Library Directory");
//   - Windows: %LOCALAPPDATA%\rgallery (the local, not roaming, AppData: a
//     gallery is large and belongs to the machine).
func DefaultDir() (string, error) {
	home, herr := os.UserHomeDir()
	return defaultDir(runtime.GOOS, os.Getenv, home, herr)
}

// defaultDir is DefaultDir for a given system, environment and home dir,
// so that every system's rule is tested everywhere.
func defaultDir(goos string, getenv func(string) string, home string, herr error) (string, error) {
	if d := getenv("RGALLERY_DIR"); d != "" {
		return d, nil
	}
	switch goos {
	case "windows":
		if d := getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "rgallery"), nil
		}
		return "", errors.New("find the default gallery dir: %LOCALAPPDATA% is not set; set RGALLERY_DIR or use --gallery")
	case "darwin":
		if herr != nil {
			return "", fmt.Errorf("find the default gallery dir: %w", herr)
		}
		return filepath.Join(home, "Library", "Application Support", "rgallery"), nil
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "rgallery"), nil
	}
	if herr != nil {
		return "", fmt.Errorf("find the default gallery dir: %w", herr)
	}
	return filepath.Join(home, ".local", "share", "rgallery"), nil
}

// Open opens the gallery in dir with its embedded SQLite database,
// creating it and migrating its schema as needed.
func Open(ctx context.Context, dir string) (*Gallery, error) {
	return OpenDB(ctx, dir, "")
}

// IsPostgres reports whether db names a PostgreSQL database (a
// postgres:// or postgresql:// URL, as RGALLERY_DB and --db take them).
func IsPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// OpenDB opens the gallery in dir whose database is db: "" for the
// embedded SQLite file dir/gallery.db, or a PostgreSQL URL for a team's
// gallery, whose images, thumbnails, logs and scenes stay files under dir
// (shared storage). The schema is created or migrated as needed.
func OpenDB(ctx context.Context, dir, db string) (*Gallery, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("gallery dir %s: %w", dir, err)
	}
	for _, sub := range []string{"", "images", "thumbs", "logs", "scenes"} {
		if err := os.MkdirAll(filepath.Join(abs, sub), 0o755); err != nil {
			return nil, fmt.Errorf("create gallery dir: %w", err)
		}
	}
	if err := checkWritable(abs); err != nil {
		return nil, err
	}
	var g *Gallery
	switch {
	case db == "":
		g, err = openSQLite(abs)
	case IsPostgres(db):
		g, err = openPostgres(abs, db)
	default:
		return nil, fmt.Errorf("gallery database %q: not a postgres:// URL (leave it empty for the embedded SQLite file)", db)
	}
	if err != nil {
		return nil, err
	}
	g.cols = snapshotColumns + g.d.tags
	g.instance = newInstanceID()
	// Processes that open a new gallery at the same moment can find the
	// database busy while one of them turns on WAL mode, which SQLite
	// reports at once instead of waiting; they try again for a while.
	delay := 10 * time.Millisecond
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := g.migrate(ctx)
		if err == nil {
			break
		}
		if !isBusy(err) || time.Now().After(deadline) {
			g.db.Close()
			return nil, fmt.Errorf("gallery %s: %w", abs, err)
		}
		select {
		case <-ctx.Done():
			g.db.Close()
			return nil, fmt.Errorf("gallery %s: %w", abs, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
	if err := g.prepare(ctx); err != nil {
		g.db.Close()
		return nil, fmt.Errorf("gallery %s: %w", abs, err)
	}
	if g.d.dollar {
		var schema string
		if err := g.db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			g.db.Close()
			return nil, fmt.Errorf("gallery %s: %w", abs, err)
		}
		g.channel = channelFor(schema)
	}
	return g, nil
}

func openSQLite(dir string) (*Gallery, error) {
	dsn := "file:" + filepath.Join(dir, "gallery.db") +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open gallery database in %s: %w", dir, err)
	}
	db.SetMaxOpenConns(4)
	return &Gallery{dir: dir, db: db, d: sqliteDialect}, nil
}

func openPostgres(dir, url string) (*Gallery, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open gallery database %s: %w", redactURL(url), err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &Gallery{dir: dir, db: db, d: postgresDialect, url: url}, nil
}

// redactURL hides the password of a database URL in messages.
func redactURL(s string) string {
	u, err := neturl.Parse(s)
	if err != nil {
		return "(unparsable database URL)"
	}
	return u.Redacted()
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

func (g *Gallery) prepare(ctx context.Context) error {
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&g.setStats, `UPDATE snapshots SET total_clock_time = coalesce(?, total_clock_time),
			percent_done = coalesce(?, percent_done), peak_memory = coalesce(?, peak_memory), updated_ns = ? WHERE id = ?`},
		{&g.bumpImage, `UPDATE snapshots SET image_version = image_version + ? WHERE id = ?`},
		{&g.readMetadata, `SELECT metadata FROM snapshots WHERE id = ?`},
		{&g.writeMetadata, `UPDATE snapshots SET metadata = ? WHERE id = ?`},
	} {
		st, err := g.db.PrepareContext(ctx, g.d.q(p.sql))
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		*p.stmt = st
	}
	return nil
}

// checkWritable fails early, with the directory's name, when the gallery
// cannot be written, instead of failing at the first snapshot.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("gallery dir %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// Dir returns the gallery's absolute directory.
func (g *Gallery) Dir() string { return g.dir }

// Path turns a path stored relative to the gallery dir into an absolute one.
func (g *Gallery) Path(rel string) string {
	if rel == "" || filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(g.dir, rel)
}

// Close closes the database.
func (g *Gallery) Close() error {
	for _, st := range []*sql.Stmt{g.setStats, g.bumpImage, g.readMetadata, g.writeMetadata} {
		if st != nil {
			st.Close()
		}
	}
	return g.db.Close()
}

func (g *Gallery) migrate(ctx context.Context) error {
	conn, err := g.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, g.d.begin); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	version, err := g.d.version(ctx, conn)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(g.d.migrations) {
		return fmt.Errorf("database schema version %d is newer than this rgallery knows (%d)", version, len(g.d.migrations))
	}
	for i := version; i < len(g.d.migrations); i++ {
		if _, err := conn.ExecContext(ctx, g.d.migrations[i]); err != nil {
			return fmt.Errorf("migrate to schema %d: %w", i+1, err)
		}
		if err := g.d.setVersion(ctx, conn, i+1); err != nil {
			return fmt.Errorf("migrate to schema %d: %w", i+1, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	committed = true
	return nil
}

func (g *Gallery) execContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if g.observeQuery != nil {
		defer g.observe(query, time.Now())
	}
	return g.db.ExecContext(ctx, g.d.q(query), args...)
}

func (g *Gallery) queryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if g.observeQuery != nil {
		defer g.observe(query, time.Now())
	}
	return g.db.QueryContext(ctx, g.d.q(query), args...)
}

func (g *Gallery) queryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if g.observeQuery != nil {
		defer g.observe(query, time.Now())
	}
	return g.db.QueryRowContext(ctx, g.d.q(query), args...)
}

// ObserveQueries makes the gallery tell f how long each database statement
// took, by its first word (SELECT, UPDATE, INSERT, DELETE), for the
// server's metrics; call it once, before use.
func (g *Gallery) ObserveQueries(f func(op string, d time.Duration)) { g.observeQuery = f }

func (g *Gallery) observe(query string, t0 time.Time) {
	op, _, _ := strings.Cut(strings.TrimSpace(query), " ")
	g.observeQuery(strings.ToUpper(op), time.Since(t0))
}

// Create inserts a new snapshot and returns it with its id set. State
// defaults to queued, Created to now.
func (g *Gallery) Create(ctx context.Context, s Snapshot) (Snapshot, error) {
	now := time.Now()
	if s.Created.IsZero() {
		s.Created = now
	}
	s.Updated = now
	if s.State == "" {
		s.State = Queued
	}
	if s.OwnerID == "" && s.State.Live() {
		s.OwnerID = g.ServerID()
	}
	opts, err := marshalMap(s.Options)
	if err != nil {
		return s, fmt.Errorf("snapshot options: %w", err)
	}
	md, err := marshalMap(s.Metadata)
	if err != nil {
		return s, fmt.Errorf("snapshot metadata: %w", err)
	}
	err = g.queryRowContext(ctx, `INSERT INTO snapshots
		(label, created_ns, updated_ns, renderer, options, source, stored_scene, camera, rendersettings,
		 res_x, res_y, state, error, metadata, star, colour, notes, owner_pid, created_by, owner_id)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		s.Label, s.Created.UnixNano(), s.Updated.UnixNano(), s.Renderer, opts, s.Source, s.StoredScene,
		s.Camera, s.RenderSettings, s.ResX, s.ResY, string(s.State), s.Error, md, b2i(s.Star), s.Colour, s.Notes, s.OwnerPID, s.CreatedBy, s.OwnerID).Scan(&s.ID)
	if err != nil {
		return s, fmt.Errorf("insert snapshot: %w", err)
	}
	if s.LogPath == "" {
		s.LogPath = filepath.Join("logs", fmt.Sprintf("%d.log", s.ID))
		if _, err := g.execContext(ctx, `UPDATE snapshots SET log_path = ? WHERE id = ?`, s.LogPath, s.ID); err != nil {
			return s, fmt.Errorf("snapshot %d: set log path: %w", s.ID, err)
		}
	}
	if len(s.Tags) > 0 {
		if err := g.AddTags(ctx, s.ID, s.Tags...); err != nil {
			return s, err
		}
	}
	g.notify(ctx, s.ID, "created")
	return s, nil
}

func marshalMap(m map[string]any) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

const snapshotColumns = `s.id, s.label, s.created_ns, s.updated_ns, s.finished_ns, s.renderer, s.options, s.source,
	s.stored_scene, s.camera, s.rendersettings, s.res_x, s.res_y, s.state, s.error, s.image, s.image_version,
	s.thumb, s.metadata, s.total_clock_time, s.percent_done, s.peak_memory, s.star, s.colour, s.notes,
	s.log_path, s.attach_token, s.owner_pid, s.created_by, s.owner_id, `

type rowScanner interface{ Scan(dest ...any) error }

func scanSnapshot(r rowScanner) (Snapshot, error) {
	var (
		s                          Snapshot
		created, updated, finished int64
		opts, md, state            string
		total, percent             sql.NullFloat64
		peak                       sql.NullInt64
		tags                       sql.NullString
	)
	err := r.Scan(&s.ID, &s.Label, &created, &updated, &finished, &s.Renderer, &opts, &s.Source,
		&s.StoredScene, &s.Camera, &s.RenderSettings, &s.ResX, &s.ResY, &state, &s.Error, &s.Image, &s.ImageVersion,
		&s.Thumb, &md, &total, &percent, &peak, &s.Star, &s.Colour, &s.Notes,
		&s.LogPath, &s.AttachToken, &s.OwnerPID, &s.CreatedBy, &s.OwnerID, &tags)
	if err != nil {
		return s, err
	}
	s.Created = time.Unix(0, created)
	s.Updated = time.Unix(0, updated)
	if finished != 0 {
		s.Finished = time.Unix(0, finished)
	}
	s.State = State(state)
	if err := json.Unmarshal([]byte(opts), &s.Options); err != nil {
		return s, fmt.Errorf("snapshot %d: options: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(md), &s.Metadata); err != nil {
		return s, fmt.Errorf("snapshot %d: metadata: %w", s.ID, err)
	}
	if total.Valid {
		s.Stats.TotalClockTime = &total.Float64
	}
	if percent.Valid {
		s.Stats.PercentDone = &percent.Float64
	}
	if peak.Valid {
		s.Stats.PeakMemory = &peak.Int64
	}
	if tags.Valid && tags.String != "" {
		s.Tags = strings.Split(tags.String, "\n")
	}
	return s, nil
}

// Get returns one snapshot, or a *NotFoundError.
func (g *Gallery) Get(ctx context.Context, id int64) (Snapshot, error) {
	row := g.queryRowContext(ctx, `SELECT `+g.cols+` FROM snapshots s WHERE s.id = ?`, id)
	s, err := scanSnapshot(row)
	if errors.Is(err, sql.ErrNoRows) {
		return s, &NotFoundError{ID: id}
	}
	if err != nil {
		return s, fmt.Errorf("read snapshot %d: %w", id, err)
	}
	return s, nil
}

// Query selects snapshots for List. The zero Query lists the newest 50.
type Query struct {
	Limit    int    // at most this many (default 50, at most 1000)
	BeforeID int64  // only ids below this: the paging cursor (newest first)
	Text     string // substring of label, source, renderer or notes
	Tag      string
	Starred  bool
	Renderer string
	State    State
	User     string // only snapshots this user made (CreatedBy)
}

// List returns snapshots newest first. Its cost depends on the page size,
// not on the size of the gallery, for the unfiltered and tag queries.
func (g *Gallery) List(ctx context.Context, q Query) ([]Snapshot, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Limit > 1000 {
		q.Limit = 1000
	}
	var (
		where []string
		args  []any
	)
	if q.BeforeID > 0 {
		where = append(where, "s.id < ?")
		args = append(args, q.BeforeID)
	}
	if q.Text != "" {
		where = append(where, strings.ReplaceAll("(instr(lower(s.label), lower(?)) > 0 OR instr(lower(s.source), lower(?)) > 0 OR instr(lower(s.renderer), lower(?)) > 0 OR instr(lower(s.notes), lower(?)) > 0)", "instr", g.d.strpos))
		args = append(args, q.Text, q.Text, q.Text, q.Text)
	}
	if q.Tag != "" {
		where = append(where, "EXISTS (SELECT 1 FROM tags t WHERE t.snapshot_id = s.id AND t.tag = ?)")
		args = append(args, q.Tag)
	}
	if q.Starred {
		where = append(where, "s.star = 1")
	}
	if q.Renderer != "" {
		where = append(where, "s.renderer = ?")
		args = append(args, q.Renderer)
	}
	if q.User != "" {
		where = append(where, "s.created_by = ?")
		args = append(args, q.User)
	}
	if q.State != "" {
		where = append(where, "s.state = ?")
		args = append(args, string(q.State))
	}
	query := `SELECT ` + g.cols + ` FROM snapshots s`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY s.id DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := g.queryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	defer rows.Close()
	var out []Snapshot
	for rows.Next() {
		s, err := scanSnapshot(rows)
		if err != nil {
			return nil, fmt.Errorf("list snapshots: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	return out, nil
}

// Count returns the number of snapshots.
func (g *Gallery) Count(ctx context.Context) (int64, error) {
	var n int64
	err := g.queryRowContext(ctx, `SELECT count(*) FROM snapshots`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count snapshots: %w", err)
	}
	return n, nil
}

// exec runs an UPDATE of one snapshot and turns "no row" into *NotFoundError.
func (g *Gallery) exec(ctx context.Context, id int64, what, query string, args ...any) error {
	res, err := g.execContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("snapshot %d: %s: %w", id, what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("snapshot %d: %s: %w", id, what, err)
	}
	if n == 0 {
		return &NotFoundError{ID: id}
	}
	g.notify(ctx, id, execKind(what))
	return nil
}

// execKind is the change an exec of what announces (see notify).
func execKind(what string) string {
	switch what {
	case "set state":
		return "state"
	case "delete":
		return "deleted"
	case "set image":
		return "image"
	}
	return "updated"
}

// SetState moves a snapshot to state, with an error message for failed ones.
func (g *Gallery) SetState(ctx context.Context, id int64, state State, errMsg string) error {
	now := time.Now().UnixNano()
	finished := int64(0)
	if state.Final() {
		finished = now
	}
	if finished == 0 {
		return g.exec(ctx, id, "set state", `UPDATE snapshots SET state = ?, error = ?, updated_ns = ? WHERE id = ?`,
			string(state), errMsg, now, id)
	}
	return g.exec(ctx, id, "set state", `UPDATE snapshots SET state = ?, error = ?, updated_ns = ?, finished_ns = ? WHERE id = ?`,
		string(state), errMsg, now, finished, id)
}

// SetOwner records which process runs the render, and the token a renderer
// needs to re-attach to it after that process is gone.
func (g *Gallery) SetOwner(ctx context.Context, id int64, pid int, attachToken string) error {
	return g.exec(ctx, id, "set owner", `UPDATE snapshots SET owner_pid = ?, attach_token = ? WHERE id = ?`, pid, attachToken, id)
}

// UpdateMetadata merges md into the snapshot's metadata; the seed's stats
// keys go to the typed stats columns instead. Values that cannot be read as
// the stat's type are kept as metadata, so nothing a renderer said is lost.
func (g *Gallery) UpdateMetadata(ctx context.Context, id int64, md map[string]any) error {
	return g.RecordProgress(ctx, map[int64]Progress{id: {Metadata: md}})
}

// Progress is what a live render reported since it was last recorded.
type Progress struct {
	Metadata map[string]any
	// NewImages counts new progressive images that the gallery has not
	// copied: they bump ImageVersion, so that viewers fetch the live image.
	NewImages int64
}

// RecordProgress records the progress of many snapshots in one
// transaction: the Manager records all live renders at once, so that a
// commit is not paid per render and poll. A snapshot that does not exist is
// skipped and reported with the first error.
func (g *Gallery) RecordProgress(ctx context.Context, updates map[int64]Progress) error {
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update metadata: %w", err)
	}
	defer tx.Rollback()
	var firstErr error
	for id, p := range updates {
		var err error
		if p.NewImages > 0 {
			_, err = tx.StmtContext(ctx, g.bumpImage).ExecContext(ctx, p.NewImages, id)
		}
		if err == nil && len(p.Metadata) > 0 {
			err = g.updateMetadataTx(ctx, tx, id, p.Metadata)
		}
		var nf *NotFoundError
		if errors.As(err, &nf) {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if err != nil {
			return err
		}
		kind := "metadata"
		if p.NewImages > 0 {
			kind = "image"
		}
		g.notifyTx(ctx, tx, id, kind)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("update metadata: %w", err)
	}
	return firstErr
}

func (g *Gallery) updateMetadataTx(ctx context.Context, tx *sql.Tx, id int64, md map[string]any) error {
	// The stats go to their typed columns; only other keys need the JSON
	// metadata read, merged and written back. Progress updates are mostly
	// stats alone, and then cost one UPDATE.
	var total, percent, peak any // nil leaves the column as it is
	rest := map[string]any{}
	for k, v := range md {
		f, isNum := toFloat(v)
		switch {
		case k == "totalClockTime" && isNum:
			total = f
		case k == "percentDone" && isNum:
			percent = f
		case k == "peakMemory" && isNum:
			peak = int64(f)
		default:
			rest[k] = v
		}
	}
	res, err := tx.StmtContext(ctx, g.setStats).ExecContext(ctx, total, percent, peak, time.Now().UnixNano(), id)
	if err != nil {
		return fmt.Errorf("snapshot %d: update metadata: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &NotFoundError{ID: id}
	}
	if len(rest) == 0 {
		return nil
	}
	var cur string
	if err := tx.StmtContext(ctx, g.readMetadata).QueryRowContext(ctx, id).Scan(&cur); err != nil {
		return fmt.Errorf("snapshot %d: update metadata: %w", id, err)
	}
	merged := map[string]any{}
	if err := json.Unmarshal([]byte(cur), &merged); err != nil {
		merged = map[string]any{}
	}
	maps.Copy(merged, rest)
	b, err := json.Marshal(merged)
	if err != nil {
		return fmt.Errorf("snapshot %d: metadata is not JSON: %w", id, err)
	}
	if _, err := tx.StmtContext(ctx, g.writeMetadata).ExecContext(ctx, string(b), id); err != nil {
		return fmt.Errorf("snapshot %d: update metadata: %w", id, err)
	}
	return nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// SetLabel, SetStar, SetColour and SetNotes edit what the user says about a
// snapshot.
func (g *Gallery) SetLabel(ctx context.Context, id int64, label string) error {
	return g.exec(ctx, id, "set label", `UPDATE snapshots SET label = ? WHERE id = ?`, label, id)
}

// SetStar stars or unstars a snapshot.
func (g *Gallery) SetStar(ctx context.Context, id int64, star bool) error {
	return g.exec(ctx, id, "set star", `UPDATE snapshots SET star = ? WHERE id = ?`, b2i(star), id)
}

// SetColour sets the snapshot's colour label ("" clears it).
func (g *Gallery) SetColour(ctx context.Context, id int64, colour string) error {
	return g.exec(ctx, id, "set colour", `UPDATE snapshots SET colour = ? WHERE id = ?`, colour, id)
}

// SetNotes sets the snapshot's free-text notes.
func (g *Gallery) SetNotes(ctx context.Context, id int64, notes string) error {
	return g.exec(ctx, id, "set notes", `UPDATE snapshots SET notes = ? WHERE id = ?`, notes, id)
}

// ValidTag reports whether t can be used as a tag: non-empty, at most 64
// characters, no newline or control characters.
func ValidTag(t string) error {
	if t == "" || len(t) > 64 {
		return fmt.Errorf("tag %q: must be 1 to 64 characters", t)
	}
	for _, r := range t {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("tag %q: control characters are not allowed", t)
		}
	}
	return nil
}

// AddTags adds tags to a snapshot; tags it has already are left alone.
func (g *Gallery) AddTags(ctx context.Context, id int64, tags ...string) error {
	for _, t := range tags {
		if err := ValidTag(t); err != nil {
			return err
		}
	}
	if _, err := g.Get(ctx, id); err != nil {
		return err
	}
	for _, t := range tags {
		if _, err := g.execContext(ctx, `INSERT INTO tags (snapshot_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, t); err != nil {
			return fmt.Errorf("snapshot %d: add tag %q: %w", id, t, err)
		}
	}
	g.notify(ctx, id, "updated")
	return nil
}

// RemoveTags removes tags from a snapshot.
func (g *Gallery) RemoveTags(ctx context.Context, id int64, tags ...string) error {
	for _, t := range tags {
		if _, err := g.execContext(ctx, `DELETE FROM tags WHERE snapshot_id = ? AND tag = ?`, id, t); err != nil {
			return fmt.Errorf("snapshot %d: remove tag %q: %w", id, t, err)
		}
	}
	g.notify(ctx, id, "updated")
	return nil
}

// Delete removes a snapshot and its image, thumbnail and log. A live render
// cannot be deleted; stop it first.
func (g *Gallery) Delete(ctx context.Context, id int64) error {
	s, err := g.Get(ctx, id)
	if err != nil {
		return err
	}
	if s.State.Live() {
		return fmt.Errorf("snapshot %d is %s: stop it before deleting it", id, s.State)
	}
	if err := g.exec(ctx, id, "delete", `DELETE FROM snapshots WHERE id = ?`, id); err != nil {
		return err
	}
	var errs []error
	for _, p := range []string{filepath.Join(g.dir, "images", fmt.Sprint(id)), g.Path(s.Thumb), g.Path(s.LogPath)} {
		if p == "" {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("snapshot %d deleted, but some of its files were not: %w", id, err)
	}
	return nil
}

// LastOptions returns the options the renderer label was last run with, or
// nil if it never ran in this gallery.
func (g *Gallery) LastOptions(ctx context.Context, label string) (map[string]any, error) {
	var js string
	err := g.queryRowContext(ctx, `SELECT options FROM renderer_options WHERE label = ?`, label).Scan(&js)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("last options of %q: %w", label, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return nil, fmt.Errorf("last options of %q: %w", label, err)
	}
	return m, nil
}

// SaveLastOptions remembers the plugin options a renderer label ran with.
func (g *Gallery) SaveLastOptions(ctx context.Context, label string, opts map[string]any) error {
	js, err := marshalMap(opts)
	if err != nil {
		return fmt.Errorf("options of %q: %w", label, err)
	}
	_, err = g.execContext(ctx, `INSERT INTO renderer_options (label, options, updated_ns) VALUES (?, ?, ?)
		ON CONFLICT(label) DO UPDATE SET options = excluded.options, updated_ns = excluded.updated_ns`,
		label, js, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("save options of %q: %w", label, err)
	}
	return nil
}

// MarkInterrupted moves every queued or rendering snapshot that has no
// re-attach token to interrupted: called by a new owner, whose predecessor
// died without finishing them. It returns the ids it changed.
func (g *Gallery) MarkInterrupted(ctx context.Context, reason string) ([]int64, error) {
	rows, err := g.queryContext(ctx, `SELECT id FROM snapshots WHERE state IN ('queued', 'rendering') AND attach_token = '' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("find interrupted renders: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find interrupted renders: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := g.SetState(ctx, id, Interrupted, reason); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// Detached returns the live snapshots that carry a re-attach token, of
// this process's server in a team gallery (ClaimExpired hands it those of
// dead servers).
func (g *Gallery) Detached(ctx context.Context) ([]Snapshot, error) {
	rows, err := g.queryContext(ctx, `SELECT `+g.cols+` FROM snapshots s
		WHERE s.state IN ('queued', 'rendering') AND s.attach_token != '' AND s.owner_id = ? ORDER BY s.id`, g.ServerID())
	if err != nil {
		return nil, fmt.Errorf("find detached renders: %w", err)
	}
	defer rows.Close()
	var out []Snapshot
	for rows.Next() {
		s, err := scanSnapshot(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SetOptions records the options a snapshot was rendered with.
func (g *Gallery) SetOptions(ctx context.Context, id int64, opts map[string]any) error {
	js, err := marshalMap(opts)
	if err != nil {
		return fmt.Errorf("snapshot %d: options: %w", id, err)
	}
	return g.exec(ctx, id, "set options", `UPDATE snapshots SET options = ? WHERE id = ?`, js, id)
}
