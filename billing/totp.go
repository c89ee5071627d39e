package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// totpOptions are RFC 6238 defaults (30-second steps, 6 digits, SHA-1) that
// authenticator apps expect, with one step of clock skew allowed either way.
var totpOptions = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTPKey generates a secret for a staff member to enroll in an authenticator app.
func NewTOTPKey(issuer, email string) (*otp.Key, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: email})
	if err != nil {
		return nil, fmt.Errorf("generating TOTP secret: %w", err)
	}
	return key, nil
}

// ValidTOTP reports whether code is the current code of secret at time now.
//
// NOTE: a code stays valid for its whole 30-second step (and one step either side),
// so an observed code can be replayed within that time; storing the last accepted
// step per account would close that gap.
func ValidTOTP(secret, code string, now time.Time) bool {
	ok, err := totp.ValidateCustom(strings.TrimSpace(code), secret, now, totpOptions)
	return err == nil && ok
}

// EnableTOTP stores secret for account id after checking that code proves the
// staff member has it in an authenticator app.
func EnableTOTP(ctx context.Context, db DB, id int64, secret, code string, now time.Time) error {
	if !ValidTOTP(secret, code, now) {
		return ErrInvalidCode
	}
	tag, err := db.Exec(ctx, `UPDATE staff_users SET totp_secret = $2, updated_at = now() WHERE id = $1`, id, secret)
	if err != nil {
		return fmt.Errorf("storing TOTP secret: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// DisableTOTP removes the authenticator requirement from account id.
func DisableTOTP(ctx context.Context, db DB, id int64) error {
	tag, err := db.Exec(ctx, `UPDATE staff_users SET totp_secret = NULL, updated_at = now() WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("removing TOTP secret: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
