package notify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/notify"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

func TestPlanDecidedMailsBillingContacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	jobs, err := outbox.NewInserter(pool)
	if err != nil {
		t.Fatal(err)
	}
	id, err := billing.CreateCustomer(ctx, pool, billing.Customer{Name: "Northwind", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []billing.Contact{
		{CustomerID: id, Email: "ap@northwind.example"},
		{CustomerID: id, Email: "ceo@northwind.example", Roles: []string{"executive"}},
	} {
		if _, err := billing.AddContact(ctx, pool, c); err != nil {
			t.Fatal(err)
		}
	}
	plan := billing.Plan{ID: 7, CustomerID: id, Status: billing.PlanRejected, DecisionNote: "Pay half first."}
	m := notify.Mailer{Jobs: jobs, BaseURL: "https://pay.example"}
	staff := billing.Actor{Kind: "staff", Name: "ana@seller.example"}

	for range 2 { // a retried decision must not mail twice
		err := billing.InTx(ctx, pool, func(tx pgx.Tx) error { return m.PlanDecided(ctx, tx, plan, staff) })
		if err != nil {
			t.Fatal(err)
		}
	}
	rows, err := pool.Query(ctx, `SELECT to_addr, subject, body_text FROM outbox_emails ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type mail struct{ To, Subject, Text string }
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[mail])
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].To != "ap@northwind.example" {
		t.Fatalf("mails = %+v, want one to the billing contact", got)
	}
	if got[0].Subject != "Your payment plan was not approved" || !strings.Contains(got[0].Text, "Pay half first.") {
		t.Errorf("mail = %+v", got[0])
	}
}
