package billing

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MethodLinkTTL is how long an e-mailed link to replace a plan's saved payment
// method stays usable, as for other e-mailed links.
const MethodLinkTTL = EmailedLinkTTL

// CreateMethodLink stores a single-use link that lets the holder replace the
// saved payment method of a plan, for the contact's address email, and returns
// its token. Only the token's SHA-256 is stored.
func CreateMethodLink(ctx context.Context, db DB, planID int64, email string, now time.Time) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generating token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	_, err := db.Exec(ctx, `
		INSERT INTO payment_method_links (token_hash, plan_id, contact_email, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, hashToken(token), planID, email, now, now.Add(MethodLinkTTL))
	if err != nil {
		return "", fmt.Errorf("storing payment method link for plan %d: %w", planID, err)
	}
	return token, nil
}

// RedeemMethodLink spends a link and returns its plan. It returns ErrUsed,
// ErrExpired or ErrNotFound when the link cannot be used.
func RedeemMethodLink(ctx context.Context, db DB, token string, now time.Time) (int64, error) {
	var planID int64
	err := db.QueryRow(ctx, `
		UPDATE payment_method_links SET used_at = $2
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING plan_id`, hashToken(token), now).Scan(&planID)
	if err == nil {
		return planID, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("redeeming payment method link: %w", err)
	}
	var l MagicLink
	err = db.QueryRow(ctx, `SELECT expires_at, used_at FROM payment_method_links WHERE token_hash = $1`,
		hashToken(token)).Scan(&l.ExpiresAt, &l.UsedAt)
	if err != nil {
		return 0, notFound(err)
	}
	if err := l.Usable(now); err != nil {
		return 0, err
	}
	return 0, ErrUsed
}

// AllowMethodReplacement marks a setup as started from an e-mailed link, so
// completing it may replace the plan's saved method.
func AllowMethodReplacement(ctx context.Context, db DB, setupID string) error {
	if _, err := db.Exec(ctx, `UPDATE payment_method_setups SET replaces_method = true WHERE id = $1`, setupID); err != nil {
		return fmt.Errorf("allowing setup %s to replace a payment method: %w", setupID, err)
	}
	return nil
}
