package billing

import (
	"context"
	"fmt"
)

// PortalSettings are the limits of what a debtor may do alone in the portal.
type PortalSettings struct {
	PlanAutoMaxTotalMinor  int64 // a plan over this total, in the organization's minor units, waits for staff
	PlanAutoMaxInstallment int   // a plan with more installments waits for staff
	PlanAutoMaxMonths      int   // a plan whose last installment is later than this many months waits for staff
	PlanMaxInstallments    int   // no plan may have more installments
	PlanMaxFirstDays       int   // the first installment is at most this many days away
	PlanGraceDays          int   // days after a missed installment before the plan defaults
	PromiseMaxDays         int   // a promised date is at most this many days away
	PromiseGraceDays       int   // a promise pauses reminders until its date plus these days
}

// LoadPortalSettings returns the portal limits.
func LoadPortalSettings(ctx context.Context, db DB) (PortalSettings, error) {
	var s PortalSettings
	err := db.QueryRow(ctx, `
		SELECT plan_auto_max_total_minor, plan_auto_max_installments, plan_auto_max_months, plan_max_installments,
			plan_max_first_days, plan_grace_days, promise_max_days, promise_grace_days
		FROM portal_settings`).Scan(
		&s.PlanAutoMaxTotalMinor, &s.PlanAutoMaxInstallment, &s.PlanAutoMaxMonths, &s.PlanMaxInstallments,
		&s.PlanMaxFirstDays, &s.PlanGraceDays, &s.PromiseMaxDays, &s.PromiseGraceDays)
	if err != nil {
		return PortalSettings{}, fmt.Errorf("loading portal settings: %w", notFound(err))
	}
	return s, nil
}

// SavePortalSettings stores the portal limits.
func SavePortalSettings(ctx context.Context, db DB, s PortalSettings) error {
	_, err := db.Exec(ctx, `
		UPDATE portal_settings SET plan_auto_max_total_minor = $1, plan_auto_max_installments = $2,
			plan_auto_max_months = $3, plan_max_installments = $4, plan_max_first_days = $5, plan_grace_days = $6,
			promise_max_days = $7, promise_grace_days = $8, updated_at = now()`,
		s.PlanAutoMaxTotalMinor, s.PlanAutoMaxInstallment, s.PlanAutoMaxMonths, s.PlanMaxInstallments,
		s.PlanMaxFirstDays, s.PlanGraceDays, s.PromiseMaxDays, s.PromiseGraceDays)
	if err != nil {
		return fmt.Errorf("saving portal settings: %w", err)
	}
	return nil
}

// DebtorInvoice returns one of the customer's invoices that is not void, with its
// open balance as of asOf (zero once settled). Another customer's invoice wraps
// ErrNotFound exactly like a missing one, so ids cannot be probed.
func DebtorInvoice(ctx context.Context, db DB, customerID, invoiceID int64, asOf Date) (StatementLine, error) {
	var l StatementLine
	err := db.QueryRow(ctx, `
		SELECT id, customer_id, number, po_number, issue_date, due_date, currency, total_minor,
			discount_rate_bp, discount_until
		FROM invoices WHERE id = $1 AND customer_id = $2 AND voided_at IS NULL`, invoiceID, customerID).Scan(
		&l.ID, &l.CustomerID, &l.Number, &l.PONumber, &l.IssueDate, &l.DueDate,
		&l.Total.Currency, &l.Total.Amount, &l.DiscountRateBP, &l.DiscountUntil)
	if err != nil {
		return StatementLine{}, fmt.Errorf("loading invoice %d: %w", invoiceID, notFound(err))
	}
	l.Open = Money{Currency: l.Total.Currency}

	open, err := OpenInvoices(ctx, db, customerID, asOf)
	if err != nil {
		return StatementLine{}, err
	}
	for _, o := range open {
		if o.ID == invoiceID {
			return o, nil
		}
	}
	return l, nil
}
