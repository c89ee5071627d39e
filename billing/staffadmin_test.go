package billing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
)

const testPassword = "correct horse battery"

func TestLockoutAfterTenFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	if _, err := billing.CreateStaff(ctx, pool, "ana@example.com", billing.RoleCollector, testPassword); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

	for i := 1; i < billing.MaxFailedLogins; i++ {
		_, err := billing.Authenticate(ctx, pool, "ana@example.com", "wrong password!", "", now.Add(time.Duration(i)*time.Minute))
		if !errors.Is(err, billing.ErrInvalidCredentials) {
			t.Fatalf("failure %d: got %v, want ErrInvalidCredentials", i, err)
		}
	}
	_, err := billing.Authenticate(ctx, pool, "ana@example.com", "wrong password!", "", now.Add(10*time.Minute))
	if !errors.Is(err, billing.ErrLocked) {
		t.Fatalf("tenth failure: got %v, want ErrLocked", err)
	}
	_, err = billing.Authenticate(ctx, pool, "ana@example.com", testPassword, "", now.Add(24*time.Minute))
	if !errors.Is(err, billing.ErrLocked) {
		t.Fatalf("right password while locked: got %v, want ErrLocked", err)
	}
	if _, err := billing.Authenticate(ctx, pool, "ana@example.com", testPassword, "", now.Add(26*time.Minute)); err != nil {
		t.Fatalf("right password after the lockout: %v", err)
	}
}

func TestLockoutWindowSlides(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	if _, err := billing.CreateStaff(ctx, pool, "ben@example.com", billing.RoleViewer, testPassword); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	// Nine failures, then a gap longer than the window: the count starts again.
	for i := 0; i < billing.MaxFailedLogins-1; i++ {
		_, _ = billing.Authenticate(ctx, pool, "ben@example.com", "nope nope nope", "", now)
	}
	later := now.Add(billing.LockoutWindow + time.Minute)
	_, err := billing.Authenticate(ctx, pool, "ben@example.com", "nope nope nope", "", later)
	if !errors.Is(err, billing.ErrInvalidCredentials) {
		t.Fatalf("failure after the window: got %v, want ErrInvalidCredentials", err)
	}
	if _, err := billing.Authenticate(ctx, pool, "ben@example.com", testPassword, "", later); err != nil {
		t.Fatalf("right password: %v", err)
	}
}

func TestAuthenticateWithTOTP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	u, err := billing.CreateStaff(ctx, pool, "cy@example.com", billing.RoleAdmin, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	key, err := billing.NewTOTPKey("Ledgvero test", u.Email)
	if err != nil {
		t.Fatal(err)
	}
	if err := billing.EnableTOTP(ctx, pool, u.ID, key.Secret(), "000000", now); !errors.Is(err, billing.ErrInvalidCode) {
		t.Fatalf("enable with a wrong code: got %v, want ErrInvalidCode", err)
	}
	code, err := totp.GenerateCode(key.Secret(), now)
	if err != nil {
		t.Fatal(err)
	}
	if err := billing.EnableTOTP(ctx, pool, u.ID, key.Secret(), code, now); err != nil {
		t.Fatal(err)
	}

	if _, err := billing.Authenticate(ctx, pool, u.Email, testPassword, "", now); !errors.Is(err, billing.ErrCodeRequired) {
		t.Fatalf("no code: got %v, want ErrCodeRequired", err)
	}
	if _, err := billing.Authenticate(ctx, pool, u.Email, testPassword, "123456", now.Add(time.Hour)); !errors.Is(err, billing.ErrInvalidCode) {
		t.Fatalf("stale code: got %v, want ErrInvalidCode", err)
	}
	got, err := billing.Authenticate(ctx, pool, u.Email, testPassword, code, now)
	if err != nil {
		t.Fatalf("right code: %v", err)
	}
	if !got.TOTPEnabled {
		t.Error("TOTPEnabled = false after enrollment")
	}

	// Each code signs in once: the same code again, even within its 30 seconds, is rejected.
	if _, err := billing.Authenticate(ctx, pool, u.Email, testPassword, code, now.Add(10*time.Second)); !errors.Is(err, billing.ErrInvalidCode) {
		t.Errorf("replayed code: got %v, want ErrInvalidCode", err)
	}
	// A code of the previous step, still inside the allowed skew, is older than the one used.
	previous, err := totp.GenerateCode(key.Secret(), now.Add(-30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := billing.Authenticate(ctx, pool, u.Email, testPassword, previous, now.Add(10*time.Second)); !errors.Is(err, billing.ErrInvalidCode) {
		t.Errorf("code older than the last used: got %v, want ErrInvalidCode", err)
	}
	next, err := totp.GenerateCode(key.Secret(), now.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := billing.Authenticate(ctx, pool, u.Email, testPassword, next, now.Add(30*time.Second)); err != nil {
		t.Errorf("next step's code: %v", err)
	}
}

func TestDeactivateAndReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	u, password, err := billing.InviteStaff(ctx, pool, "dee@example.com", billing.RoleCollector)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	if _, err := billing.Authenticate(ctx, pool, u.Email, password, "", now); err != nil {
		t.Fatalf("temporary password: %v", err)
	}
	if _, err := billing.SetStaffActive(ctx, pool, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := billing.Authenticate(ctx, pool, u.Email, password, "", now); !errors.Is(err, billing.ErrInvalidCredentials) {
		t.Fatalf("deactivated: got %v, want ErrInvalidCredentials", err)
	}
	if _, err := billing.StaffByID(ctx, pool, u.ID); !errors.Is(err, billing.ErrNotFound) {
		t.Fatalf("StaffByID of a deactivated account: got %v, want ErrNotFound", err)
	}
	if _, err := billing.SetStaffActive(ctx, pool, u.ID, true); err != nil {
		t.Fatal(err)
	}
	_, fresh, err := billing.ResetStaffPassword(ctx, pool, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := billing.Authenticate(ctx, pool, u.Email, password, "", now); !errors.Is(err, billing.ErrInvalidCredentials) {
		t.Fatalf("old password after reset: got %v", err)
	}
	if _, err := billing.Authenticate(ctx, pool, u.Email, fresh, "", now); err != nil {
		t.Fatalf("new password: %v", err)
	}
}
