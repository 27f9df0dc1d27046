package breachdesk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// APIToken lets a program use the JSON API. Only a hash of the secret is
// stored; the secret is shown once, when the token is created.
type APIToken struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Prefix is the secret's first characters, enough to recognise it.
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// apiTokenPrefix marks breachdesk secrets, so that secret scanners and
// people can recognise a leaked one.
const apiTokenPrefix = "bdk_"

// NewAPITokenSecret returns a new random secret and its hash.
func NewAPITokenSecret() (secret, hash string) {
	secret = apiTokenPrefix + strings.ToLower(rand.Text()) + strings.ToLower(rand.Text())
	return secret, HashAPITokenSecret(secret)
}

// HashAPITokenSecret returns the hash stored for secret. Secrets carry 256
// bits of randomness, so a fast hash is enough.
func HashAPITokenSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// APITokenDisplayPrefix returns the part of secret kept for display.
func APITokenDisplayPrefix(secret string) string {
	return secret[:min(len(secret), len(apiTokenPrefix)+6)]
}

// ValidateAPITokenName checks a token's name: a short label without spaces.
func ValidateAPITokenName(name string) error {
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n") {
		return FieldErrorf("name", "a token name is 1 to 64 characters without spaces, such as ticketing-system")
	}
	return nil
}

// APITokenService creates, lists, revokes and checks API tokens.
type APITokenService interface {
	// CreateAPIToken creates a token and returns it with its secret, which
	// is not stored and cannot be shown again. Returns conflict if an
	// active token has the name, invalid for a bad name.
	CreateAPIToken(ctx context.Context, name string) (*APIToken, string, error)

	// FindAPITokens returns every token, revoked ones included.
	FindAPITokens(ctx context.Context) ([]*APIToken, error)

	// RevokeAPIToken revokes the active token with the name.
	// Returns not_found if there is none.
	RevokeAPIToken(ctx context.Context, name string) error

	// AuthenticateAPIToken returns the active token whose secret this is.
	// Returns unauthorized otherwise.
	AuthenticateAPIToken(ctx context.Context, secret string) (*APIToken, error)
}
