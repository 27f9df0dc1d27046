package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/jackc/pgx/v5"
)

// Ensure the service implements the interface.
var _ breachdesk.APITokenService = (*APITokenService)(nil)

// APITokenService keeps API tokens in PostgreSQL.
type APITokenService struct {
	db *DB
}

// NewAPITokenService returns a service backed by db.
func NewAPITokenService(db *DB) *APITokenService {
	return &APITokenService{db: db}
}

// CreateAPIToken creates a token and returns its secret once.
func (s *APITokenService) CreateAPIToken(ctx context.Context, name string) (*breachdesk.APIToken, string, error) {
	if err := breachdesk.ValidateAPITokenName(name); err != nil {
		return nil, "", err
	}
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback(ctx)
	secret, hash := breachdesk.NewAPITokenSecret()
	t := &breachdesk.APIToken{Name: name, Prefix: breachdesk.APITokenDisplayPrefix(secret), CreatedAt: tx.now, CreatedBy: tx.actor}
	err = tx.QueryRow(ctx, `
		INSERT INTO api_tokens (name, prefix, secret_hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		t.Name, t.Prefix, hash, t.CreatedAt, t.CreatedBy).Scan(&t.ID)
	if breachdesk.ErrorCode(FormatError(err)) == breachdesk.EConflict {
		return nil, "", breachdesk.Errorf(breachdesk.EConflict, "An active token is already named %q: revoke it first or choose another name.", name)
	} else if err != nil {
		return nil, "", fmt.Errorf("create api token: %w", err)
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditTokenCreate, "api_token", t.ID, nil, t); err != nil {
		return nil, "", fmt.Errorf("create api token: %w", err)
	}
	return t, secret, tx.Commit(ctx)
}

// FindAPITokens returns every token, newest first.
func (s *APITokenService) FindAPITokens(ctx context.Context) ([]*breachdesk.APIToken, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	tokens, err := findAPITokens(ctx, tx, "ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("find api tokens: %w", err)
	}
	return tokens, nil
}

// RevokeAPIToken revokes the active token with the name.
func (s *APITokenService) RevokeAPIToken(ctx context.Context, name string) error {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	tokens, err := findAPITokens(ctx, tx, "WHERE name = $1 AND revoked_at IS NULL FOR UPDATE", name)
	if err != nil {
		return fmt.Errorf("revoke api token: %w", err)
	} else if len(tokens) == 0 {
		return breachdesk.Errorf(breachdesk.ENotFound, "No active token is named %q.", name)
	}
	t := tokens[0]
	before := *t
	revoked := tx.now
	t.RevokedAt = &revoked
	if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, revoked, t.ID); err != nil {
		return fmt.Errorf("revoke api token: %w", FormatError(err))
	}
	if err := appendAudit(ctx, tx, breachdesk.AuditTokenRevoke, "api_token", t.ID, &before, t); err != nil {
		return fmt.Errorf("revoke api token: %w", err)
	}
	return tx.Commit(ctx)
}

// AuthenticateAPIToken returns the active token whose secret this is.
func (s *APITokenService) AuthenticateAPIToken(ctx context.Context, secret string) (*breachdesk.APIToken, error) {
	tx, err := s.db.BeginTx(ctx, readOnly)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	tokens, err := findAPITokens(ctx, tx, "WHERE secret_hash = $1 AND revoked_at IS NULL", breachdesk.HashAPITokenSecret(secret))
	if err != nil {
		return nil, fmt.Errorf("authenticate api token: %w", err)
	} else if len(tokens) == 0 {
		return nil, breachdesk.Errorf(breachdesk.EUnauthorized, "The API token is unknown or revoked.")
	}
	return tokens[0], nil
}

func findAPITokens(ctx context.Context, tx *Tx, tail string, args ...any) ([]*breachdesk.APIToken, error) {
	rows, err := tx.Query(ctx, `SELECT id, name, prefix, created_at, created_by, revoked_at FROM api_tokens `+tail, args...)
	if err != nil {
		return nil, FormatError(err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*breachdesk.APIToken, error) {
		var t breachdesk.APIToken
		var revoked *time.Time
		err := row.Scan(&t.ID, &t.Name, &t.Prefix, &t.CreatedAt, &t.CreatedBy, &revoked)
		t.CreatedAt = t.CreatedAt.UTC()
		if revoked != nil {
			r := revoked.UTC()
			t.RevokedAt = &r
		}
		return &t, err
	})
}
