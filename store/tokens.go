package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Role is what a token may do. Reading needs no token at all.
type Role string

const (
	// Editor publishes results: imports and corrects observations (the quality office).
	Editor Role = "EDITOR"
	// Admin also changes providers, authorisations and price lists (the committee's decisions), and
	// reads the audit log.
	Admin Role = "ADMIN"
)

// Allows reports whether the role includes what need asks for.
func (r Role) Allows(need Role) bool { return r == Admin || r == need }

// Token describes an API token. The secret itself is never stored: only its SHA-256 hash, which is
// enough to recognise it, since secrets are 256 random bits and cannot be guessed.
type Token struct {
	Name      string
	Role      Role
	CreatedAt time.Time
	RevokedAt *time.Time
}

// ErrUnauthenticated means a token is missing, unknown or revoked.
var ErrUnauthenticated = errors.New("a valid API token is required")

// ErrForbidden means a token's role does not allow what was asked.
var ErrForbidden = errors.New("this token's role does not allow that")

const tokenPrefix = "jfs_"

var tokenNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// CreateToken makes a token with a new random secret and returns the secret, which is shown this once
// and cannot be read again.
func (db *DB) CreateToken(ctx context.Context, name string, role Role) (secret string, err error) {
	if !tokenNamePattern.MatchString(name) {
		return "", inputErrorf("token name %q: use 1 to 64 letters, digits, dots, dashes or underscores", truncate(name))
	}
	if role != Editor && role != Admin {
		return "", inputErrorf("token role %q: use editor or admin", truncate(string(role)))
	}
	random := make([]byte, 32)
	rand.Read(random) // never fails (crypto/rand)
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(random)
	ch := Change{Actor: "command line", Operation: "createToken"}
	err = db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (name, role, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4)`,
			name, role, hashSecret(secret), stamp)
		if err != nil && strings.Contains(err.Error(), "UNIQUE") {
			return nil, inputErrorf("a token named %q exists already", name)
		}
		return map[string]string{"token": name, "role": string(role)}, err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Tokens lists every token, revoked ones too, by name.
func (db *DB) Tokens(ctx context.Context) ([]*Token, error) {
	rows, err := db.query(ctx, `SELECT name, role, created_at, revoked_at FROM api_tokens ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tokens []*Token
	for rows.Next() {
		t := new(Token)
		var created string
		var revoked sql.Null[string]
		if err := rows.Scan(&t.Name, &t.Role, &created, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt = parseTime(created)
		if revoked.Valid {
			at := parseTime(revoked.V)
			t.RevokedAt = &at
		}
		tokens = append(tokens, t)
	}
	return tokens, rows.Err()
}

// RevokeToken stops a token from working, for good.
func (db *DB) RevokeToken(ctx context.Context, name string) error {
	ch := Change{Actor: "command line", Operation: "revokeToken"}
	return db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL`, name, stamp)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, fmt.Errorf("token %q (or it is revoked already): %w", name, ErrNotFound)
		}
		return map[string]string{"token": name}, nil
	})
}

// Authenticate returns the token a secret belongs to, or ErrUnauthenticated if it belongs to none or
// has been revoked.
func (db *DB) Authenticate(ctx context.Context, secret string) (*Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, ErrUnauthenticated
	}
	t := new(Token)
	var created string
	err := db.queryRow(ctx, `SELECT name, role, created_at FROM api_tokens WHERE secret_hash = ?1 AND revoked_at IS NULL`,
		hashSecret(secret)).Scan(&t.Name, &t.Role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	t.CreatedAt = parseTime(created)
	return t, nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
