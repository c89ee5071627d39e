package collect_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
	"github.com/ledgvero/ledgvero/billing/dbtest"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/outbox/smtpsink"
)

var newYork = mustLocation("America/New_York")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// clock is a settable time source shared by the engine and the outbox worker.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// setDay moves the clock to 9:00 in New York on d.
func (c *clock) setDay(d billing.Date) {
	c.mu.Lock()
	c.now = time.Date(d.Year, d.Month, d.Day, 9, 0, 0, 0, newYork)
	c.mu.Unlock()
}

type fixture struct {
	pool   *pgxpool.Pool
	jobs   *river.Client[pgx.Tx]
	sink   *smtpsink.Sink
	worker *outbox.Worker
	engine *collect.Engine
	clock  *clock
}

func setup(t *testing.T) *fixture {
	t.Helper()
	pool := dbtest.New(t)
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	sink := smtpsink.Start(t)
	sender, err := outbox.NewSMTPSender(sink.URL())
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	clk.setDay(billing.NewDate(2026, 1, 2))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &fixture{
		pool: pool, jobs: jobs, sink: sink, clock: clk,
		worker: &outbox.Worker{Pool: pool, Sender: sender, From: "billing@seller.example", Logger: logger, Now: clk.Now},
		engine: &collect.Engine{
			Pool: pool, Jobs: jobs, BaseURL: "https://pay.seller.example", From: "billing@seller.example",
			OrgName: "Acme Industrial Supply", Logger: logger, Now: clk.Now,
		},
	}
}

// customer creates a customer with one billing contact (when email is not empty).
func (f *fixture) customer(t *testing.T, name, email string) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := billing.CreateCustomer(ctx, f.pool, billing.Customer{Name: name, Currency: "USD", Terms: billing.Terms{NetDays: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if email != "" {
		_, err = billing.AddContact(ctx, f.pool, billing.Contact{CustomerID: id, Name: "Dana Reyes", Email: email, ReceivesReminders: true})
		if err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// invoice issues an invoice of amount cents due on due.
func (f *fixture) invoice(t *testing.T, customerID int64, number string, amount int64, due billing.Date) billing.Invoice {
	t.Helper()
	var inv billing.Invoice
	err := billing.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		var err error
		inv, err = billing.IssueInvoice(context.Background(), tx, billing.NewInvoice{
			CustomerID: customerID, Number: number, IssueDate: due.AddDays(-30), DueDate: due, Source: "manual",
			Lines: []billing.Line{{Description: "Hydraulic fittings", QuantityMilli: 1000, UnitPrice: billing.Money{Amount: amount, Currency: "USD"}}},
		}, billing.SystemActor("test"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func (f *fixture) run(t *testing.T, day billing.Date) collect.RunResult {
	t.Helper()
	f.clock.setDay(day)
	res, err := f.engine.Run(context.Background(), collect.RunOptions{AsOf: day})
	if err != nil {
		t.Fatalf("Run(%s): %v", day, err)
	}
	return res
}

// deliver works every queued outbox message once, as the River job would.
func (f *fixture) deliver(t *testing.T, attempt int) (failed int) {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT id FROM outbox_emails WHERE status = 'queued' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		job := &river.Job[outbox.DeliverArgs]{
			JobRow: &rivertype.JobRow{ID: id, Attempt: attempt, MaxAttempts: outbox.MaxAttempts},
			Args:   outbox.DeliverArgs{EmailID: id},
		}
		if err := f.worker.Work(context.Background(), job); err != nil {
			failed++
		}
	}
	return failed
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestWalkToFinalNotice(t *testing.T) {
	t.Parallel()
	f := setup(t)
	cust := f.customer(t, "Northwind Traders", "ap@northwind.example")
	due := billing.NewDate(2026, 2, 2)
	f.invoice(t, cust, "INV-1001", 125000, due)

	type sent struct {
		day     billing.Date
		subject string
		body    string
	}
	var got []sent
	for day := due.AddDays(-10); !day.After(due.AddDays(40)); day = day.AddDays(1) {
		f.run(t, day)
		before := len(f.sink.Messages())
		if failed := f.deliver(t, 1); failed != 0 {
			t.Fatalf("%s: %d deliveries failed", day, failed)
		}
		for _, m := range f.sink.Messages()[before:] {
			got = append(got, sent{day: day, subject: m.Header("Subject"), body: m.Data})
		}
	}

	want := []struct {
		day     billing.Date
		subject string
		phrases []string
	}{
		{due.AddDays(-3), "Upcoming payment: $1,250.00 due Feb 2, 2026", []string{"courtesy note", "due in 3 days", "Kind regards,"}},
		{due.AddDays(3), "Reminder: $1,250.00 past due for Northwind Traders", []string{"3 days past due", "by Feb 12, 2026", "Thank you,"}},
		{due.AddDays(10), "Second reminder: $1,250.00 overdue for Northwind Traders", []string{"10 days past due", "installment plan", "Regards,"}},
		{due.AddDays(30), "Final notice: $1,250.00 overdue for Northwind Traders", []string{"30 days past due", "final notice", "Sincerely,"}},
	}
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("%s %q", g.day, g.subject)
		}
		t.Fatalf("sent %d e-mails, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].day != w.day {
			t.Errorf("e-mail %d sent on %s, want %s", i, got[i].day, w.day)
		}
		if got[i].subject != w.subject {
			t.Errorf("e-mail %d subject %q, want %q", i, got[i].subject, w.subject)
		}
		body := unfold(got[i].body)
		for _, p := range append(w.phrases, "Hello Dana Reyes,", "INV-1001", "https://pay.seller.example/portal/link/") {
			if !strings.Contains(body, p) {
				t.Errorf("e-mail %d (%s) lacks %q", i, w.subject, p)
			}
		}
	}

	if n := f.count(t, `SELECT count(*) FROM staff_tasks WHERE customer_id = $1 AND kind = 'escalation'`, cust); n != 1 {
		t.Errorf("escalation tasks = %d, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM timeline_events WHERE customer_id = $1 AND kind = 'reminder.sent'`, cust); n != 4 {
		t.Errorf("reminder.sent timeline events = %d, want 4", n)
	}
}

// unfold undoes quoted-printable soft line breaks and the encoding of "=", so
// phrases can be found in a raw message.
func unfold(raw string) string {
	raw = strings.ReplaceAll(raw, "=\r\n", "")
	raw = strings.ReplaceAll(raw, "=\n", "")
	return strings.ReplaceAll(raw, "=3D", "=")
}

func TestRunSameDayTwice(t *testing.T) {
	t.Parallel()
	f := setup(t)
	cust := f.customer(t, "Contoso", "ap@contoso.example")
	day := billing.NewDate(2026, 3, 20)
	f.invoice(t, cust, "C-1", 5000, day.AddDays(-5))
	f.invoice(t, cust, "C-2", 7000, day.AddDays(-12))

	first := f.run(t, day)
	if first.Sent != 1 || first.Invoices != 2 {
		t.Fatalf("first run sent %d e-mails about %d invoices, want 1 about 2", first.Sent, first.Invoices)
	}
	second := f.run(t, day)
	if second.Sent != 0 || second.Invoices != 0 {
		t.Errorf("second run sent %d e-mails about %d invoices, want none", second.Sent, second.Invoices)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox_emails WHERE customer_id = $1`, cust); n != 1 {
		t.Errorf("outbox e-mails = %d, want 1", n)
	}
}

func TestParallelRunsSendOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	day := billing.NewDate(2026, 4, 15)
	for i := range 30 {
		cust := f.customer(t, fmt.Sprintf("Customer %02d", i), fmt.Sprintf("ap%02d@example.com", i))
		for j := range 3 {
			f.invoice(t, cust, fmt.Sprintf("P-%02d-%d", i, j), 1000+int64(j), day.AddDays(-4-7*j))
		}
	}
	f.clock.setDay(day)

	// Two engines, as in two serve processes, each with small chunks so their
	// transactions interleave.
	other := *f.engine
	other.ChunkSize, f.engine.ChunkSize = 3, 4
	var wg sync.WaitGroup
	results := make([]collect.RunResult, 2)
	errs := make([]error, 2)
	for i, e := range []*collect.Engine{f.engine, &other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.Run(context.Background(), collect.RunOptions{AsOf: day})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}

	if sent := results[0].Sent + results[1].Sent; sent != 30 {
		t.Errorf("runs sent %d + %d e-mails, want 30 in all", results[0].Sent, results[1].Sent)
	}
	if n := f.count(t, `SELECT count(*) FROM outbox_emails WHERE kind LIKE 'reminder.%'`); n != 30 {
		t.Errorf("outbox reminder e-mails = %d, want 30", n)
	}
	if n := f.count(t, `SELECT count(*) FROM reminder_sends`); n != 90 {
		t.Errorf("reminder_sends = %d, want 90", n)
	}
	if n := f.count(t, `SELECT count(*) FROM reminder_emails WHERE email_id IS NULL`); n != 0 {
		t.Errorf("reminder_emails without an outbox e-mail = %d, want 0", n)
	}
}

func TestOutageThenRecoveryDeliversOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	day := billing.NewDate(2026, 10, 20)
	for i := range 5 {
		cust := f.customer(t, fmt.Sprintf("Outage %d", i), fmt.Sprintf("ap%d@outage.example", i))
		f.invoice(t, cust, fmt.Sprintf("O-%d", i), 5000, day.AddDays(-4))
	}
	if res := f.run(t, day); res.Sent != 5 {
		t.Fatalf("run sent %d e-mails, want 5", res.Sent)
	}

	f.sink.SetFailing(true)
	if failed := f.deliver(t, 1); failed != 5 {
		t.Errorf("deliveries failed during the outage = %d, want 5", failed)
	}
	if len(f.sink.Messages()) != 0 {
		t.Fatalf("sink received %d messages during the outage", len(f.sink.Messages()))
	}
	// The engine's next run during the outage queues nothing new.
	if res := f.run(t, day); res.Sent != 0 {
		t.Errorf("second run during the outage sent %d e-mails, want 0", res.Sent)
	}

	f.sink.SetFailing(false)
	if failed := f.deliver(t, 2); failed != 0 {
		t.Errorf("deliveries failed after recovery = %d, want 0", failed)
	}
	f.deliver(t, 3)
	if got := len(f.sink.Messages()); got != 5 {
		t.Errorf("sink received %d messages after recovery, want 5", got)
	}
	for i := range 5 {
		if got := len(f.sink.To(fmt.Sprintf("ap%d@outage.example", i))); got != 1 {
			t.Errorf("contact %d received %d reminders, want 1", i, got)
		}
	}
}

func TestKeyAccountPolicyFromSegment(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	cust := f.customer(t, "Big Buyer Inc", "ap@bigbuyer.example")
	risky := f.customer(t, "Risky Ltd", "ap@risky.example")
	_, err := f.pool.Exec(ctx, `
		WITH owner AS (
			INSERT INTO staff_users (email, name, role, password_hash) VALUES ('maria@seller.example', 'Maria Lopez', 'collector', 'x')
			RETURNING id
		)
		UPDATE customers SET owner_id = (SELECT id FROM owner) WHERE id = $1`, cust)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.pool.Exec(ctx, `
		INSERT INTO customer_segments (customer_id, risk_score, value_tier, risk_band)
		VALUES ($1, 20, 'high', 'low'), ($2, 80, 'low', 'high')`, cust, risky)
	if err != nil {
		t.Fatal(err)
	}
	due := billing.NewDate(2026, 6, 20)
	f.invoice(t, cust, "BIG-1", 900000, due)
	f.invoice(t, risky, "RSK-1", 50000, due)

	// The key-account courtesy step is 5 days before the due date and the
	// high-risk one 7 days before; the standard policy waits until 3 days before.
	if res := f.run(t, due.AddDays(-7)); res.Sent != 1 {
		t.Errorf("sent %d e-mails 7 days before the due date, want 1 (high risk)", res.Sent)
	}
	if res := f.run(t, due.AddDays(-5)); res.Sent != 1 {
		t.Errorf("sent %d e-mails 5 days before the due date, want 1 (key account)", res.Sent)
	}
	f.deliver(t, 1)
	msgs := f.sink.To("ap@bigbuyer.example")
	if len(msgs) != 1 {
		t.Fatalf("key account received %d e-mails, want 1", len(msgs))
	}
	if from := msgs[0].Header("From"); !strings.Contains(from, "Maria Lopez") {
		t.Errorf("key-account reminder From = %q, want the owner's name", from)
	}
	if body := unfold(msgs[0].Data); !strings.Contains(body, "Account manager") || !strings.Contains(body, "maria@seller.example") {
		t.Error("key-account reminder is not signed by the owner")
	}
	sc, err := collect.CustomerSchedule(ctx, f.pool, risky, due)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Segment != "high_risk" {
		t.Errorf("risky customer's policy = %q, want high_risk", sc.Segment)
	}
}
