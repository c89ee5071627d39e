package billing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Payment methods.
const (
	MethodCard  = "card"
	MethodACH   = "ach"
	MethodWire  = "wire"
	MethodCheck = "check"
	MethodCash  = "cash"
	MethodOther = "other"
)

// Payment statuses. A status only moves forward: pending -> processing ->
// succeeded | failed, and succeeded -> refunded | disputed. A database trigger
// rejects every other change.
const (
	PaymentPending    = "pending"
	PaymentProcessing = "processing"
	PaymentSucceeded  = "succeeded"
	PaymentFailed     = "failed"
	PaymentRefunded   = "refunded"
	PaymentDisputed   = "disputed"
)

// ValidMethod reports whether m is a payment method Ledgvero records.
func ValidMethod(m string) bool {
	return slices.Contains([]string{MethodCard, MethodACH, MethodWire, MethodCheck, MethodCash, MethodOther}, m)
}

// paymentMayMove reports whether a payment's status may change from one value to another.
func paymentMayMove(from, to string) bool {
	switch from {
	case PaymentPending:
		return to == PaymentProcessing || to == PaymentSucceeded || to == PaymentFailed
	case PaymentProcessing:
		return to == PaymentSucceeded || to == PaymentFailed
	case PaymentSucceeded:
		return to == PaymentRefunded || to == PaymentDisputed
	}
	return false
}

// NewPayment is the input of RecordPayment.
type NewPayment struct {
	CustomerID int64
	ExternalID string // idempotency key: a Stripe object id, bank reference or import key
	Method     string // card, ach, wire, check, cash or other
	Status     string // pending, processing or succeeded; empty means succeeded
	Amount     Money  // positive, in the customer's currency
	ReceivedOn Date   // the day the money counts as received in the seller's zone
	Reference  string // free text such as a check number
	InvoiceIDs []int64
	// Allocations are optional amounts the payer put on chosen invoices. Each
	// must be in InvoiceIDs, and when InvoiceIDs is empty they are the choice.
	Allocations []InvoiceAmount
	Source      string // "portal", "backoffice", "webhook", "import", "cli"
}

// InvoiceAmount is the part of a payment that the payer put on one invoice.
type InvoiceAmount struct {
	InvoiceID int64
	Amount    Money
}

// Payment is a recorded payment and, once succeeded, how it was allocated.
type Payment struct {
	ID          int64
	CustomerID  int64
	ExternalID  string
	Method      string
	Status      string
	Amount      Money
	ReceivedOn  Date
	Allocations []Allocation
	Credit      Money // the part not allocated to invoices: customer credit
	Duplicate   bool  // true when ExternalID was recorded before and nothing changed
}

// Allocation applies part of a payment or credit note to an invoice from AppliedOn onwards.
type Allocation struct {
	InvoiceID    int64
	Number       string
	PaymentID    int64 // zero for a credit note
	CreditNoteID int64 // zero for a payment
	Amount       Money
	AppliedOn    Date
}

// RecordPayment stores a payment once per ExternalID. A second call with the same
// key returns the first payment with Duplicate set and changes nothing, or wraps
// ErrConflict when the customer, amount or currency differ.
//
// A succeeded payment is allocated at once. Each invoice in Allocations first
// gets its amount, capped at its open balance, in the order given. The rest goes
// to the chosen invoices, oldest due date first; without a choice, to all open
// invoices of the customer, oldest due date first. What is left over becomes
// customer credit. A pending or processing
// payment keeps the choice and is allocated when SetPaymentStatus marks it
// succeeded, so money in flight never makes an invoice paid. Every change is
// appended to the customer's timeline. Run it inside a transaction (InTx).
func RecordPayment(ctx context.Context, db DB, in NewPayment, actor Actor) (Payment, error) {
	if err := validatePayment(&in); err != nil {
		return Payment{}, err
	}
	cust, err := lockCustomer(ctx, db, in.CustomerID)
	if err != nil {
		return Payment{}, err
	}
	if in.Amount.Currency != cust.Currency {
		return Payment{}, fmt.Errorf("payment %s: currency %s differs from the customer's %s", in.ExternalID, in.Amount.Currency, cust.Currency)
	}

	invoiceIDs, amounts := requestedColumns(in.InvoiceIDs, in.Allocations)
	var id int64
	err = db.QueryRow(ctx, `
		INSERT INTO payments (customer_id, external_id, method, status, currency, amount_minor, received_on,
			reference, requested_invoice_ids, requested_amounts_minor, source, status_changed_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $7)
		ON CONFLICT (external_id) DO NOTHING
		RETURNING id`,
		in.CustomerID, in.ExternalID, in.Method, in.Status, in.Amount.Currency, in.Amount.Amount, in.ReceivedOn,
		in.Reference, invoiceIDs, amounts, in.Source).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return duplicatePayment(ctx, db, in)
	}
	if err != nil {
		return Payment{}, fmt.Errorf("inserting payment %s: %w", in.ExternalID, err)
	}

	err = AppendEvent(ctx, db, Event{
		CustomerID: in.CustomerID, Kind: "payment." + in.Status, Actor: actor.String(), Source: in.Source,
		VisibleToDebtor: true,
		Summary:         fmt.Sprintf("Payment of %s by %s recorded as %s", in.Amount, in.Method, in.Status),
		Details: map[string]any{"payment_id": id, "external_id": in.ExternalID, "amount": in.Amount.Decimal(),
			"currency": in.Amount.Currency, "method": in.Method, "received_on": in.ReceivedOn.String()},
	})
	if err != nil {
		return Payment{}, err
	}
	if in.Status == PaymentSucceeded {
		if _, err := allocatePayment(ctx, db, id, in.ReceivedOn, actor, in.Source); err != nil {
			return Payment{}, err
		}
	}
	return PaymentByID(ctx, db, id)
}

func validatePayment(in *NewPayment) error {
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	if in.ExternalID == "" {
		return errors.New("missing payment external id: pass the Stripe object id, bank reference or another unique key")
	}
	if in.Status == "" {
		in.Status = PaymentSucceeded
	}
	if in.Status != PaymentPending && in.Status != PaymentProcessing && in.Status != PaymentSucceeded {
		return fmt.Errorf("invalid payment status %q: record a payment as pending, processing or succeeded", in.Status)
	}
	if !ValidMethod(in.Method) {
		return fmt.Errorf("invalid payment method %q: use card, ach, wire, check, cash or other", in.Method)
	}
	if in.Amount.Amount <= 0 {
		return fmt.Errorf("invalid payment amount %s: must be positive", in.Amount.Decimal())
	}
	if in.ReceivedOn.IsZero() {
		return errors.New("missing payment date")
	}
	if in.Source == "" {
		in.Source = "cli"
	}
	if in.InvoiceIDs == nil {
		in.InvoiceIDs = []int64{}
	}
	return validateAllocations(*in)
}

// validateAllocations checks the requested amounts of a payment: each is
// positive, in the payment's currency, on a chosen invoice named once, and
// together they fit in the payment.
func validateAllocations(in NewPayment) error {
	seen := map[int64]bool{}
	var sum int64
	for _, a := range in.Allocations {
		switch {
		case a.InvoiceID <= 0:
			return fmt.Errorf("invalid allocation of payment %s: missing invoice id", in.ExternalID)
		case seen[a.InvoiceID]:
			return fmt.Errorf("invalid allocation of payment %s: invoice %d is named twice, give one amount per invoice", in.ExternalID, a.InvoiceID)
		case a.Amount.Currency != in.Amount.Currency:
			return fmt.Errorf("invalid allocation of payment %s to invoice %d: currency %s differs from the payment's %s",
				in.ExternalID, a.InvoiceID, a.Amount.Currency, in.Amount.Currency)
		case a.Amount.Amount <= 0:
			return fmt.Errorf("invalid allocation of payment %s to invoice %d: amount %s must be positive",
				in.ExternalID, a.InvoiceID, a.Amount.Decimal())
		case len(in.InvoiceIDs) > 0 && !slices.Contains(in.InvoiceIDs, a.InvoiceID):
			return fmt.Errorf("invalid allocation of payment %s: invoice %d is not among the chosen invoices, add it to InvoiceIDs",
				in.ExternalID, a.InvoiceID)
		}
		seen[a.InvoiceID] = true
		sum += a.Amount.Amount
		if sum > in.Amount.Amount {
			return fmt.Errorf("invalid allocations of payment %s: they add up to more than the payment of %s, lower them",
				in.ExternalID, in.Amount)
		}
	}
	return nil
}

// requestedColumns returns the requested_invoice_ids and requested_amounts_minor
// values of a payment: the invoices with an amount first, in the order given,
// then the other chosen invoices with amount 0. Without amounts the second
// array is empty and the first is the choice as given.
func requestedColumns(invoiceIDs []int64, allocations []InvoiceAmount) ([]int64, []int64) {
	if len(allocations) == 0 {
		return invoiceIDs, []int64{}
	}
	ids := make([]int64, 0, len(invoiceIDs)+len(allocations))
	amounts := make([]int64, 0, cap(ids))
	for _, a := range allocations {
		ids = append(ids, a.InvoiceID)
		amounts = append(amounts, a.Amount.Amount)
	}
	for _, id := range invoiceIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
			amounts = append(amounts, 0)
		}
	}
	return ids, amounts
}

func duplicatePayment(ctx context.Context, db DB, in NewPayment) (Payment, error) {
	var id int64
	err := db.QueryRow(ctx, `SELECT id FROM payments WHERE external_id = $1`, in.ExternalID).Scan(&id)
	if err != nil {
		return Payment{}, fmt.Errorf("loading payment %s: %w", in.ExternalID, notFound(err))
	}
	p, err := PaymentByID(ctx, db, id)
	if err != nil {
		return Payment{}, err
	}
	if p.CustomerID != in.CustomerID || p.Amount != in.Amount {
		return Payment{}, fmt.Errorf("payment %s was recorded before with another customer or amount: %w", in.ExternalID, ErrConflict)
	}
	p.Duplicate = true
	return p, nil
}

// lockCustomer loads a customer and locks its row until the transaction ends, so
// two payments of one customer never allocate the same open balance twice.
func lockCustomer(ctx context.Context, db DB, customerID int64) (Customer, error) {
	var c Customer
	err := db.QueryRow(ctx, `SELECT id, name, currency FROM customers WHERE id = $1 FOR UPDATE`, customerID).
		Scan(&c.ID, &c.Name, &c.Currency)
	if err != nil {
		return Customer{}, fmt.Errorf("loading customer %d: %w", customerID, notFound(err))
	}
	return c, nil
}

// PaymentByID returns a payment with its allocations and its unallocated credit.
func PaymentByID(ctx context.Context, db DB, id int64) (Payment, error) {
	var p Payment
	err := db.QueryRow(ctx, `
		SELECT id, customer_id, external_id, method, status, currency, amount_minor, received_on
		FROM payments WHERE id = $1`, id).Scan(
		&p.ID, &p.CustomerID, &p.ExternalID, &p.Method, &p.Status, &p.Amount.Currency, &p.Amount.Amount, &p.ReceivedOn)
	if err != nil {
		return Payment{}, notFound(err)
	}
	p.Allocations, err = allocationsOf(ctx, db, "a.payment_id = $1", id, p.Amount.Currency)
	if err != nil {
		return Payment{}, err
	}
	p.Credit = Money{Currency: p.Amount.Currency}
	if p.Status == PaymentSucceeded {
		p.Credit.Amount = p.Amount.Amount
		for _, a := range p.Allocations {
			p.Credit.Amount -= a.Amount.Amount
		}
	}
	return p, nil
}

func allocationsOf(ctx context.Context, db DB, where string, id int64, currency string) ([]Allocation, error) {
	rows, err := db.Query(ctx, `
		SELECT a.invoice_id, i.number, coalesce(a.payment_id, 0), coalesce(a.credit_note_id, 0), a.amount_minor, a.applied_on
		FROM allocations a JOIN invoices i ON i.id = a.invoice_id
		WHERE `+where+` ORDER BY a.id`, id)
	if err != nil {
		return nil, fmt.Errorf("querying allocations: %w", err)
	}
	defer rows.Close()

	var out []Allocation
	for rows.Next() {
		a := Allocation{Amount: Money{Currency: currency}}
		if err := rows.Scan(&a.InvoiceID, &a.Number, &a.PaymentID, &a.CreditNoteID, &a.Amount.Amount, &a.AppliedOn); err != nil {
			return nil, fmt.Errorf("scanning allocation: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetPaymentStatus moves a payment forward and applies the effect on money: a
// payment that becomes succeeded is allocated as RecordPayment describes, dated
// on; a succeeded payment that becomes refunded or disputed has its allocations
// reversed from on, which reopens the invoices it paid. Any other change wraps
// ErrConflict. Setting the current status again changes nothing. Run it inside a
// transaction.
func SetPaymentStatus(ctx context.Context, db DB, paymentID int64, status string, on Date, actor Actor, source string) (Payment, error) {
	var customerID int64
	if err := db.QueryRow(ctx, `SELECT customer_id FROM payments WHERE id = $1`, paymentID).Scan(&customerID); err != nil {
		return Payment{}, fmt.Errorf("loading payment %d: %w", paymentID, notFound(err))
	}
	if _, err := lockCustomer(ctx, db, customerID); err != nil {
		return Payment{}, err
	}
	p, err := PaymentByID(ctx, db, paymentID)
	if err != nil {
		return Payment{}, err
	}
	if p.Status == status {
		return p, nil
	}
	if !paymentMayMove(p.Status, status) {
		return Payment{}, fmt.Errorf("payment %s cannot move from %s to %s: %w", p.ExternalID, p.Status, status, ErrConflict)
	}

	_, err = db.Exec(ctx, `UPDATE payments SET status = $2, status_changed_at = now(), status_changed_on = $3 WHERE id = $1`,
		paymentID, status, on)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23514" {
		return Payment{}, fmt.Errorf("payment %s cannot move from %s to %s: %w", p.ExternalID, p.Status, status, ErrConflict)
	}
	if err != nil {
		return Payment{}, fmt.Errorf("updating payment %s: %w", p.ExternalID, err)
	}
	err = AppendEvent(ctx, db, Event{
		CustomerID: customerID, Kind: "payment." + status, Actor: actor.String(), Source: source, VisibleToDebtor: true,
		Summary: fmt.Sprintf("Payment of %s moved from %s to %s", p.Amount, p.Status, status),
		Details: map[string]any{"payment_id": p.ID, "external_id": p.ExternalID, "from": p.Status, "to": status, "on": on.String()},
	})
	if err != nil {
		return Payment{}, err
	}

	switch status {
	case PaymentSucceeded:
		if _, err := allocatePayment(ctx, db, paymentID, on, actor, source); err != nil {
			return Payment{}, err
		}
	case PaymentRefunded, PaymentDisputed:
		if err := reversePayment(ctx, db, p, on, actor, source); err != nil {
			return Payment{}, err
		}
	}
	return PaymentByID(ctx, db, paymentID)
}

// ApplyPayment allocates what is left of a succeeded payment to the invoices its
// payer chose, or to the customer's open invoices oldest due date first, dated the
// day it was received. Bulk writers such as the importer call it for payments they
// stored without allocations; it returns the allocations made. Run it inside a
// transaction.
func ApplyPayment(ctx context.Context, db DB, paymentID int64, actor Actor, source string) ([]Allocation, error) {
	var customerID int64
	var status string
	var received Date
	err := db.QueryRow(ctx, `SELECT customer_id, status, received_on FROM payments WHERE id = $1`, paymentID).
		Scan(&customerID, &status, &received)
	if err != nil {
		return nil, fmt.Errorf("loading payment %d: %w", paymentID, notFound(err))
	}
	if status != PaymentSucceeded {
		return nil, fmt.Errorf("payment %d is %s, not succeeded: %w", paymentID, status, ErrConflict)
	}
	if _, err := lockCustomer(ctx, db, customerID); err != nil {
		return nil, err
	}
	return allocatePayment(ctx, db, paymentID, received, actor, source)
}

// openInvoice is an invoice with a positive open balance, locked for allocation.
type openInvoice struct {
	ID     int64
	Number string
	Open   int64
}

// lockOpenInvoices returns the customer's open invoices in currency, oldest due
// date first, restricted to ids unless ids is empty. It rejects ids that are not
// open invoices of the customer, so a caller cannot pay another account's invoice.
func lockOpenInvoices(ctx context.Context, db DB, customerID int64, currency string, ids []int64) ([]openInvoice, error) {
	rows, err := db.Query(ctx, `
		SELECT id, number, open_minor FROM invoices
		WHERE customer_id = $1 AND currency = $2 AND voided_at IS NULL AND open_minor > 0
			AND (coalesce(cardinality($3::bigint[]), 0) = 0 OR id = ANY($3))
		ORDER BY due_date, issue_date, id
		FOR UPDATE`, customerID, currency, ids)
	if err != nil {
		return nil, fmt.Errorf("querying open invoices: %w", err)
	}
	defer rows.Close()

	var out []openInvoice
	for rows.Next() {
		var o openInvoice
		if err := rows.Scan(&o.ID, &o.Number, &o.Open); err != nil {
			return nil, fmt.Errorf("scanning open invoice: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(out, func(o openInvoice) bool { return o.ID == id }) {
			return nil, fmt.Errorf("invoice %d is not an open invoice of customer %d: %w", id, customerID, ErrNotFound)
		}
	}
	return out, nil
}

// planAllocations spreads amount over open invoices in their order, never more
// than an invoice's open balance, and returns the shares and what is left over.
func planAllocations(amount int64, open []openInvoice) ([]int64, int64) {
	shares := make([]int64, len(open))
	for i, o := range open {
		if amount == 0 {
			break
		}
		shares[i] = min(amount, o.Open)
		amount -= shares[i]
	}
	return shares, amount
}

// requestedShare is the cash a payer put on one invoice, less what the payment
// has already allocated to it.
type requestedShare struct {
	InvoiceID int64
	Amount    int64
}

// planRequestedAllocations spreads amount over open invoices (oldest first) in
// two passes: each requested invoice gets min(its request, its open balance) in
// the order requested, then the rest goes oldest first. It returns the invoices
// in the order they were first given money, their shares and what is left over
// for customer credit. No share exceeds an invoice's open balance and the
// shares never add up to more than amount.
func planRequestedAllocations(amount int64, open []openInvoice, requested []requestedShare) ([]openInvoice, []int64, int64) {
	index := make(map[int64]int, len(open))
	for i, o := range open {
		index[o.ID] = i
	}
	shares := make([]int64, len(open))
	var order []int
	give := func(i int, want int64) {
		share := min(want, open[i].Open-shares[i], amount)
		if share <= 0 {
			return
		}
		if shares[i] == 0 {
			order = append(order, i)
		}
		shares[i] += share
		amount -= share
	}
	for _, r := range requested {
		if i, ok := index[r.InvoiceID]; ok {
			give(i, r.Amount)
		}
	}
	for i := range open {
		give(i, amount)
	}

	invoices := make([]openInvoice, len(order))
	out := make([]int64, len(order))
	for k, i := range order {
		invoices[k], out[k] = open[i], shares[i]
	}
	return invoices, out, amount
}

func allocatePayment(ctx context.Context, db DB, paymentID int64, on Date, actor Actor, source string) ([]Allocation, error) {
	var customerID, amount int64
	var currency string
	var requested, requestedAmounts []int64
	err := db.QueryRow(ctx, `
		SELECT p.customer_id, p.currency, p.amount_minor - coalesce((SELECT sum(amount_minor) FROM allocations WHERE payment_id = p.id), 0),
			p.requested_invoice_ids, p.requested_amounts_minor
		FROM payments p WHERE p.id = $1`, paymentID).Scan(&customerID, &currency, &amount, &requested, &requestedAmounts)
	if err != nil {
		return nil, fmt.Errorf("loading payment %d: %w", paymentID, notFound(err))
	}
	open, err := lockOpenInvoices(ctx, db, customerID, currency, requested)
	if err != nil {
		return nil, err
	}
	if len(requestedAmounts) == 0 {
		return insertAllocations(ctx, db, customerID, currency, open, amount, on, "payment_id", paymentID, actor, source)
	}

	shares, err := requestedShares(ctx, db, paymentID, requested, requestedAmounts)
	if err != nil {
		return nil, err
	}
	invoices, planned, _ := planRequestedAllocations(amount, open, shares)
	return writeAllocations(ctx, db, customerID, currency, invoices, planned, on, "payment_id", paymentID, actor, source)
}

// requestedShares pairs the requested invoices with their amounts, less what the
// payment already gave each of them, so ApplyPayment on a partly allocated
// payment only tops up the requests.
func requestedShares(ctx context.Context, db DB, paymentID int64, invoiceIDs, amounts []int64) ([]requestedShare, error) {
	rows, err := db.Query(ctx, `
		SELECT invoice_id, sum(amount_minor) FROM allocations WHERE payment_id = $1 GROUP BY invoice_id`, paymentID)
	if err != nil {
		return nil, fmt.Errorf("querying allocations of payment %d: %w", paymentID, err)
	}
	defer rows.Close()
	given := map[int64]int64{}
	for rows.Next() {
		var invoiceID, sum int64
		if err := rows.Scan(&invoiceID, &sum); err != nil {
			return nil, fmt.Errorf("scanning allocations of payment %d: %w", paymentID, err)
		}
		given[invoiceID] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	var out []requestedShare
	for i, id := range invoiceIDs {
		if want := amounts[i] - given[id]; want > 0 {
			out = append(out, requestedShare{InvoiceID: id, Amount: want})
		}
	}
	return out, nil
}

// insertAllocations applies up to amount from one payment or credit note
// (sourceColumn names which) to the open invoices in order, refreshes their
// balances and records each application on the timeline.
func insertAllocations(ctx context.Context, db DB, customerID int64, currency string, open []openInvoice, amount int64,
	on Date, sourceColumn string, sourceID int64, actor Actor, source string) ([]Allocation, error) {
	shares, _ := planAllocations(amount, open)
	return writeAllocations(ctx, db, customerID, currency, open, shares, on, sourceColumn, sourceID, actor, source)
}

// writeAllocations inserts one allocation per invoice with a positive share,
// in the order of open, refreshes the balances and records each on the timeline.
func writeAllocations(ctx context.Context, db DB, customerID int64, currency string, open []openInvoice, shares []int64,
	on Date, sourceColumn string, sourceID int64, actor Actor, source string) ([]Allocation, error) {
	var out []Allocation
	var touched []int64
	for i, share := range shares {
		if share == 0 {
			continue
		}
		inv := open[i]
		_, err := db.Exec(ctx, `INSERT INTO allocations (invoice_id, `+sourceColumn+`, amount_minor, applied_on) VALUES ($1, $2, $3, $4)`,
			inv.ID, sourceID, share, on)
		if err != nil {
			return nil, fmt.Errorf("allocating to invoice %s: %w", inv.Number, err)
		}
		a := Allocation{InvoiceID: inv.ID, Number: inv.Number, Amount: Money{Amount: share, Currency: currency}, AppliedOn: on}
		if sourceColumn == "payment_id" {
			a.PaymentID = sourceID
		} else {
			a.CreditNoteID = sourceID
		}
		out = append(out, a)
		touched = append(touched, inv.ID)

		what := "Payment"
		if a.CreditNoteID != 0 {
			what = "Credit"
		}
		err = AppendEvent(ctx, db, Event{
			CustomerID: customerID, InvoiceID: &inv.ID, Kind: "allocation.applied", Actor: actor.String(), Source: source,
			VisibleToDebtor: true,
			Summary:         fmt.Sprintf("%s of %s applied to invoice %s, leaving %s open", what, a.Amount, inv.Number, Money{Amount: inv.Open - share, Currency: currency}),
			Details: map[string]any{"amount": a.Amount.Decimal(), sourceColumn: sourceID, "applied_on": on.String(),
				"open_after": Money{Amount: inv.Open - share, Currency: currency}.Decimal()},
		})
		if err != nil {
			return nil, err
		}
	}
	return out, refreshBalances(ctx, db, touched)
}

// reversePayment adds a negative allocation dated on for each invoice the payment
// paid, so the invoices reopen from that day while earlier balances stay as they were.
func reversePayment(ctx context.Context, db DB, p Payment, on Date, actor Actor, source string) error {
	net := map[int64]int64{}
	var order []int64
	for _, a := range p.Allocations {
		if _, seen := net[a.InvoiceID]; !seen {
			order = append(order, a.InvoiceID)
		}
		net[a.InvoiceID] += a.Amount.Amount
	}
	var touched []int64
	for _, invoiceID := range order {
		if net[invoiceID] == 0 {
			continue
		}
		_, err := db.Exec(ctx, `INSERT INTO allocations (invoice_id, payment_id, amount_minor, applied_on) VALUES ($1, $2, $3, $4)`,
			invoiceID, p.ID, -net[invoiceID], on)
		if err != nil {
			return fmt.Errorf("reversing allocation of payment %s: %w", p.ExternalID, err)
		}
		touched = append(touched, invoiceID)
		id := invoiceID
		err = AppendEvent(ctx, db, Event{
			CustomerID: p.CustomerID, InvoiceID: &id, Kind: "allocation.reversed", Actor: actor.String(), Source: source,
			VisibleToDebtor: true,
			Summary:         fmt.Sprintf("Payment of %s reversed: invoice reopened by %s", p.Amount, Money{Amount: net[invoiceID], Currency: p.Amount.Currency}),
			Details:         map[string]any{"payment_id": p.ID, "amount": Money{Amount: net[invoiceID], Currency: p.Amount.Currency}.Decimal(), "on": on.String()},
		})
		if err != nil {
			return err
		}
	}
	return refreshBalances(ctx, db, touched)
}

// SetPaymentMethod fills in the method of a payment that was recorded as "other"
// because the gateway had not named the method yet, and notes it on the
// timeline. A method already known is never changed, so a redelivered event
// changes nothing.
func SetPaymentMethod(ctx context.Context, db DB, paymentID int64, method string, actor Actor, source string) error {
	var customerID int64
	var amount Money
	err := db.QueryRow(ctx, `
		UPDATE payments SET method = $2 WHERE id = $1 AND method = 'other'
		RETURNING customer_id, amount_minor, currency`, paymentID, method).Scan(&customerID, &amount.Amount, &amount.Currency)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("setting method of payment %d to %s: %w", paymentID, method, err)
	}
	return AppendEvent(ctx, db, Event{
		CustomerID: customerID, Kind: "payment.method_identified", Actor: actor.String(), Source: source,
		Summary: fmt.Sprintf("Payment of %s identified as paid by %s", amount, method),
		Details: map[string]any{"payment_id": paymentID, "method": method},
	})
}
