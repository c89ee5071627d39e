package billing

import (
	"context"
	"crypto/subtle"
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
func ValidTOTP(secret, code string, now time.Time) bool {
	_, ok := totpStep(secret, code, now)
	return ok
}

// totpStep returns the 30-second step (Unix time divided by 30) whose code is
// code, trying the step of now first and then one step either side.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != totpOptions.Digits.Length() {
		return 0, false
	}
	period := int64(totpOptions.Period)
	for _, skew := range []int64{0, -1, 1} {
		step := now.Unix()/period + skew
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*period, 0), totpOptions)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// claimTOTPStep records step as the last one used to sign in to account id and
// reports false when that step, or a later one, was already used, so each code
// signs in once. The conditional update makes two sign-ins racing with one code
// claim it once.
func claimTOTPStep(ctx context.Context, db DB, id, step int64) (bool, error) {
	tag, err := db.Exec(ctx, `
		UPDATE staff_users SET totp_last_step = $2
		WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)`, id, step)
	if err != nil {
		return false, fmt.Errorf("recording the authenticator code: %w", err)
	}
	return tag.RowsAffected() == 1, nil
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
