package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Staff roles, from most to least privileged.
const (
	RoleAdmin     = "admin"
	RoleCollector = "collector"
	RoleViewer    = "viewer"
)

// Lockout rule: this many failed logins within LockoutWindow lock the account for LockoutWindow.
const (
	MaxFailedLogins = 10
	LockoutWindow   = 15 * time.Minute
)

// MinPasswordLength is the shortest staff password accepted.
const MinPasswordLength = 12

// StaffUser is a back-office account.
type StaffUser struct {
	ID     int64
	Email  string
	Name   string
	Role   string
	Active bool
	// TOTPEnabled is set once the member has confirmed an authenticator app;
	// sign-in then needs a current code.
	TOTPEnabled bool
}

// ValidRole reports whether role is one of the staff roles.
func ValidRole(role string) bool {
	return role == RoleAdmin || role == RoleCollector || role == RoleViewer
}

// CreateStaff adds a staff account with a bcrypt hash of password. It returns
// ErrConflict when the e-mail address is taken.
func CreateStaff(ctx context.Context, db DB, email, role, password string) (StaffUser, error) {
	email = strings.TrimSpace(email)
	if !strings.Contains(email, "@") {
		return StaffUser{}, fmt.Errorf("invalid email %q: expected an address such as ana@example.com", email)
	}
	if !ValidRole(role) {
		return StaffUser{}, fmt.Errorf("invalid role %q: use admin, collector or viewer", role)
	}
	if len(password) < MinPasswordLength {
		return StaffUser{}, fmt.Errorf("password too short: use at least %d characters", MinPasswordLength)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return StaffUser{}, fmt.Errorf("hashing password: %w", err)
	}

	u := StaffUser{Email: email, Role: role, Active: true}
	err = db.QueryRow(ctx, `
		INSERT INTO staff_users (email, role, password_hash) VALUES ($1, $2, $3) RETURNING id`,
		email, role, string(hash)).Scan(&u.ID)
	if isUniqueViolation(err) {
		return StaffUser{}, fmt.Errorf("staff user %s already exists: %w", email, ErrConflict)
	}
	if err != nil {
		return StaffUser{}, fmt.Errorf("inserting staff user: %w", err)
	}
	return u, nil
}

// SetStaffPassword replaces the password of the account with e-mail address email.
func SetStaffPassword(ctx context.Context, db DB, email, password string) error {
	if len(password) < MinPasswordLength {
		return fmt.Errorf("password too short: use at least %d characters", MinPasswordLength)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hashing password: %w", err)
	}
	tag, err := db.Exec(ctx, `
		UPDATE staff_users SET password_hash = $2, failed_logins = 0, locked_until = NULL, updated_at = now()
		WHERE lower(email) = lower($1)`, email, string(hash))
	if err != nil {
		return fmt.Errorf("updating password: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// StaffByID returns an active staff account.
func StaffByID(ctx context.Context, db DB, id int64) (StaffUser, error) {
	var u StaffUser
	err := db.QueryRow(ctx, `
		SELECT id, email, name, role, active, totp_secret IS NOT NULL FROM staff_users WHERE id = $1 AND active`, id).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &u.TOTPEnabled)
	if err != nil {
		return StaffUser{}, notFound(err)
	}
	return u, nil
}

// Authenticate checks an e-mail address, password and, for accounts with TOTP, the
// authenticator code at time now. After MaxFailedLogins failures within
// LockoutWindow the account is locked for LockoutWindow and even the right password
// returns ErrLocked. An unknown address and a wrong password both return
// ErrInvalidCredentials. The right password without a code returns
// ErrCodeRequired and counts as no failure; a wrong code counts as one.
func Authenticate(ctx context.Context, db DB, email, password, code string, now time.Time) (StaffUser, error) {
	var (
		u           StaffUser
		hash        string
		failed      int
		firstFailed *time.Time
		lockedUntil *time.Time
		totpSecret  *string
	)
	err := db.QueryRow(ctx, `
		SELECT id, email, name, role, active, password_hash, failed_logins, first_failed_at, locked_until, totp_secret
		FROM staff_users WHERE lower(email) = lower($1)`, strings.TrimSpace(email)).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &hash, &failed, &firstFailed, &lockedUntil, &totpSecret)
	if errors.Is(notFound(err), ErrNotFound) {
		// Spend the same time as a real check so response times do not reveal accounts.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return StaffUser{}, ErrInvalidCredentials
	}
	if err != nil {
		return StaffUser{}, fmt.Errorf("loading staff user: %w", err)
	}
	if lockedUntil != nil && now.Before(*lockedUntil) {
		return StaffUser{}, ErrLocked
	}
	if !u.Active {
		return StaffUser{}, ErrInvalidCredentials
	}

	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return StaffUser{}, recordFailedLogin(ctx, db, u.ID, failed, firstFailed, now)
	}
	if totpSecret != nil {
		u.TOTPEnabled = true
		if strings.TrimSpace(code) == "" {
			return StaffUser{}, ErrCodeRequired
		}
		step, ok := totpStep(*totpSecret, code, now)
		if ok {
			// A code that already signed in counts as a wrong one.
			if ok, err = claimTOTPStep(ctx, db, u.ID, step); err != nil {
				return StaffUser{}, err
			}
		}
		if !ok {
			if err := recordFailedLogin(ctx, db, u.ID, failed, firstFailed, now); errors.Is(err, ErrLocked) {
				return StaffUser{}, err
			} else if !errors.Is(err, ErrInvalidCredentials) {
				return StaffUser{}, err
			}
			return StaffUser{}, ErrInvalidCode
		}
	}
	_, err = db.Exec(ctx, `
		UPDATE staff_users SET failed_logins = 0, first_failed_at = NULL, locked_until = NULL WHERE id = $1`, u.ID)
	if err != nil {
		return StaffUser{}, fmt.Errorf("resetting failed logins: %w", err)
	}
	return u, nil
}

// recordFailedLogin counts a failure and locks the account on the last allowed one.
func recordFailedLogin(ctx context.Context, db DB, id int64, failed int, firstFailed *time.Time, now time.Time) error {
	if firstFailed == nil || now.Sub(*firstFailed) > LockoutWindow {
		failed, firstFailed = 0, &now
	}
	failed++
	var lockedUntil *time.Time
	if failed >= MaxFailedLogins {
		until := now.Add(LockoutWindow)
		lockedUntil = &until
		failed, firstFailed = 0, nil
	}
	_, err := db.Exec(ctx, `
		UPDATE staff_users SET failed_logins = $2, first_failed_at = $3, locked_until = $4 WHERE id = $1`,
		id, failed, firstFailed, lockedUntil)
	if err != nil {
		return fmt.Errorf("recording failed login: %w", err)
	}
	if lockedUntil != nil {
		return ErrLocked
	}
	return ErrInvalidCredentials
}

// dummyHash is a bcrypt hash (cost 10) of a string no account uses; unknown
// addresses are compared against it.
var dummyHash = []byte("$2a$10$qq37qGL8pRplgiCnQjeBC.BKvJCdPCvaVr/5Ma63Sr0o373GoSoJW")
