package gallery

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Roles of a team gallery's users: a user edits their own snapshots, an
// admin anybody's.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// User is a person of a team gallery.
type User struct {
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Created time.Time `json:"created"`
}

// Admin reports whether the user may edit anybody's snapshots.
func (u User) Admin() bool { return u.Role == RoleAdmin }

// ErrNoUser is returned for a token or name that names no user.
var ErrNoUser = errors.New("no such user")

var userName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// hashToken is what the gallery keeps of a token: its SHA-256. Tokens are
// 256 random bits, so a fast hash is enough (nothing to brute-force), and a
// stolen database gives no token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// AddUser adds a user with a new API token, which it returns: the gallery
// keeps only its hash, so it cannot be shown again (ResetToken makes a
// new one).
func (g *Gallery) AddUser(ctx context.Context, name, role string) (string, error) {
	if !userName.MatchString(name) {
		return "", fmt.Errorf("user name %q: 1 to 64 letters, digits or . _ @ -, starting with a letter or digit", name)
	}
	if role != RoleUser && role != RoleAdmin {
		return "", fmt.Errorf("user %s: role %q is neither %q nor %q", name, role, RoleUser, RoleAdmin)
	}
	token := newUserToken()
	_, err := g.execContext(ctx, `INSERT INTO users (name, token_hash, role, created_ns) VALUES (?, ?, ?, ?)`,
		name, hashToken(token), role, time.Now().UnixNano())
	if err != nil {
		if _, gerr := g.UserByName(ctx, name); gerr == nil {
			return "", fmt.Errorf("user %s exists already (reset the token instead)", name)
		}
		return "", fmt.Errorf("add user %s: %w", name, err)
	}
	return token, nil
}

// ResetToken gives a user a new token; the old one stops working.
func (g *Gallery) ResetToken(ctx context.Context, name string) (string, error) {
	token := newUserToken()
	res, err := g.execContext(ctx, `UPDATE users SET token_hash = ? WHERE name = ?`, hashToken(token), name)
	if err != nil {
		return "", fmt.Errorf("reset token of %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", fmt.Errorf("user %s: %w", name, ErrNoUser)
	}
	return token, nil
}

// RemoveUser removes a user; their snapshots stay, still naming them.
func (g *Gallery) RemoveUser(ctx context.Context, name string) error {
	res, err := g.execContext(ctx, `DELETE FROM users WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("remove user %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %s: %w", name, ErrNoUser)
	}
	return nil
}

// UserByToken returns the user a token belongs to, or ErrNoUser.
func (g *Gallery) UserByToken(ctx context.Context, token string) (User, error) {
	if token == "" {
		return User{}, ErrNoUser
	}
	return g.user(ctx, `SELECT name, role, created_ns FROM users WHERE token_hash = ?`, hashToken(token))
}

// UserByName returns a user, or ErrNoUser.
func (g *Gallery) UserByName(ctx context.Context, name string) (User, error) {
	return g.user(ctx, `SELECT name, role, created_ns FROM users WHERE name = ?`, name)
}

func (g *Gallery) user(ctx context.Context, query string, arg string) (User, error) {
	var u User
	var created int64
	err := g.queryRowContext(ctx, query, arg).Scan(&u.Name, &u.Role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNoUser
	}
	if err != nil {
		return User{}, fmt.Errorf("read user: %w", err)
	}
	u.Created = time.Unix(0, created)
	return u, nil
}

// Users lists the users by name.
func (g *Gallery) Users(ctx context.Context) ([]User, error) {
	rows, err := g.queryContext(ctx, `SELECT name, role, created_ns FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var created int64
		if err := rows.Scan(&u.Name, &u.Role, &created); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		u.Created = time.Unix(0, created)
		out = append(out, u)
	}
	return out, rows.Err()
}

// CanEdit reports whether u may change or delete s: their own snapshot, or
// anybody's for an admin.
func (u User) CanEdit(s Snapshot) bool { return u.Admin() || (u.Name != "" && s.CreatedBy == u.Name) }

func newUserToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "rgu_" + hex.EncodeToString(b)
}
