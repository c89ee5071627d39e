package billing

import (
	"context"
	"fmt"
	"strings"
)

// Terms are the payment terms of a customer, copied onto each invoice when issued.
type Terms struct {
	NetDays        int   // days from issue to due date
	DiscountRateBP int64 // early-payment discount in basis points (200 = 2%)
	DiscountDays   int   // the discount applies to payments within this many days of issue
}

// LateFeePolicy says what a customer owes for paying late.
type LateFeePolicy struct {
	Kind      string // "none", "flat" or "interest"
	FlatMinor int64  // flat fee in minor units, for Kind "flat"
	RateBP    int64  // monthly interest in basis points, for Kind "interest"
	GraceDays int    // days past due before any fee applies
}

// Customer is a buyer that owes the seller money.
type Customer struct {
	ID               int64
	ExternalID       *string
	Name             string
	Currency         string
	Terms            Terms
	CreditLimitMinor *int64
	LateFee          LateFeePolicy
	CreditHold       bool
	Tags             []string
}

// CreateCustomer inserts c and returns its id.
func CreateCustomer(ctx context.Context, db DB, c Customer) (int64, error) {
	if !ValidCurrency(c.Currency) {
		return 0, fmt.Errorf("invalid currency %q: use an ISO 4217 code such as USD", c.Currency)
	}
	if c.LateFee.Kind == "" {
		c.LateFee.Kind = "none"
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	var id int64
	err := db.QueryRow(ctx, `
		INSERT INTO customers (external_id, name, currency, terms_net_days, discount_rate_bp, discount_days,
			credit_limit_minor, late_fee_kind, late_fee_flat_minor, late_fee_rate_bp, late_fee_grace_days,
			credit_hold, tags)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		RETURNING id`,
		c.ExternalID, c.Name, c.Currency, c.Terms.NetDays, c.Terms.DiscountRateBP, c.Terms.DiscountDays,
		c.CreditLimitMinor, c.LateFee.Kind, c.LateFee.FlatMinor, c.LateFee.RateBP, c.LateFee.GraceDays,
		c.CreditHold, c.Tags).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("customer %v already exists: %w", c.ExternalID, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("inserting customer: %w", err)
	}
	return id, nil
}

// CustomerByID returns one customer.
func CustomerByID(ctx context.Context, db DB, id int64) (Customer, error) {
	var c Customer
	err := db.QueryRow(ctx, `
		SELECT id, external_id, name, currency, terms_net_days, discount_rate_bp, discount_days,
			credit_limit_minor, late_fee_kind, late_fee_flat_minor, late_fee_rate_bp, late_fee_grace_days,
			credit_hold, tags
		FROM customers WHERE id = $1`, id).Scan(
		&c.ID, &c.ExternalID, &c.Name, &c.Currency, &c.Terms.NetDays, &c.Terms.DiscountRateBP, &c.Terms.DiscountDays,
		&c.CreditLimitMinor, &c.LateFee.Kind, &c.LateFee.FlatMinor, &c.LateFee.RateBP, &c.LateFee.GraceDays,
		&c.CreditHold, &c.Tags)
	if err != nil {
		return Customer{}, notFound(err)
	}
	return c, nil
}

// Contact is a person at a customer who receives invoices, reminders or both.
type Contact struct {
	ID                int64
	CustomerID        int64
	Name              string
	Email             string
	Roles             []string
	ReceivesReminders bool
}

// AddContact inserts a contact for a customer.
func AddContact(ctx context.Context, db DB, ct Contact) (int64, error) {
	email := strings.TrimSpace(ct.Email)
	if !strings.Contains(email, "@") {
		return 0, fmt.Errorf("invalid email %q: expected an address such as ap@example.com", ct.Email)
	}
	if ct.Roles == nil {
		ct.Roles = []string{"billing"}
	}
	var id int64
	err := db.QueryRow(ctx, `
		INSERT INTO contacts (customer_id, name, email, roles, receives_reminders)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		ct.CustomerID, ct.Name, email, ct.Roles, ct.ReceivesReminders).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("contact %s already exists for this customer: %w", email, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("inserting contact: %w", err)
	}
	return id, nil
}

// AccountRef names a customer account that a portal contact may open.
type AccountRef struct {
	CustomerID int64
	Name       string
}

// AccountsForEmail returns the customers that have a contact with this e-mail
// address, by name. A contact of several customers picks one in the portal.
func AccountsForEmail(ctx context.Context, db DB, email string) ([]AccountRef, error) {
	rows, err := db.Query(ctx, `
		SELECT c.id, c.name FROM customers c JOIN contacts ct ON ct.customer_id = c.id
		WHERE lower(ct.email) = lower($1)
		ORDER BY c.name, c.id`, strings.TrimSpace(email))
	if err != nil {
		return nil, fmt.Errorf("querying accounts: %w", err)
	}
	defer rows.Close()

	var out []AccountRef
	for rows.Next() {
		var a AccountRef
		if err := rows.Scan(&a.CustomerID, &a.Name); err != nil {
			return nil, fmt.Errorf("scanning account: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
