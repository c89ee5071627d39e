package billing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Payment attempt statuses. A status only moves forward: pending -> processing
// -> succeeded | failed, and succeeded -> refunded | disputed.
const (
	AttemptPending    = "pending"
	AttemptProcessing = "processing"
	AttemptSucceeded  = "succeeded"
	AttemptFailed     = "failed"
	AttemptRefunded   = "refunded"
	AttemptDisputed   = "disputed"
)

// CanAdvance reports whether an attempt may move from status from to status to.
// Webhooks arrive in any order, so a late "processing" after "succeeded" is
// simply not applied.
func CanAdvance(from, to string) bool {
	switch from {
	case AttemptPending:
		return to == AttemptProcessing || to == AttemptSucceeded || to == AttemptFailed
	case AttemptProcessing:
		return to == AttemptSucceeded || to == AttemptFailed
	case AttemptSucceeded:
		return to == AttemptRefunded || to == AttemptDisputed
	}
	return false
}

// PaymentAttempt is one submission of the portal's pay form and what the gateway
// reported about it. Amount is what the debtor is charged: the open balances
// chosen minus Discount, decided by the server when the attempt was created.
type PaymentAttempt struct {
	ID                int64
	CustomerID        int64
	ContactEmail      string
	IdempotencyKey    string
	Amount            Money
	Discount          Money
	PartialReason     string
	InitiatedOn       Date
	Method            string // "card", "ach", or empty until the gateway reports it
	Gateway           string // "sandbox" or "stripe"
	CheckoutSessionID string
	CheckoutURL       string
	PaymentIntentID   string
	Status            string
	FailureMessage    string
	PaymentID         *int64 // the ledger payment, once recorded
	CreatedAt         time.Time
	Lines             []AttemptLine
}

// AttemptLine is the part of an attempt applied to one invoice.
type AttemptLine struct {
	InvoiceID int64
	Number    string
	Amount    Money // cash applied
	Discount  Money // early-payment discount applied
	Open      Money // open balance when the attempt was made
}

// PayableInvoice is an open invoice as the pay page offers it.
type PayableInvoice struct {
	StatementLine
	Discount Money // earned if the whole open balance is paid today
	DueNow   Money // Open minus Discount
	InFlight bool  // an ACH payment for it is processing, so it cannot be paid again now
}

// PayChoice is one invoice the debtor chose on the pay form. Amount is the text
// of the amount field; empty means the whole open balance.
type PayChoice struct {
	InvoiceID int64
	Amount    string
}

// PayRequest is the input of CreatePaymentAttempt.
type PayRequest struct {
	CustomerID     int64
	ContactEmail   string
	IdempotencyKey string
	Choices        []PayChoice
	PartialReason  string
	Gateway        string
	InitiatedOn    Date // the seller's calendar day when the debtor pressed pay
	AllowPartial   bool
}

// InputError lists invalid pay-form fields, keyed by field name, each with a
// message that says what to fix. No data is written when it is returned.
type InputError struct {
	Fields map[string]string
}

func (e *InputError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return "invalid payment: " + strings.Join(parts, "; ")
}

// AmountField is the pay-form field name of an invoice's amount.
func AmountField(invoiceID int64) string { return "amount_" + strconv.FormatInt(invoiceID, 10) }

// NewIdempotencyKey returns a random key for one rendering of the pay form.
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // since Go 1.24, crypto/rand.Read never returns an error
	return hex.EncodeToString(b)
}

func validIdempotencyKey(k string) bool {
	if len(k) != 32 {
		return false
	}
	_, err := hex.DecodeString(k)
	return err == nil
}

// PayableInvoices returns a customer's invoices with an open balance as of today,
// oldest due date first, with the discount a full payment today earns.
func PayableInvoices(ctx context.Context, db DB, customerID int64, today Date) ([]PayableInvoice, error) {
	lines, err := OpenInvoices(ctx, db, customerID, today)
	if err != nil {
		return nil, err
	}
	inFlight, err := InvoicesInFlight(ctx, db, customerID)
	if err != nil {
		return nil, err
	}

	out := make([]PayableInvoice, 0, len(lines))
	for _, l := range lines {
		if l.Open.Amount <= 0 {
			continue
		}
		d := EarlyPaymentDiscount(l.Total, l.Open, l.DiscountRateBP, l.DiscountUntil, today)
		out = append(out, PayableInvoice{StatementLine: l, Discount: d, DueNow: l.Open.Sub(d), InFlight: inFlight[l.ID]})
	}
	return out, nil
}

// InvoicesInFlight returns the invoices of a customer with a payment attempt
// that is processing: an ACH debit initiated but not settled. Pages show these
// invoices as processing, never as paid.
func InvoicesInFlight(ctx context.Context, db DB, customerID int64) (map[int64]bool, error) {
	rows, err := db.Query(ctx, `
		SELECT DISTINCT l.invoice_id
		FROM payment_attempts a JOIN payment_attempt_invoices l ON l.attempt_id = a.id
		WHERE a.customer_id = $1 AND a.status = 'processing'`, customerID)
	if err != nil {
		return nil, fmt.Errorf("querying payments in flight: %w", err)
	}
	defer rows.Close()

	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scanning payment in flight: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// QuotePayment checks a pay request against the ledger and returns the lines and
// totals the server charges. Amounts come from the open balances, never from the
// form: a choice without an amount pays the whole open balance less the discount,
// and a typed amount is accepted only as a partial payment within the balance.
func QuotePayment(payable []PayableInvoice, req PayRequest) ([]AttemptLine, error) {
	byID := make(map[int64]PayableInvoice, len(payable))
	for _, p := range payable {
		byID[p.ID] = p
	}
	fields := map[string]string{}
	if len(req.Choices) == 0 {
		fields["invoices"] = "Choose at least one invoice to pay."
	}

	var lines []AttemptLine
	partial := false
	seen := map[int64]bool{}
	var currency string
	for _, ch := range req.Choices {
		field := AmountField(ch.InvoiceID)
		inv, ok := byID[ch.InvoiceID]
		if !ok || seen[ch.InvoiceID] {
			// A foreign, settled or missing invoice returns the same error.
			return nil, ErrNotFound
		}
		seen[ch.InvoiceID] = true
		if inv.InFlight {
			fields[field] = fmt.Sprintf("A bank payment for invoice %s is still processing. Wait until it settles or fails.", inv.Number)
			continue
		}
		if currency != "" && inv.Open.Currency != currency {
			fields["invoices"] = "Pay invoices in different currencies separately."
			continue
		}
		currency = inv.Open.Currency

		line, isPartial, msg := quoteLine(inv, ch.Amount)
		if msg != "" {
			fields[field] = msg
			continue
		}
		partial = partial || isPartial
		lines = append(lines, line)
	}

	if partial && !req.AllowPartial {
		fields["invoices"] = "Partial payments are not accepted. Pay each chosen invoice in full."
	}
	if partial && req.AllowPartial && strings.TrimSpace(req.PartialReason) == "" {
		fields["reason"] = "Say why you are paying part of an invoice, for example a disputed line."
	}
	if len(req.PartialReason) > 500 {
		fields["reason"] = "Keep the reason under 500 characters."
	}
	if len(fields) > 0 {
		return nil, &InputError{Fields: fields}
	}
	return lines, nil
}

// quoteLine decides the cash and discount for one invoice. It returns a message
// for the amount field when the typed amount is not acceptable.
func quoteLine(inv PayableInvoice, typed string) (AttemptLine, bool, string) {
	line := AttemptLine{InvoiceID: inv.ID, Number: inv.Number, Open: inv.Open}
	full := func() (AttemptLine, bool, string) {
		line.Amount, line.Discount = inv.DueNow, inv.Discount
		return line, false, ""
	}
	typed = strings.TrimSpace(typed)
	if typed == "" {
		return full()
	}

	m, err := ParseMoney(typed, inv.Open.Currency)
	if err != nil {
		digits, _ := MinorDigits(inv.Open.Currency)
		if strings.Contains(err.Error(), "decimals") {
			return line, false, fmt.Sprintf("Use at most %d decimals for %s, as in %s.", digits, inv.Open.Currency, inv.DueNow.Decimal())
		}
		return line, false, fmt.Sprintf("Enter an amount such as %s.", inv.DueNow.Decimal())
	}
	switch {
	case m.Amount <= 0:
		return line, false, "Enter an amount greater than zero."
	case m.Amount > inv.Open.Amount:
		return line, false, fmt.Sprintf("The amount is more than the open balance of %s. Enter at most %s.", inv.Open, inv.Open.Decimal())
	case m.Amount >= inv.DueNow.Amount:
		// Anything from the discounted amount up to the open balance settles the
		// invoice in full, and the debtor is charged only what is due now.
		return full()
	}
	line.Amount, line.Discount = m, Money{Currency: m.Currency}
	return line, true, ""
}

// CreatePaymentAttempt validates req against the ledger and stores a pending
// attempt with its lines. A second call with the same idempotency key returns
// the first attempt and created=false, so a double submission never makes two
// attempts; a key that belongs to another customer returns ErrNotFound.
func CreatePaymentAttempt(ctx context.Context, db DB, req PayRequest) (PaymentAttempt, bool, error) {
	if !validIdempotencyKey(req.IdempotencyKey) {
		return PaymentAttempt{}, false, &InputError{Fields: map[string]string{
			"idempotency_key": "This form is out of date. Reload the pay page and try again.",
		}}
	}
	if prev, err := attemptByKey(ctx, db, req.CustomerID, req.IdempotencyKey); err == nil {
		return prev, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return PaymentAttempt{}, false, err
	}

	payable, err := PayableInvoices(ctx, db, req.CustomerID, req.InitiatedOn)
	if err != nil {
		return PaymentAttempt{}, false, err
	}
	lines, err := QuotePayment(payable, req)
	if err != nil {
		return PaymentAttempt{}, false, err
	}

	a := PaymentAttempt{
		CustomerID: req.CustomerID, ContactEmail: req.ContactEmail, IdempotencyKey: req.IdempotencyKey,
		Amount: Money{Currency: lines[0].Amount.Currency}, Discount: Money{Currency: lines[0].Amount.Currency},
		PartialReason: strings.TrimSpace(req.PartialReason), InitiatedOn: req.InitiatedOn,
		Gateway: req.Gateway, Status: AttemptPending, Lines: lines,
	}
	for _, l := range lines {
		a.Amount = a.Amount.Add(l.Amount)
		a.Discount = a.Discount.Add(l.Discount)
	}
	if a.Amount.Amount <= 0 {
		return PaymentAttempt{}, false, &InputError{Fields: map[string]string{"invoices": "There is nothing to pay on the chosen invoices."}}
	}

	err = db.QueryRow(ctx, `
		INSERT INTO payment_attempts (customer_id, contact_email, idempotency_key, currency, amount_minor,
			discount_minor, partial_reason, initiated_on, gateway)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING id, created_at`,
		a.CustomerID, a.ContactEmail, a.IdempotencyKey, a.Amount.Currency, a.Amount.Amount,
		a.Discount.Amount, a.PartialReason, a.InitiatedOn, a.Gateway).Scan(&a.ID, &a.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		// A concurrent submission of the same form won the insert.
		prev, err := attemptByKey(ctx, db, req.CustomerID, req.IdempotencyKey)
		return prev, false, err
	}
	if err != nil {
		return PaymentAttempt{}, false, fmt.Errorf("inserting payment attempt: %w", err)
	}

	if err := insertAttemptLines(ctx, db, a); err != nil {
		return PaymentAttempt{}, false, err
	}
	err = AppendEvent(ctx, db, Event{
		CustomerID: a.CustomerID, Kind: "payment.started", Actor: "contact:" + a.ContactEmail, Source: "portal",
		Summary: fmt.Sprintf("%s started a payment of %s for %s", a.ContactEmail, a.Amount, a.invoiceNumbers()),
		Details: map[string]any{"attempt_id": a.ID, "amount": a.Amount.Decimal(), "currency": a.Amount.Currency,
			"discount": a.Discount.Decimal(), "gateway": a.Gateway, "partial_reason": a.PartialReason},
	})
	if err != nil {
		return PaymentAttempt{}, false, err
	}
	return a, true, nil
}

func insertAttemptLines(ctx context.Context, db DB, a PaymentAttempt) error {
	ids := make([]int64, len(a.Lines))
	amounts := make([]int64, len(a.Lines))
	discounts := make([]int64, len(a.Lines))
	opens := make([]int64, len(a.Lines))
	for i, l := range a.Lines {
		ids[i], amounts[i], discounts[i], opens[i] = l.InvoiceID, l.Amount.Amount, l.Discount.Amount, l.Open.Amount
	}
	_, err := db.Exec(ctx, `
		INSERT INTO payment_attempt_invoices (attempt_id, invoice_id, amount_minor, discount_minor, open_minor)
		SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])`,
		a.ID, ids, amounts, discounts, opens)
	if err != nil {
		return fmt.Errorf("inserting lines of payment attempt %d: %w", a.ID, err)
	}
	return nil
}

func (a PaymentAttempt) invoiceNumbers() string {
	nums := make([]string, len(a.Lines))
	for i, l := range a.Lines {
		nums[i] = l.Number
	}
	if len(nums) == 1 {
		return "invoice " + nums[0]
	}
	return "invoices " + strings.Join(nums, ", ")
}

// InvoiceIDs returns the ids of the attempt's invoices in the order chosen.
func (a PaymentAttempt) InvoiceIDs() []int64 {
	ids := make([]int64, len(a.Lines))
	for i, l := range a.Lines {
		ids[i] = l.InvoiceID
	}
	return ids
}

// CashAllocations returns the cash the debtor put on each invoice, in line
// order, for NewPayment.Allocations. Lines without cash, such as an invoice
// settled by its discount alone, are left out.
func (a PaymentAttempt) CashAllocations() []InvoiceAmount {
	var out []InvoiceAmount
	for _, l := range a.Lines {
		if l.Amount.Amount > 0 {
			out = append(out, InvoiceAmount{InvoiceID: l.InvoiceID, Amount: l.Amount})
		}
	}
	return out
}

const attemptColumns = `id, customer_id, contact_email, idempotency_key, currency, amount_minor, discount_minor,
	partial_reason, initiated_on, coalesce(method, ''), gateway, coalesce(checkout_session_id, ''),
	coalesce(checkout_url, ''), coalesce(payment_intent_id, ''), status, failure_message, payment_id, created_at`

func scanAttempt(row pgx.Row) (PaymentAttempt, error) {
	var a PaymentAttempt
	err := row.Scan(&a.ID, &a.CustomerID, &a.ContactEmail, &a.IdempotencyKey, &a.Amount.Currency, &a.Amount.Amount,
		&a.Discount.Amount, &a.PartialReason, &a.InitiatedOn, &a.Method, &a.Gateway, &a.CheckoutSessionID,
		&a.CheckoutURL, &a.PaymentIntentID, &a.Status, &a.FailureMessage, &a.PaymentID, &a.CreatedAt)
	a.Discount.Currency = a.Amount.Currency
	return a, notFound(err)
}

func attemptByKey(ctx context.Context, db DB, customerID int64, key string) (PaymentAttempt, error) {
	a, err := scanAttempt(db.QueryRow(ctx, `SELECT `+attemptColumns+` FROM payment_attempts WHERE idempotency_key = $1`, key))
	if err != nil {
		return PaymentAttempt{}, err
	}
	if a.CustomerID != customerID {
		return PaymentAttempt{}, ErrNotFound
	}
	return a, loadAttemptLines(ctx, db, &a)
}

// AttemptOfCustomer returns one attempt with its lines. An attempt of another
// customer returns ErrNotFound, like a missing one.
func AttemptOfCustomer(ctx context.Context, db DB, customerID, id int64) (PaymentAttempt, error) {
	a, err := scanAttempt(db.QueryRow(ctx, `
		SELECT `+attemptColumns+` FROM payment_attempts WHERE id = $1 AND customer_id = $2`, id, customerID))
	if err != nil {
		return PaymentAttempt{}, err
	}
	return a, loadAttemptLines(ctx, db, &a)
}

// AttemptRef selects an attempt by any id a gateway reports. The first non-zero
// field wins, in the order of the fields.
type AttemptRef struct {
	ID                int64
	CheckoutSessionID string
	PaymentIntentID   string
}

// LockAttempt returns the attempt ref points at, locked FOR UPDATE until tx ends,
// so that concurrent webhooks for one attempt apply one after the other.
func LockAttempt(ctx context.Context, tx DB, ref AttemptRef) (PaymentAttempt, error) {
	var row pgx.Row
	switch {
	case ref.ID != 0:
		row = tx.QueryRow(ctx, `SELECT `+attemptColumns+` FROM payment_attempts WHERE id = $1 FOR UPDATE`, ref.ID)
	case ref.CheckoutSessionID != "":
		row = tx.QueryRow(ctx, `SELECT `+attemptColumns+` FROM payment_attempts WHERE checkout_session_id = $1 FOR UPDATE`, ref.CheckoutSessionID)
	case ref.PaymentIntentID != "":
		row = tx.QueryRow(ctx, `SELECT `+attemptColumns+` FROM payment_attempts WHERE payment_intent_id = $1 FOR UPDATE`, ref.PaymentIntentID)
	default:
		return PaymentAttempt{}, ErrNotFound
	}
	a, err := scanAttempt(row)
	if err != nil {
		return PaymentAttempt{}, err
	}
	return a, loadAttemptLines(ctx, tx, &a)
}

func loadAttemptLines(ctx context.Context, db DB, a *PaymentAttempt) error {
	rows, err := db.Query(ctx, `
		SELECT l.invoice_id, i.number, l.amount_minor, l.discount_minor, l.open_minor
		FROM payment_attempt_invoices l JOIN invoices i ON i.id = l.invoice_id
		WHERE l.attempt_id = $1
		ORDER BY i.due_date, i.id`, a.ID)
	if err != nil {
		return fmt.Errorf("querying lines of payment attempt %d: %w", a.ID, err)
	}
	defer rows.Close()

	a.Lines = a.Lines[:0]
	for rows.Next() {
		l := AttemptLine{Amount: Money{Currency: a.Amount.Currency}}
		l.Discount.Currency, l.Open.Currency = l.Amount.Currency, l.Amount.Currency
		if err := rows.Scan(&l.InvoiceID, &l.Number, &l.Amount.Amount, &l.Discount.Amount, &l.Open.Amount); err != nil {
			return fmt.Errorf("scanning line of payment attempt %d: %w", a.ID, err)
		}
		a.Lines = append(a.Lines, l)
	}
	return rows.Err()
}

// AttachCheckout stores the gateway's checkout session on an attempt. Calling it
// again with the same session is harmless; a different session for an attempt
// that already has one returns ErrConflict.
func AttachCheckout(ctx context.Context, db DB, attemptID int64, sessionID, url string) error {
	tag, err := db.Exec(ctx, `
		UPDATE payment_attempts SET checkout_session_id = $2, checkout_url = $3, updated_at = now()
		WHERE id = $1 AND (checkout_session_id IS NULL OR checkout_session_id = $2)`, attemptID, sessionID, url)
	if err != nil {
		return fmt.Errorf("storing checkout session of payment attempt %d: %w", attemptID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("payment attempt %d already has another checkout session: %w", attemptID, ErrConflict)
	}
	return nil
}

// SetAttemptGatewayIDs records the payment intent and the method once the
// gateway reports them. Empty values leave the stored ones alone.
func SetAttemptGatewayIDs(ctx context.Context, tx DB, attemptID int64, paymentIntentID, method string) error {
	_, err := tx.Exec(ctx, `
		UPDATE payment_attempts
		SET payment_intent_id = coalesce(payment_intent_id, nullif($2, '')),
			method = coalesce(nullif($3, ''), method), updated_at = now()
		WHERE id = $1`, attemptID, paymentIntentID, method)
	if isUniqueViolation(err) {
		return fmt.Errorf("payment intent %s belongs to another attempt: %w", paymentIntentID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("storing gateway ids of payment attempt %d: %w", attemptID, err)
	}
	return nil
}

// AdvanceAttempt moves an attempt to status to at time at, and reports whether it
// moved. A move that CanAdvance forbids is skipped and reports false, because an
// event that arrives late must not undo a later one.
func AdvanceAttempt(ctx context.Context, tx DB, a *PaymentAttempt, to string, at time.Time, failure string) (bool, error) {
	if !CanAdvance(a.Status, to) {
		return false, nil
	}
	_, err := tx.Exec(ctx, `
		UPDATE payment_attempts SET status = $2,
			failure_message = CASE WHEN $2 IN ('processing', 'succeeded') THEN '' WHEN $3 = '' THEN failure_message ELSE $3 END,
			processing_at = CASE WHEN $2 = 'processing' THEN $4 ELSE processing_at END,
			succeeded_at = CASE WHEN $2 = 'succeeded' THEN $4 ELSE succeeded_at END,
			failed_at = CASE WHEN $2 = 'failed' THEN $4 ELSE failed_at END,
			updated_at = $4
		WHERE id = $1`, a.ID, to, failure, at)
	if err != nil {
		return false, fmt.Errorf("moving payment attempt %d to %s: %w", a.ID, to, err)
	}
	a.Status = to
	switch {
	case to == AttemptProcessing || to == AttemptSucceeded:
		a.FailureMessage = ""
	case failure != "":
		a.FailureMessage = failure
	}
	return true, nil
}

// NoteAttemptFailure stores a failure message without changing the status, as
// for a declined card while the debtor can still try another one.
func NoteAttemptFailure(ctx context.Context, tx DB, attemptID int64, message string) error {
	_, err := tx.Exec(ctx, `UPDATE payment_attempts SET failure_message = $2, updated_at = now() WHERE id = $1`, attemptID, message)
	if err != nil {
		return fmt.Errorf("storing failure of payment attempt %d: %w", attemptID, err)
	}
	return nil
}

// SetAttemptPayment links an attempt to the ledger payment it recorded.
func SetAttemptPayment(ctx context.Context, tx DB, attemptID, paymentID int64) error {
	_, err := tx.Exec(ctx, `UPDATE payment_attempts SET payment_id = $2 WHERE id = $1`, attemptID, paymentID)
	if err != nil {
		return fmt.Errorf("linking payment attempt %d to payment %d: %w", attemptID, paymentID, err)
	}
	return nil
}

// StaleAttempts returns up to limit attempts that have a checkout session and
// are still pending after being created before cutoff, oldest first. Their
// webhooks may have been lost, so the reconciliation job asks the gateway.
// Attempts with an unresolved payment exception wait for staff instead, so they
// do not fill every batch.
func StaleAttempts(ctx context.Context, db DB, cutoff time.Time, limit int) ([]PaymentAttempt, error) {
	rows, err := db.Query(ctx, `
		SELECT `+attemptColumns+` FROM payment_attempts a
		WHERE status = 'pending' AND created_at < $1 AND checkout_session_id IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM payment_exceptions e WHERE e.attempt_id = a.id AND e.resolved_at IS NULL)
		ORDER BY created_at LIMIT $2`, cutoff, limit)
	if err != nil {
		return nil, fmt.Errorf("querying stale payment attempts: %w", err)
	}
	defer rows.Close()

	var out []PaymentAttempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("scanning stale payment attempt: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PaymentException is a gateway report that staff must look at before anything
// reaches the ledger.
type PaymentException struct {
	AttemptID  int64
	CustomerID int64
	EventID    string
	Kind       string // "amount_mismatch", "currency_mismatch" or "unknown_attempt"
	Expected   Money
	Reported   Money
	Message    string
}

// RecordPaymentException stores e and, when it belongs to a customer, records it
// on the timeline. A second record of the same event and kind is ignored.
func RecordPaymentException(ctx context.Context, tx DB, e PaymentException) error {
	tag, err := tx.Exec(ctx, `
		INSERT INTO payment_exceptions (attempt_id, customer_id, event_id, kind, expected_minor, expected_currency,
			reported_minor, reported_currency, message)
		VALUES (nullif($1, 0), nullif($2, 0), $3, $4, $5, nullif($6, ''), $7, $8, $9)
		ON CONFLICT (event_id, kind) DO NOTHING`,
		e.AttemptID, e.CustomerID, e.EventID, e.Kind, e.Expected.Amount, e.Expected.Currency,
		e.Reported.Amount, e.Reported.Currency, e.Message)
	if err != nil {
		return fmt.Errorf("recording payment exception for event %s: %w", e.EventID, err)
	}
	if tag.RowsAffected() == 0 || e.CustomerID == 0 {
		return nil
	}
	return AppendEvent(ctx, tx, Event{
		CustomerID: e.CustomerID, Kind: "payment.exception", Actor: "system:stripe", Source: "webhook",
		Summary: "Payment needs staff review: " + e.Message,
		Details: map[string]any{"attempt_id": e.AttemptID, "event_id": e.EventID, "kind": e.Kind,
			"expected": e.Expected.Decimal(), "expected_currency": e.Expected.Currency,
			"reported_minor": e.Reported.Amount, "reported_currency": e.Reported.Currency},
	})
}

// AllowPartialPayments reports whether the seller accepts partial payments. It
// is true when no organization row exists yet.
func AllowPartialPayments(ctx context.Context, db DB) (bool, error) {
	var allow bool
	err := db.QueryRow(ctx, `SELECT coalesce((SELECT allow_partial_payments FROM organization), true)`).Scan(&allow)
	if err != nil {
		return false, fmt.Errorf("reading partial payment setting: %w", err)
	}
	return allow, nil
}
