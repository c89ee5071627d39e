package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/migrations"
)

func cmdMigrate(ctx context.Context, a *app, args []string) error {
	runner, err := migrations.NewRunner(a.pool)
	if err != nil {
		return err
	}
	defer runner.Close()

	action := "up"
	if len(args) > 0 {
		action = args[0]
	}
	switch action {
	case "up":
		applied, err := runner.Up(ctx)
		for _, name := range applied {
			fmt.Fprintln(a.stdout, "applied", name)
		}
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(a.stdout, "database schema is up to date")
		}
	case "status":
		list, err := runner.Status(ctx)
		if err != nil {
			return err
		}
		applied, known, err := runner.RiverStatus(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%-8s river job queue: %d of %d migrations\n", stateOf(applied == known), applied, known)
		for _, s := range list {
			fmt.Fprintf(a.stdout, "%-8s %s\n", stateOf(s.Applied), s.Path)
		}
	case "down":
		name, err := runner.Down(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, "rolled back", name)
	default:
		return usageError{fmt.Sprintf("unknown action %q: use status, down or nothing to apply all", action)}
	}
	return nil
}

func stateOf(applied bool) string {
	if applied {
		return "applied"
	}
	return "pending"
}

// requireSchema stops a command that needs the current schema when migrations are pending.
func requireSchema(ctx context.Context, a *app) error {
	runner, err := migrations.NewRunner(a.pool)
	if err != nil {
		return err
	}
	defer runner.Close()
	return runner.Check(ctx)
}

func cmdSeed(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("seed", a.stdout)
	adminEmail := fs.String("admin-email", "admin@ledgvero.localhost", "e-mail address of the first admin account")
	adminPassword := fs.String("admin-password", "", "password of the first admin account; empty generates one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := requireSchema(ctx, a); err != nil {
		return err
	}

	password := *adminPassword
	if password == "" {
		var err error
		if password, err = randomPassword(); err != nil {
			return err
		}
	}

	var adminCreated, demoCreated bool
	err := billing.InTx(ctx, a.pool, func(tx pgx.Tx) error {
		var err error
		demoCreated, err = billing.SeedDemo(ctx, tx, a.cfg.OrgName, a.cfg.OrgTimezone.String(), a.cfg.OrgCurrency, a.today())
		if err != nil {
			return err
		}
		var staff int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM staff_users`).Scan(&staff); err != nil {
			return fmt.Errorf("counting staff: %w", err)
		}
		if staff > 0 {
			return nil
		}
		if _, err := billing.CreateStaff(ctx, tx, *adminEmail, billing.RoleAdmin, password); err != nil {
			return err
		}
		adminCreated = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}

	if demoCreated {
		fmt.Fprintln(a.stdout, "Demo data loaded: Northwind Traders and Contoso Supply Co.")
	} else {
		fmt.Fprintln(a.stdout, "Demo data already present: nothing changed.")
	}
	if adminCreated {
		fmt.Fprintf(a.stdout, "Admin account created:\n  email:    %s\n  password: %s\n", *adminEmail, password)
	} else {
		fmt.Fprintln(a.stdout, "Staff accounts exist already; `ledgvero user passwd --email ADDRESS` sets a new password.")
	}
	return nil
}

func cmdUser(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "passwd") {
		return usageError{"expected `user add --email E --role admin|collector|viewer` or `user passwd --email E`; the password is read from standard input"}
	}
	action := args[0]
	fs := newFlagSet("user "+action, a.stdout)
	email := fs.String("email", "", "the staff member's e-mail address")
	role := fs.String("role", "", "admin, collector or viewer (add only)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" {
		return usageError{"missing --email"}
	}
	if err := requireSchema(ctx, a); err != nil {
		return err
	}

	if action == "add" && !billing.ValidRole(*role) {
		return usageError{fmt.Sprintf("invalid --role %q: use admin, collector or viewer", *role)}
	}

	password, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && password == "" {
		return usageError{"missing password: write it to standard input, for example `echo 'long passphrase' | ledgvero user add ...`"}
	}
	password = strings.TrimRight(password, "\r\n")

	if action == "add" {
		u, err := billing.CreateStaff(ctx, a.pool, *email, *role, password)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "created %s %s\n", u.Role, u.Email)
		return nil
	}
	if err := billing.SetStaffPassword(ctx, a.pool, *email, password); err != nil {
		if errors.Is(err, billing.ErrNotFound) {
			return fmt.Errorf("no staff account with email %s", *email)
		}
		return err
	}
	fmt.Fprintf(a.stdout, "password changed for %s\n", *email)
	return nil
}

func cmdMagicLink(ctx context.Context, a *app, args []string) error {
	fs := newFlagSet("magic-link", a.stdout)
	email := fs.String("email", "", "a contact's e-mail address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return usageError{"missing --email"}
	}
	if err := requireSchema(ctx, a); err != nil {
		return err
	}
	token, err := billing.CreateMagicLink(ctx, a.pool, *email, billing.LinkSupport, a.now())
	if errors.Is(err, billing.ErrNotFound) {
		return fmt.Errorf("no customer contact has the email %s", *email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s/portal/link/%s\n", a.cfg.BaseURL, token)
	return nil
}

func randomPassword() (string, error) {
	raw := make([]byte, 15)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generating password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}
