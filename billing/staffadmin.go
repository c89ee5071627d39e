package billing

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"
)

// StaffListItem is a staff account as the users page lists it.
type StaffListItem struct {
	StaffUser
	LockedUntil *time.Time
	CreatedAt   time.Time
}

// ListStaff returns every staff account, active ones first, then by e-mail address.
func ListStaff(ctx context.Context, db DB) ([]StaffListItem, error) {
	rows, err := db.Query(ctx, `
		SELECT id, email, name, role, active, totp_secret IS NOT NULL, locked_until, created_at
		FROM staff_users ORDER BY active DESC, lower(email)`)
	if err != nil {
		return nil, fmt.Errorf("querying staff: %w", err)
	}
	defer rows.Close()

	var out []StaffListItem
	for rows.Next() {
		var s StaffListItem
		if err := rows.Scan(&s.ID, &s.Email, &s.Name, &s.Role, &s.Active, &s.TOTPEnabled, &s.LockedUntil, &s.CreatedAt); err != nil {
			return nil, fmt.Errorf("scanning staff: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// InviteStaff creates an account with a random temporary password and returns the
// account and that password. The admin hands the password over once, because only
// its hash is stored.
func InviteStaff(ctx context.Context, db DB, email, role string) (StaffUser, string, error) {
	password, err := TemporaryPassword()
	if err != nil {
		return StaffUser{}, "", err
	}
	u, err := CreateStaff(ctx, db, email, role, password)
	if err != nil {
		return StaffUser{}, "", err
	}
	return u, password, nil
}

// ResetStaffPassword gives account id a new random temporary password, clears its
// lockout and returns the password.
func ResetStaffPassword(ctx context.Context, db DB, id int64) (StaffUser, string, error) {
	u, err := staffByIDAny(ctx, db, id)
	if err != nil {
		return StaffUser{}, "", err
	}
	password, err := TemporaryPassword()
	if err != nil {
		return StaffUser{}, "", err
	}
	if err := SetStaffPassword(ctx, db, u.Email, password); err != nil {
		return StaffUser{}, "", err
	}
	return u, password, nil
}

// SetStaffActive activates or deactivates account id. Ending the sessions of a
// deactivated account is the caller's job (websession.EndStaffSessions), because
// sessions belong to the web layer.
func SetStaffActive(ctx context.Context, db DB, id int64, active bool) (StaffUser, error) {
	var u StaffUser
	err := db.QueryRow(ctx, `
		UPDATE staff_users SET active = $2, updated_at = now() WHERE id = $1
		RETURNING id, email, name, role, active, totp_secret IS NOT NULL`, id, active).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &u.TOTPEnabled)
	if err != nil {
		return StaffUser{}, notFound(err)
	}
	return u, nil
}

// SetStaffRole changes the role of account id.
func SetStaffRole(ctx context.Context, db DB, id int64, role string) (StaffUser, error) {
	if !ValidRole(role) {
		return StaffUser{}, fmt.Errorf("invalid role %q: use admin, collector or viewer", role)
	}
	var u StaffUser
	err := db.QueryRow(ctx, `
		UPDATE staff_users SET role = $2, updated_at = now() WHERE id = $1
		RETURNING id, email, name, role, active, totp_secret IS NOT NULL`, id, role).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &u.TOTPEnabled)
	if err != nil {
		return StaffUser{}, notFound(err)
	}
	return u, nil
}

// CountActiveAdmins returns how many active admin accounts exist, so the last
// one is not deactivated or demoted by accident.
func CountActiveAdmins(ctx context.Context, db DB) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM staff_users WHERE active AND role = 'admin'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting admins: %w", err)
	}
	return n, nil
}

// staffByIDAny returns an account whether or not it is active.
func staffByIDAny(ctx context.Context, db DB, id int64) (StaffUser, error) {
	var u StaffUser
	err := db.QueryRow(ctx, `
		SELECT id, email, name, role, active, totp_secret IS NOT NULL FROM staff_users WHERE id = $1`, id).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &u.TOTPEnabled)
	if err != nil {
		return StaffUser{}, notFound(err)
	}
	return u, nil
}

// TemporaryPassword returns 20 random URL-safe characters (120 bits).
func TemporaryPassword() (string, error) {
	raw := make([]byte, 15)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generating password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}
