package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Automatic charging of installments: a plan whose debtor chose it keeps a
// payment method saved at the gateway, and a daily job charges each installment
// off-session on its due date.
const (
	// AutopayRetryDays is how many days after a failed automatic charge the
	// installment is charged once more.
	AutopayRetryDays = 3
	// AutopayMaxTries is how many automatic charges an installment gets. After
	// that the debtor pays by hand, and a plan still short after its grace days
	// defaults as any other plan does.
	AutopayMaxTries = 2
	// autopayCatchUpDays lets a charge that the job missed (no server ran on the
	// due date) still happen on the next days, but never weeks late.
	autopayCatchUpDays = 2
)

// SavedMethod is a payment method saved at the gateway for off-session
// charges. It holds the gateway's ids and what pages show, never a card or
// account number.
type SavedMethod struct {
	Gateway         string // "sandbox" or "stripe"
	PaymentMethodID string // pm_…
	CustomerRef     string // the gateway's customer id, cus_…
	Kind            string // MethodCard or MethodACH
	Brand           string // card brand such as "visa"; empty for a bank account
	Last4           string
}

// Label returns how the method reads on pages, as in "Visa ending 4242".
func (m SavedMethod) Label() string {
	if m.PaymentMethodID == "" {
		return ""
	}
	if m.Kind == MethodACH {
		return "Bank account ending " + m.Last4
	}
	brand := "Card"
	if m.Brand != "" {
		brand = cardBrandLabel(m.Brand)
	}
	return brand + " ending " + m.Last4
}

func cardBrandLabel(brand string) string {
	switch brand {
	case "visa":
		return "Visa"
	case "mastercard":
		return "Mastercard"
	case "amex":
		return "American Express"
	case "discover":
		return "Discover"
	}
	return "Card (" + brand + ")"
}

// InstallmentChargeKey returns the idempotency key of one automatic charge of
// installment seq of a plan. The same plan, installment and try always give the
// same key, so a job retry or a second server finds the attempt already made,
// and the gateway returns the charge it already made.
func InstallmentChargeKey(planID int64, seq, try int) string {
	return fmt.Sprintf("plan-%d-installment-%d-try-%d", planID, seq, try)
}

// PlanSetup is one gateway setup started for a plan.
type PlanSetup struct {
	ID         string
	PlanID     int64
	CustomerID int64
	Gateway    string
	Status     string // open or complete
	Method     SavedMethod
	SuccessURL string
	CancelURL  string
	Replaces   bool // started from an e-mailed link, so it may replace a saved method
}

// PlanForSetup returns the plan of a customer that a payment method may be
// saved for: its own, with automatic charging chosen, pending or approved. A
// plan of another customer returns ErrNotFound, like a missing one, and any
// other plan ErrConflict.
func PlanForSetup(ctx context.Context, db DB, customerID, planID int64) (Plan, SavedMethod, error) {
	var p Plan
	var m SavedMethod
	err := db.QueryRow(ctx, `
		SELECT id, customer_id, status, autopay, coalesce(payment_method_gateway, ''), coalesce(payment_method_id, ''),
			coalesce(gateway_customer_id, ''), coalesce(payment_method_kind, ''), payment_method_brand, payment_method_last4
		FROM installment_plans WHERE id = $1 AND customer_id = $2`, planID, customerID).Scan(
		&p.ID, &p.CustomerID, &p.Status, &p.Autopay, &m.Gateway, &m.PaymentMethodID, &m.CustomerRef, &m.Kind, &m.Brand, &m.Last4)
	if err != nil {
		return Plan{}, SavedMethod{}, notFound(err)
	}
	if p.Status != PlanPending && p.Status != PlanApproved {
		return Plan{}, SavedMethod{}, fmt.Errorf("plan %d is %s: %w", planID, p.Status, ErrConflict)
	}
	if !p.Autopay {
		return Plan{}, SavedMethod{}, fmt.Errorf("plan %d was proposed without automatic charging: %w", planID, ErrConflict)
	}
	return p, m, nil
}

// RecordPlanSetup stores a gateway setup started for a plan, with the pages
// the sandbox setup page returns to.
func RecordPlanSetup(ctx context.Context, db DB, s PlanSetup) error {
	planID := s.PlanID
	_, err := db.Exec(ctx, `
		INSERT INTO payment_method_setups (id, plan_id, gateway, success_url, cancel_url) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`, s.ID, planID, s.Gateway, s.SuccessURL, s.CancelURL)
	if err != nil {
		return fmt.Errorf("recording payment method setup for plan %d: %w", planID, err)
	}
	return nil
}

// LoadPlanSetup returns a setup with the customer of its plan.
func LoadPlanSetup(ctx context.Context, db DB, id string) (PlanSetup, error) {
	var s PlanSetup
	err := db.QueryRow(ctx, `
		SELECT s.id, s.plan_id, p.customer_id, s.gateway, s.status, coalesce(s.payment_method_id, ''),
			coalesce(s.method_kind, ''), s.brand, s.last4, s.success_url, s.cancel_url, s.replaces_method
		FROM payment_method_setups s JOIN installment_plans p ON p.id = s.plan_id WHERE s.id = $1`, id).Scan(
		&s.ID, &s.PlanID, &s.CustomerID, &s.Gateway, &s.Status, &s.Method.PaymentMethodID, &s.Method.Kind,
		&s.Method.Brand, &s.Method.Last4, &s.SuccessURL, &s.CancelURL, &s.Replaces)
	if err != nil {
		return PlanSetup{}, notFound(err)
	}
	s.Method.Gateway = s.Gateway
	return s, nil
}

// CompletePlanSetup marks a setup complete with the method the gateway saved.
func CompletePlanSetup(ctx context.Context, db DB, id string, m SavedMethod, at time.Time) error {
	tag, err := db.Exec(ctx, `
		UPDATE payment_method_setups SET status = 'complete', payment_method_id = $2, method_kind = $3,
			brand = $4, last4 = $5, completed_at = $6
		WHERE id = $1 AND status = 'open'`, id, m.PaymentMethodID, m.Kind, m.Brand, m.Last4, at)
	if err != nil {
		return fmt.Errorf("completing payment method setup %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("payment method setup %s is not open: %w", id, ErrConflict)
	}
	return nil
}

// SavePlanMethod stores the saved payment method on a plan of the customer and
// records it on the timeline. Saving the method a plan already has changes
// nothing, so a reloaded return page is harmless.
func SavePlanMethod(ctx context.Context, db DB, customerID, planID int64, m SavedMethod, actor Actor) error {
	if m.PaymentMethodID == "" || (m.Kind != MethodCard && m.Kind != MethodACH) {
		return fmt.Errorf("saving payment method for plan %d: the gateway returned no card or bank account", planID)
	}
	tag, err := db.Exec(ctx, `
		UPDATE installment_plans SET payment_method_gateway = $3, payment_method_id = $4, gateway_customer_id = nullif($5, ''),
			payment_method_kind = $6, payment_method_brand = $7, payment_method_last4 = $8, payment_method_saved_at = now()
		WHERE id = $1 AND customer_id = $2 AND payment_method_id IS DISTINCT FROM $4`,
		planID, customerID, m.Gateway, m.PaymentMethodID, m.CustomerRef, m.Kind, m.Brand, m.Last4)
	if err != nil {
		return fmt.Errorf("saving payment method for plan %d: %w", planID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	return AppendEvent(ctx, db, Event{
		CustomerID: customerID, Kind: "plan.payment_method_saved", Actor: actor.String(), Source: "portal",
		VisibleToDebtor: true,
		Summary:         fmt.Sprintf("%s saved for automatic charging of the payment plan", m.Label()),
		Details:         map[string]any{"plan_id": planID, "gateway": m.Gateway, "kind": m.Kind, "last4": m.Last4},
	})
}

// PlanMethods returns the saved payment methods of a customer's plans, by plan id.
func PlanMethods(ctx context.Context, db DB, customerID int64) (map[int64]SavedMethod, error) {
	rows, err := db.Query(ctx, `
		SELECT id, payment_method_gateway, payment_method_id, coalesce(gateway_customer_id, ''), payment_method_kind,
			payment_method_brand, payment_method_last4
		FROM installment_plans WHERE customer_id = $1 AND payment_method_id IS NOT NULL`, customerID)
	if err != nil {
		return nil, fmt.Errorf("querying saved payment methods: %w", err)
	}
	defer rows.Close()
	out := map[int64]SavedMethod{}
	for rows.Next() {
		var id int64
		var m SavedMethod
		if err := rows.Scan(&id, &m.Gateway, &m.PaymentMethodID, &m.CustomerRef, &m.Kind, &m.Brand, &m.Last4); err != nil {
			return nil, fmt.Errorf("scanning saved payment method: %w", err)
		}
		out[id] = m
	}
	return out, rows.Err()
}

// InstallmentState is one installment of a plan with its automatic charges so far.
type InstallmentState struct {
	Seq          int
	DueOn        Date
	Amount       Money
	Tries        int    // automatic charges made
	LastStatus   string // attempt status of the last charge; empty without one
	LastFailedOn Date   // the seller's day the last charge failed
	LastIntent   bool   // the last charge reached the gateway
}

// ChargeDecision is one automatic charge to make today.
type ChargeDecision struct {
	Seq    int
	Try    int
	DueOn  Date
	Amount Money
	Resume bool // the attempt exists but never reached the gateway
}

// SelectCharges decides which installments to charge today. covered is what the
// plan received plus what is in flight; an installment is unpaid while the
// installments due up to it exceed covered, and only that shortfall is charged.
// The first try is on the due date, or up to autopayCatchUpDays later when the
// job did not run; the retry is AutopayRetryDays after a failed try. Nothing is
// charged for the down payment, which the debtor pays in the portal.
func SelectCharges(insts []InstallmentState, covered int64, today Date) []ChargeDecision {
	var out []ChargeDecision
	var cumulative int64
	for _, in := range insts {
		cumulative += in.Amount.Amount
		short := min(in.Amount.Amount, cumulative-covered)
		if in.Seq == 0 || short <= 0 || in.DueOn.After(today) {
			continue
		}
		d := ChargeDecision{Seq: in.Seq, DueOn: in.DueOn, Amount: Money{Amount: short, Currency: in.Amount.Currency}}
		switch {
		case in.Tries == 0:
			if today.DaysSince(in.DueOn) > autopayCatchUpDays {
				continue
			}
			d.Try = 1
		case in.LastStatus == AttemptPending && !in.LastIntent:
			d.Try, d.Resume = in.Tries, true
		case in.LastStatus == AttemptPending:
			// NOTE: a charge the gateway answered but whose outcome never reached
			// the attempt (no webhook, and the job stopped before recording a
			// decline) stays pending and is not retried; the reconciliation job
			// only asks about checkout sessions, so staff must check it.
			continue
		case in.LastStatus == AttemptFailed && in.Tries < AutopayMaxTries:
			if today.DaysSince(in.LastFailedOn) < AutopayRetryDays {
				continue
			}
			d.Try = in.Tries + 1
		default:
			// In flight, succeeded, or out of tries.
			continue
		}
		covered += short
		out = append(out, d)
	}
	return out
}

// DueCharge is an automatic charge the job makes today.
type DueCharge struct {
	PlanID       int64
	CustomerID   int64
	ContactEmail string
	Method       SavedMethod
	ChargeDecision
}

// autopayPlansSQL lists the approved plans with a saved method and an
// installment due in the last week, with what each plan received (its invoices'
// balances when proposed minus their balances now, as the plan follow-up counts
// it) plus its automatic charges still processing. The receipt goes to a
// billing contact, one who opted out of reminders only when no other is left,
// because a receipt is not a reminder.
const autopayPlansSQL = `
SELECT p.id, p.customer_id, p.currency, p.payment_method_gateway, p.payment_method_id,
	coalesce(p.gateway_customer_id, ''), p.payment_method_kind, p.payment_method_brand, p.payment_method_last4,
	coalesce((SELECT sum(pi.amount_minor) - sum(i.open_minor) FROM installment_plan_invoices pi
		JOIN invoices i ON i.id = pi.invoice_id WHERE pi.plan_id = p.id), 0)
	+ coalesce((SELECT sum(a.amount_minor) FROM installment_charges c JOIN payment_attempts a ON a.id = c.attempt_id
		WHERE c.plan_id = p.id AND a.status = 'processing'), 0),
	coalesce((SELECT ct.email FROM contacts ct WHERE ct.customer_id = p.customer_id
		ORDER BY ct.opted_out_at IS NULL DESC, 'billing' = ANY (ct.roles) DESC, ct.id LIMIT 1), '')
FROM installment_plans p
WHERE p.status = 'approved' AND p.payment_method_id IS NOT NULL AND p.autopay
	AND EXISTS (SELECT 1 FROM installments i WHERE i.plan_id = p.id AND i.seq > 0
		AND i.due_on BETWEEN $1::date - 7 AND $1::date)
ORDER BY p.id`

const autopayInstallmentsSQL = `
SELECT i.seq, i.due_on, i.amount_minor,
	(SELECT count(*) FROM installment_charges c WHERE c.plan_id = i.plan_id AND c.seq = i.seq),
	coalesce(last.status, ''), last.failed_at, coalesce(last.payment_intent_id, '') <> ''
FROM installments i
LEFT JOIN LATERAL (
	SELECT a.status, a.failed_at, a.payment_intent_id FROM installment_charges c JOIN payment_attempts a ON a.id = c.attempt_id
	WHERE c.plan_id = i.plan_id AND c.seq = i.seq ORDER BY c.try DESC LIMIT 1
) last ON true
WHERE i.plan_id = $1 ORDER BY i.seq`

// DueInstallmentCharges returns the automatic charges to make on today, in the
// seller's zone loc.
func DueInstallmentCharges(ctx context.Context, db DB, today Date, loc *time.Location) ([]DueCharge, error) {
	type plan struct {
		DueCharge
		currency string
		covered  int64
	}
	rows, err := db.Query(ctx, autopayPlansSQL, today)
	if err != nil {
		return nil, fmt.Errorf("querying plans to charge: %w", err)
	}
	var plans []plan
	for rows.Next() {
		var p plan
		m := &p.Method
		if err := rows.Scan(&p.PlanID, &p.CustomerID, &p.currency, &m.Gateway, &m.PaymentMethodID, &m.CustomerRef,
			&m.Kind, &m.Brand, &m.Last4, &p.covered, &p.ContactEmail); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scanning plan to charge: %w", err)
		}
		plans = append(plans, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	var out []DueCharge
	for _, p := range plans {
		insts, err := installmentStates(ctx, db, p.PlanID, p.currency, loc)
		if err != nil {
			return nil, err
		}
		for _, d := range SelectCharges(insts, p.covered, today) {
			c := p.DueCharge
			c.ChargeDecision = d
			out = append(out, c)
		}
	}
	return out, nil
}

func installmentStates(ctx context.Context, db DB, planID int64, currency string, loc *time.Location) ([]InstallmentState, error) {
	rows, err := db.Query(ctx, autopayInstallmentsSQL, planID)
	if err != nil {
		return nil, fmt.Errorf("querying installments of plan %d: %w", planID, err)
	}
	defer rows.Close()
	var out []InstallmentState
	for rows.Next() {
		s := InstallmentState{Amount: Money{Currency: currency}}
		var failedAt *time.Time
		if err := rows.Scan(&s.Seq, &s.DueOn, &s.Amount.Amount, &s.Tries, &s.LastStatus, &failedAt, &s.LastIntent); err != nil {
			return nil, fmt.Errorf("scanning installment of plan %d: %w", planID, err)
		}
		if failedAt != nil {
			s.LastFailedOn = Today(*failedAt, loc)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// CreateInstallmentAttempt stores the payment attempt of one automatic charge,
// spread over the plan's invoices that are still open, oldest first, and never
// more than they owe. A second call for the same plan, installment and try
// returns the first attempt and created=false. It returns ErrNotFound when the
// plan's invoices owe nothing any more. Run it inside a transaction.
func CreateInstallmentAttempt(ctx context.Context, db DB, c DueCharge, today Date) (PaymentAttempt, bool, error) {
	key := InstallmentChargeKey(c.PlanID, c.Seq, c.Try)
	if prev, err := attemptByKey(ctx, db, c.CustomerID, key); err == nil {
		return prev, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return PaymentAttempt{}, false, err
	}

	open, err := OpenInvoices(ctx, db, c.CustomerID, today)
	if err != nil {
		return PaymentAttempt{}, false, err
	}
	inPlan, err := planInvoiceIDs(ctx, db, c.PlanID)
	if err != nil {
		return PaymentAttempt{}, false, err
	}
	a := PaymentAttempt{
		CustomerID: c.CustomerID, ContactEmail: c.ContactEmail, IdempotencyKey: key,
		Amount: Money{Currency: c.Amount.Currency}, Discount: Money{Currency: c.Amount.Currency},
		InitiatedOn: today, Method: c.Method.Kind, Gateway: c.Method.Gateway, Status: AttemptPending,
	}
	left := c.Amount.Amount
	for _, l := range open {
		if !inPlan[l.ID] || l.Open.Amount <= 0 || l.Open.Currency != c.Amount.Currency || left == 0 {
			continue
		}
		share := min(left, l.Open.Amount)
		left -= share
		a.Lines = append(a.Lines, AttemptLine{InvoiceID: l.ID, Number: l.Number, Open: l.Open,
			Amount: Money{Amount: share, Currency: l.Open.Currency}, Discount: Money{Currency: l.Open.Currency}})
		a.Amount.Amount += share
	}
	if a.Amount.Amount <= 0 {
		return PaymentAttempt{}, false, fmt.Errorf("plan %d owes nothing on its invoices: %w", c.PlanID, ErrNotFound)
	}

	err = db.QueryRow(ctx, `
		INSERT INTO payment_attempts (customer_id, contact_email, idempotency_key, currency, amount_minor,
			discount_minor, initiated_on, method, gateway)
		VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8)
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING id, created_at`,
		a.CustomerID, a.ContactEmail, key, a.Amount.Currency, a.Amount.Amount, today, a.Method, a.Gateway,
	).Scan(&a.ID, &a.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		// Another server made this charge's attempt first.
		prev, err := attemptByKey(ctx, db, c.CustomerID, key)
		return prev, false, err
	}
	if err != nil {
		return PaymentAttempt{}, false, fmt.Errorf("inserting installment charge attempt: %w", err)
	}
	if err := insertAttemptLines(ctx, db, a); err != nil {
		return PaymentAttempt{}, false, err
	}
	_, err = db.Exec(ctx, `INSERT INTO installment_charges (attempt_id, plan_id, seq, try) VALUES ($1, $2, $3, $4)`,
		a.ID, c.PlanID, c.Seq, c.Try)
	if err != nil {
		return PaymentAttempt{}, false, fmt.Errorf("recording charge %d of installment %d of plan %d: %w", c.Try, c.Seq, c.PlanID, err)
	}
	err = AppendEvent(ctx, db, Event{
		CustomerID: a.CustomerID, Kind: "payment.autopay_started", Actor: "system:autopay", Source: "job",
		VisibleToDebtor: true,
		Summary: fmt.Sprintf("Automatic charge of %s to %s for installment %d of the payment plan (try %d)",
			a.Amount, c.Method.Label(), c.Seq, c.Try),
		Details: map[string]any{"attempt_id": a.ID, "plan_id": c.PlanID, "seq": c.Seq, "try": c.Try,
			"amount": a.Amount.Decimal(), "currency": a.Amount.Currency},
	})
	if err != nil {
		return PaymentAttempt{}, false, err
	}
	return a, true, nil
}

func planInvoiceIDs(ctx context.Context, db DB, planID int64) (map[int64]bool, error) {
	rows, err := db.Query(ctx, `SELECT invoice_id FROM installment_plan_invoices WHERE plan_id = $1`, planID)
	if err != nil {
		return nil, fmt.Errorf("querying invoices of plan %d: %w", planID, err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scanning invoice of plan %d: %w", planID, err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// InstallmentCharge is the plan installment an automatic charge attempt paid for.
type InstallmentCharge struct {
	PlanID int64
	Seq    int
	Try    int
}

// InstallmentChargeOf returns the installment an attempt charged, or
// ErrNotFound for an attempt the debtor made in the portal.
func InstallmentChargeOf(ctx context.Context, db DB, attemptID int64) (InstallmentCharge, error) {
	var c InstallmentCharge
	err := db.QueryRow(ctx, `SELECT plan_id, seq, try FROM installment_charges WHERE attempt_id = $1`, attemptID).Scan(&c.PlanID, &c.Seq, &c.Try)
	return c, notFound(err)
}

// AttemptOfPayment returns the gateway attempt that recorded a ledger payment,
// or ErrNotFound for a payment recorded by hand or imported.
func AttemptOfPayment(ctx context.Context, db DB, paymentID int64) (PaymentAttempt, error) {
	a, err := scanAttempt(db.QueryRow(ctx, `SELECT `+attemptColumns+` FROM payment_attempts WHERE payment_id = $1`, paymentID))
	if err != nil {
		return PaymentAttempt{}, err
	}
	return a, loadAttemptLines(ctx, db, &a)
}
