package billing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Lifetimes of portal login links by how they were requested.
const (
	EmailedLinkTTL   = 7 * 24 * time.Hour // sent with an invoice or a reminder
	RequestedLinkTTL = 15 * time.Minute   // asked for on the portal login form
)

// Purposes of a login link, stored with it.
const (
	LinkEmailed   = "email"
	LinkRequested = "self_request"
	LinkSupport   = "support"
)

// LinkTTL returns the lifetime of a login link with the given purpose.
func LinkTTL(purpose string) time.Duration {
	if purpose == LinkRequested {
		return RequestedLinkTTL
	}
	return EmailedLinkTTL
}

// CreateMagicLink stores a new single-use login link for email and returns its token.
// Only the token's SHA-256 is stored. It returns ErrNotFound when no customer has a
// contact with that address.
func CreateMagicLink(ctx context.Context, db DB, email, purpose string, now time.Time) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var known bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE lower(email) = $1)`, email).Scan(&known)
	if err != nil {
		return "", fmt.Errorf("looking up contact: %w", err)
	}
	if !known {
		return "", ErrNotFound
	}

	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generating token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	_, err = db.Exec(ctx, `
		INSERT INTO magic_links (token_hash, contact_email, purpose, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`,
		hashToken(token), email, purpose, now, now.Add(LinkTTL(purpose)))
	if err != nil {
		return "", fmt.Errorf("storing login link: %w", err)
	}
	return token, nil
}

// MagicLink is the stored state of a login link.
type MagicLink struct {
	Email     string
	Purpose   string
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// Usable reports whether the link can still log someone in at time now.
func (l MagicLink) Usable(now time.Time) error {
	if l.UsedAt != nil {
		return ErrUsed
	}
	if !now.Before(l.ExpiresAt) {
		return ErrExpired
	}
	return nil
}

// LookupMagicLink returns a link's state without using it, for the landing page
// that a mail scanner may fetch.
func LookupMagicLink(ctx context.Context, db DB, token string) (MagicLink, error) {
	var l MagicLink
	err := db.QueryRow(ctx, `
		SELECT contact_email, purpose, expires_at, used_at FROM magic_links WHERE token_hash = $1`,
		hashToken(token)).Scan(&l.Email, &l.Purpose, &l.ExpiresAt, &l.UsedAt)
	if err != nil {
		return MagicLink{}, notFound(err)
	}
	return l, nil
}

// RedeemMagicLink spends a link and returns the contact's e-mail address. The
// update checks used_at, so two concurrent redeems cannot both succeed. It returns
// ErrUsed, ErrExpired or ErrNotFound when the link cannot log anyone in.
func RedeemMagicLink(ctx context.Context, db DB, token, ip string, now time.Time) (string, error) {
	var email string
	err := db.QueryRow(ctx, `
		UPDATE magic_links SET used_at = $2, used_ip = $3
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING contact_email`, hashToken(token), now, ip).Scan(&email)
	if err == nil {
		return email, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("redeeming login link: %w", err)
	}
	link, err := LookupMagicLink(ctx, db, token)
	if err != nil {
		return "", err
	}
	if err := link.Usable(now); err != nil {
		return "", err
	}
	return "", ErrUsed // spent by a concurrent request between the two queries
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreateMagicLinks stores one single-use login link for each address in emails
// with two statements, whatever their number, and returns the tokens in the same
// order. Only the tokens' SHA-256 hashes are stored. When any address belongs to
// no contact it returns ErrNotFound, naming the address, and stores nothing.
func CreateMagicLinks(ctx context.Context, db DB, emails []string, purpose string, now time.Time) ([]string, error) {
	if len(emails) == 0 {
		return nil, nil
	}
	normalized := make([]string, len(emails))
	for i, e := range emails {
		normalized[i] = strings.ToLower(strings.TrimSpace(e))
	}

	var unknown []string
	err := db.QueryRow(ctx, `
		SELECT coalesce(array_agg(k.email), '{}') FROM unnest($1::text[]) AS k (email)
		WHERE NOT EXISTS (SELECT 1 FROM contacts WHERE lower(email) = k.email)`, normalized).Scan(&unknown)
	if err != nil {
		return nil, fmt.Errorf("looking up contacts: %w", err)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("no contact has the address %q: %w", unknown[0], ErrNotFound)
	}

	tokens := make([]string, len(normalized))
	hashes := make([][]byte, len(normalized))
	for i := range normalized {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return nil, fmt.Errorf("generating token: %w", err)
		}
		tokens[i] = base64.RawURLEncoding.EncodeToString(raw)
		hashes[i] = hashToken(tokens[i])
	}
	_, err = db.Exec(ctx, `
		INSERT INTO magic_links (token_hash, contact_email, purpose, created_at, expires_at)
		SELECT k.token_hash, k.email, $3, $4, $5 FROM unnest($1::bytea[], $2::text[]) AS k (token_hash, email)`,
		hashes, normalized, purpose, now, now.Add(LinkTTL(purpose)))
	if err != nil {
		return nil, fmt.Errorf("storing login links: %w", err)
	}
	return tokens, nil
}
