package migrations_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/migrations"
)

// The template that dbtest copies is fully migrated, so this walks every
// migration down and back up again, which proves each Down undoes its Up.
func TestMigrationsDownAndUpAgain(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	runner, err := migrations.NewRunner(pool)
	if err != nil {
		t.Fatal(err)
	}
	defer runner.Close()

	if err := runner.Check(ctx); err != nil {
		t.Fatalf("Check on a migrated database: %v", err)
	}
	status, err := runner.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range status {
		if _, err := runner.Down(ctx); err != nil {
			t.Fatalf("Down: %v", err)
		}
	}
	if err := runner.Check(ctx); !errors.Is(err, migrations.ErrOutdated) {
		t.Fatalf("Check after rolling back everything = %v, want ErrOutdated", err)
	}
	applied, err := runner.Up(ctx)
	if err != nil {
		t.Fatalf("Up again: %v", err)
	}
	if len(applied) != len(status) {
		t.Errorf("Up applied %d migrations, want %d", len(applied), len(status))
	}
	if err := runner.Check(ctx); err != nil {
		t.Fatalf("Check after Up: %v", err)
	}
}
