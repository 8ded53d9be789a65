package gallery

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// A dialect is what differs between the gallery's two databases: SQLite
// (embedded, the default) and PostgreSQL (a team's shared gallery). The
// queries are written once, in SQLite's form with ? placeholders, and
// rebound for PostgreSQL; the few expressions that have no common form live
// here.
type dialect struct {
	name string
	// dollar: PostgreSQL numbers its placeholders ($1, $2, ...).
	dollar bool
	// tags is the newline-joined, sorted tags of the snapshot aliased s.
	tags string
	// strpos is the function giving the position of a substring (1-based,
	// 0 when absent): instr(haystack, needle) or strpos(haystack, needle).
	strpos string
	// migrations are applied in order by migrate; append only.
	migrations []string
	// version reads and setVersion writes the number of applied migrations
	// inside the migration's transaction.
	version    func(ctx context.Context, tx *sql.Conn) (int, error)
	setVersion func(ctx context.Context, tx *sql.Conn, v int) error
	// begin starts the migration's transaction, serialised between
	// processes that open the same new gallery at once.
	begin string
}

// q rebinds a query written with ? placeholders for the dialect. The
// gallery's queries hold no ? inside string literals.
func (d *dialect) q(query string) string {
	if !d.dollar {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

var sqliteDialect = &dialect{
	name:       "sqlite",
	tags:       `(SELECT group_concat(tag, char(10)) FROM (SELECT tag FROM tags WHERE snapshot_id = s.id ORDER BY tag))`,
	strpos:     "instr",
	migrations: sqliteMigrations,
	// BEGIN IMMEDIATE takes the write lock before the version is read, so
	// that two processes opening a new gallery at once migrate it once.
	begin: `BEGIN IMMEDIATE`,
	version: func(ctx context.Context, c *sql.Conn) (int, error) {
		var v int
		err := c.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v)
		return v, err
	},
	setVersion: func(ctx context.Context, c *sql.Conn, v int) error {
		_, err := c.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v))
		return err
	},
}

// pgMigrationLock is the key of the advisory lock that serialises the
// migrations of servers starting at once on one database.
const pgMigrationLock = 0x7267616c6c657279 // "rgallery"

var postgresDialect = &dialect{
	name:       "postgres",
	dollar:     true,
	tags:       `(SELECT string_agg(tag, E'\n' ORDER BY tag) FROM tags WHERE snapshot_id = s.id)`,
	strpos:     "strpos",
	migrations: postgresMigrations,
	begin:      `BEGIN`,
	version: func(ctx context.Context, c *sql.Conn) (int, error) {
		if _, err := c.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(pgMigrationLock)); err != nil {
			return 0, err
		}
		if _, err := c.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return 0, err
		}
		var v int
		err := c.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
		return v, err
	},
	setVersion: func(ctx context.Context, c *sql.Conn, v int) error {
		if _, err := c.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
			return err
		}
		_, err := c.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, v)
		return err
	},
}

// sqliteMigrations: PRAGMA user_version counts the applied ones. Append
// only: never edit a migration that has shipped.
var sqliteMigrations = migrations(sqlTypes{id: "INTEGER PRIMARY KEY AUTOINCREMENT", bigint: "INTEGER", real: "REAL"})

// postgresMigrations: the same schema in PostgreSQL's types; the
// schema_version table counts the applied ones.
var postgresMigrations = migrations(sqlTypes{id: "BIGSERIAL PRIMARY KEY", bigint: "BIGINT", real: "DOUBLE PRECISION"})

// sqlTypes are the column types that differ between the two databases:
// the snapshot id, 64-bit integers (nanosecond times, ids, sizes) and
// doubles.
type sqlTypes struct{ id, bigint, real string }

// migrations is the gallery's schema history written in a database's
// types. The text for SQLite is the one that shipped.
func migrations(t sqlTypes) []string {
	return []string{
		`CREATE TABLE snapshots (
		id              ` + t.id + `,
		label           TEXT    NOT NULL DEFAULT '',
		created_ns      ` + t.bigint + ` NOT NULL,
		updated_ns      ` + t.bigint + ` NOT NULL,
		finished_ns     ` + t.bigint + ` NOT NULL DEFAULT 0,
		renderer        TEXT    NOT NULL,
		options         TEXT    NOT NULL DEFAULT '{}',
		source          TEXT    NOT NULL DEFAULT '',
		stored_scene    TEXT    NOT NULL DEFAULT '',
		camera          TEXT    NOT NULL DEFAULT '',
		rendersettings  TEXT    NOT NULL DEFAULT '',
		res_x           INTEGER NOT NULL DEFAULT 0,
		res_y           INTEGER NOT NULL DEFAULT 0,
		state           TEXT    NOT NULL,
		error           TEXT    NOT NULL DEFAULT '',
		image           TEXT    NOT NULL DEFAULT '',
		image_version   ` + t.bigint + ` NOT NULL DEFAULT 0,
		thumb           TEXT    NOT NULL DEFAULT '',
		metadata        TEXT    NOT NULL DEFAULT '{}',
		total_clock_time ` + t.real + `,
		percent_done    ` + t.real + `,
		peak_memory     ` + t.bigint + `,
		star            INTEGER NOT NULL DEFAULT 0,
		colour          TEXT    NOT NULL DEFAULT '',
		notes           TEXT    NOT NULL DEFAULT '',
		log_path        TEXT    NOT NULL DEFAULT '',
		attach_token    TEXT    NOT NULL DEFAULT '',
		owner_pid       INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX snapshots_state ON snapshots(state);
	CREATE INDEX snapshots_renderer ON snapshots(renderer, id);
	CREATE TABLE tags (
		snapshot_id ` + t.bigint + ` NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
		tag         TEXT    NOT NULL,
		PRIMARY KEY (snapshot_id, tag)
	);
	CREATE INDEX tags_tag ON tags(tag, snapshot_id);
	CREATE TABLE renderer_options (
		label      TEXT PRIMARY KEY,
		options    TEXT NOT NULL,
		updated_ns ` + t.bigint + ` NOT NULL
	);`,
		usersMigration(t.bigint),
		serversMigration(t.bigint),
	}
}

// b2i stores a bool as the 0/1 integer both schemas use.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// usersMigration adds the team gallery's users and who made each snapshot
// (bigint is the type of nanosecond times).
func usersMigration(bigint string) string {
	return `ALTER TABLE snapshots ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
	CREATE INDEX snapshots_created_by ON snapshots(created_by, id);
	CREATE TABLE users (
		name       TEXT PRIMARY KEY,
		token_hash TEXT NOT NULL UNIQUE,
		role       TEXT NOT NULL,
		created_ns ` + bigint + ` NOT NULL
	);`
}

// serversMigration adds the processes that run a team gallery's renders:
// each live render names its owner (owner_id), and each owner holds a
// lease that it renews; see servers.go.
func serversMigration(bigint string) string {
	return `ALTER TABLE snapshots ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';
	CREATE INDEX snapshots_owner ON snapshots(owner_id, state);
	CREATE TABLE servers (
		id             TEXT PRIMARY KEY,
		url            TEXT NOT NULL DEFAULT '',
		key            TEXT NOT NULL,
		host           TEXT NOT NULL DEFAULT '',
		pid            INTEGER NOT NULL DEFAULT 0,
		started_ns     ` + bigint + ` NOT NULL,
		lease_until_ns ` + bigint + ` NOT NULL
	);`
}
