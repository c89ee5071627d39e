package billing

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// CustomerFilter narrows the back-office customer list. Zero fields do not filter.
type CustomerFilter struct {
	Query           string // part of the name or external id, case-insensitive
	RiskBand        string // low, medium or high
	ValueTier       string // low, medium or high
	OwnerID         int64  // -1: customers with no owner
	Status          string // "overdue", "current" (open, nothing overdue), "credit_hold" or "settled" (nothing open)
	MinOverdueMinor int64
	Sort            string // "name" (default) or "overdue"
	Page            int    // 1-based
	PageSize        int    // zero means 50
}

// CustomerRow is one line of the customer list. Balances come from the last
// segment computation (see RecomputeSegments), so the list stays fast.
type CustomerRow struct {
	ID           int64
	ExternalID   string
	Name         string
	Currency     string
	OwnerEmail   string
	CreditHold   bool
	OpenMinor    int64
	OverdueMinor int64
	RiskScore    *int
	Segment      string
}

// ListCustomers returns one page of customers matching f and whether more follow.
func ListCustomers(ctx context.Context, db DB, f CustomerFilter) ([]CustomerRow, bool, error) {
	if f.PageSize <= 0 || f.PageSize > 200 {
		f.PageSize = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	order, join := "lower(c.name), c.id", "LEFT JOIN"
	if f.Sort == "overdue" {
		// Driving from customer_segments lets its (overdue_minor DESC, customer_id)
		// index return the first page without sorting every customer.
		// NOTE: customers created since the last segment computation have no row
		// yet, so this order leaves them out until the nightly job runs.
		order, join = "s.overdue_minor DESC, s.customer_id", "JOIN"
	}
	// The WHERE clause holds only the filters in use: a fixed query with
	// "$1 = '' OR ..." guards gets a generic plan from PostgreSQL after a few runs,
	// and that plan cannot skip the unused filters.
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg("%" + likeEscaper.Replace(strings.ToLower(q)) + "%")
		where = append(where, "(lower(c.name) LIKE "+p+" OR lower(c.external_id) LIKE "+p+")")
	}
	if f.RiskBand != "" {
		where = append(where, "s.risk_band = "+arg(f.RiskBand))
	}
	if f.ValueTier != "" {
		where = append(where, "s.value_tier = "+arg(f.ValueTier))
	}
	switch {
	case f.OwnerID == -1:
		where = append(where, "c.owner_id IS NULL")
	case f.OwnerID > 0:
		where = append(where, "c.owner_id = "+arg(f.OwnerID))
	}
	switch f.Status {
	case "overdue":
		where = append(where, "s.overdue_minor > 0")
	case "current":
		where = append(where, "s.open_minor > 0 AND s.overdue_minor = 0")
	case "credit_hold":
		where = append(where, "c.credit_hold")
	case "settled":
		where = append(where, "coalesce(s.open_minor, 0) = 0")
	}
	if f.MinOverdueMinor > 0 {
		where = append(where, "s.overdue_minor >= "+arg(f.MinOverdueMinor))
	}
	sql := `
		SELECT c.id, coalesce(c.external_id, ''), c.name, c.currency, coalesce(u.email, ''), c.credit_hold,
			coalesce(s.open_minor, 0), coalesce(s.overdue_minor, 0), s.risk_score,
			coalesce(c.segment_override, s.risk_band || '-risk/' || s.value_tier || '-value', '')
		FROM customers c
		` + join + ` customer_segments s ON s.customer_id = c.id
		LEFT JOIN staff_users u ON u.id = c.owner_id`
	if len(where) > 0 {
		sql += "\n\t\tWHERE " + strings.Join(where, " AND ")
	}
	sql += "\n\t\tORDER BY " + order + " LIMIT " + arg(f.PageSize+1) + " OFFSET " + arg((f.Page-1)*f.PageSize)
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, false, fmt.Errorf("querying customers: %w", err)
	}
	defer rows.Close()

	var out []CustomerRow
	for rows.Next() {
		var r CustomerRow
		if err := rows.Scan(&r.ID, &r.ExternalID, &r.Name, &r.Currency, &r.OwnerEmail, &r.CreditHold,
			&r.OpenMinor, &r.OverdueMinor, &r.RiskScore, &r.Segment); err != nil {
			return nil, false, fmt.Errorf("scanning customer: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("reading customers: %w", err)
	}
	more := len(out) > f.PageSize
	if more {
		out = out[:f.PageSize]
	}
	return out, more, nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// CustomerAccount is a customer with its owner and current balances, for the customer page.
type CustomerAccount struct {
	Customer
	OwnerID         *int64
	OwnerEmail      string
	Open            Money // open balance now
	Overdue         Money // part of Open past due today
	CreditUsePct    *int  // Open as a share of the credit limit; nil without a limit
	SegmentOverride string
	OverrideReason  string
}

// LoadCustomerAccount returns a customer with its owner and current balances.
func LoadCustomerAccount(ctx context.Context, db DB, id int64, today Date) (CustomerAccount, error) {
	c, err := CustomerByID(ctx, db, id)
	if err != nil {
		return CustomerAccount{}, err
	}
	a := CustomerAccount{Customer: c, Open: Money{Currency: c.Currency}, Overdue: Money{Currency: c.Currency}}
	var override *string
	err = db.QueryRow(ctx, `
		SELECT c.owner_id, coalesce(u.email, ''), c.segment_override, c.segment_override_reason,
			coalesce((SELECT sum(open_minor) FROM invoices WHERE customer_id = c.id AND open_minor <> 0 AND voided_at IS NULL), 0),
			coalesce((SELECT sum(open_minor) FROM invoices WHERE customer_id = c.id AND open_minor <> 0 AND voided_at IS NULL AND due_date < $2), 0)
		FROM customers c LEFT JOIN staff_users u ON u.id = c.owner_id WHERE c.id = $1`, id, today).
		Scan(&a.OwnerID, &a.OwnerEmail, &override, &a.OverrideReason, &a.Open.Amount, &a.Overdue.Amount)
	if err != nil {
		return CustomerAccount{}, fmt.Errorf("loading customer account: %w", notFound(err))
	}
	if override != nil {
		a.SegmentOverride = *override
	}
	if c.CreditLimitMinor != nil && *c.CreditLimitMinor > 0 {
		pct := int(divRoundHalfAway(a.Open.Amount*100, *c.CreditLimitMinor))
		a.CreditUsePct = &pct
	}
	return a, nil
}

// CustomerInvoice is one invoice on the customer page.
type CustomerInvoice struct {
	ID        int64
	Number    string
	IssueDate Date
	DueDate   Date
	Total     Money
	Open      Money
	Voided    bool
}

// CustomerInvoices returns a customer's newest limit invoices.
func CustomerInvoices(ctx context.Context, db DB, customerID int64, limit int) ([]CustomerInvoice, error) {
	rows, err := db.Query(ctx, `
		SELECT id, number, issue_date, due_date, currency, total_minor, open_minor, voided_at IS NOT NULL
		FROM invoices WHERE customer_id = $1 ORDER BY issue_date DESC, id DESC LIMIT $2`, customerID, limit)
	if err != nil {
		return nil, fmt.Errorf("querying customer invoices: %w", err)
	}
	defer rows.Close()

	var out []CustomerInvoice
	for rows.Next() {
		var i CustomerInvoice
		if err := rows.Scan(&i.ID, &i.Number, &i.IssueDate, &i.DueDate, &i.Total.Currency, &i.Total.Amount, &i.Open.Amount, &i.Voided); err != nil {
			return nil, fmt.Errorf("scanning customer invoice: %w", err)
		}
		i.Open.Currency = i.Total.Currency
		out = append(out, i)
	}
	return out, rows.Err()
}

// CustomerPayment is one payment on the customer page.
type CustomerPayment struct {
	ID         int64
	ReceivedOn Date
	Method     string
	Status     string
	Amount     Money
	Reference  string
}

// CustomerPayments returns a customer's newest limit payments.
func CustomerPayments(ctx context.Context, db DB, customerID int64, limit int) ([]CustomerPayment, error) {
	rows, err := db.Query(ctx, `
		SELECT id, received_on, method, status, currency, amount_minor, reference
		FROM payments WHERE customer_id = $1 ORDER BY received_on DESC, id DESC LIMIT $2`, customerID, limit)
	if err != nil {
		return nil, fmt.Errorf("querying customer payments: %w", err)
	}
	defer rows.Close()

	var out []CustomerPayment
	for rows.Next() {
		var p CustomerPayment
		if err := rows.Scan(&p.ID, &p.ReceivedOn, &p.Method, &p.Status, &p.Amount.Currency, &p.Amount.Amount, &p.Reference); err != nil {
			return nil, fmt.Errorf("scanning customer payment: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CustomerContacts returns a customer's contacts by name.
func CustomerContacts(ctx context.Context, db DB, customerID int64) ([]Contact, error) {
	rows, err := db.Query(ctx, `
		SELECT id, customer_id, name, email, roles, receives_reminders FROM contacts
		WHERE customer_id = $1 ORDER BY lower(name), id`, customerID)
	if err != nil {
		return nil, fmt.Errorf("querying contacts: %w", err)
	}
	defer rows.Close()

	var out []Contact
	for rows.Next() {
		var ct Contact
		if err := rows.Scan(&ct.ID, &ct.CustomerID, &ct.Name, &ct.Email, &ct.Roles, &ct.ReceivesReminders); err != nil {
			return nil, fmt.Errorf("scanning contact: %w", err)
		}
		out = append(out, ct)
	}
	return out, rows.Err()
}

// CustomerSettings are the fields staff change on a customer. Each change is
// recorded with the reason given.
type CustomerSettings struct {
	Terms            Terms
	CreditLimitMinor *int64
	LateFee          LateFeePolicy
	CreditHold       bool
	OwnerID          *int64
	SegmentOverride  string // empty clears the override
	Reason           string
}

var segmentPattern = regexp.MustCompile(`^(low|medium|high)-risk/(low|medium|high)-value$`)

// Validate returns every problem with s, each keyed by its form field.
func (s CustomerSettings) Validate() FieldErrors {
	errs := ValidateTerms(s.Terms)
	for k, v := range ValidateLateFee(s.LateFee) {
		errs[k] = v
	}
	if s.CreditLimitMinor != nil && *s.CreditLimitMinor < 0 {
		errs["credit_limit"] = "The credit limit cannot be negative; leave it empty for no limit."
	}
	if s.SegmentOverride != "" && !segmentPattern.MatchString(s.SegmentOverride) {
		errs["segment_override"] = "Pick a segment such as medium-risk/high-value, or none."
	}
	if strings.TrimSpace(s.Reason) == "" {
		errs["reason"] = "Give a reason for the change; it goes on the customer's timeline."
	}
	return errs
}

// UpdateCustomerSettings stores s on customer id and records what changed, with
// the reason, on the timeline and audit log. Run it in a transaction.
func UpdateCustomerSettings(ctx context.Context, db DB, u StaffUser, id int64, s CustomerSettings, today Date) error {
	if errs := s.Validate(); len(errs) > 0 {
		return errs
	}
	before, err := LoadCustomerAccount(ctx, db, id, today)
	if err != nil {
		return err
	}
	var override *string
	if s.SegmentOverride != "" {
		override = &s.SegmentOverride
	}
	_, err = db.Exec(ctx, `
		UPDATE customers SET terms_net_days = $2, discount_rate_bp = $3, discount_days = $4, credit_limit_minor = $5,
			late_fee_kind = $6, late_fee_flat_minor = $7, late_fee_rate_bp = $8, late_fee_grace_days = $9,
			credit_hold = $10, owner_id = $11, segment_override = $12,
			segment_override_reason = CASE WHEN $12::text IS NULL THEN '' ELSE $13 END, updated_at = now()
		WHERE id = $1`,
		id, s.Terms.NetDays, s.Terms.DiscountRateBP, s.Terms.DiscountDays, s.CreditLimitMinor,
		s.LateFee.Kind, s.LateFee.FlatMinor, s.LateFee.RateBP, s.LateFee.GraceDays,
		s.CreditHold, s.OwnerID, override, strings.TrimSpace(s.Reason))
	if err != nil {
		return fmt.Errorf("updating customer: %w", err)
	}

	changes := customerChanges(before, s)
	if len(changes) == 0 {
		return nil
	}
	return RecordStaffAction(ctx, db, StaffAction{
		Staff: u, Action: "customer.updated", CustomerID: id,
		Summary: "Changed " + strings.Join(changes, ", ") + ": " + strings.TrimSpace(s.Reason),
		Details: map[string]any{"changes": changes, "reason": strings.TrimSpace(s.Reason),
			"net_days": s.Terms.NetDays, "discount_rate_bp": s.Terms.DiscountRateBP, "discount_days": s.Terms.DiscountDays,
			"credit_limit_minor": s.CreditLimitMinor, "late_fee_kind": s.LateFee.Kind, "credit_hold": s.CreditHold,
			"owner_id": s.OwnerID, "segment_override": s.SegmentOverride},
	})
}

func customerChanges(b CustomerAccount, s CustomerSettings) []string {
	var out []string
	if b.Terms != s.Terms {
		out = append(out, "terms")
	}
	if !sameInt64(b.CreditLimitMinor, s.CreditLimitMinor) {
		out = append(out, "credit limit")
	}
	if b.LateFee != s.LateFee {
		out = append(out, "late-fee policy")
	}
	if b.CreditHold != s.CreditHold {
		if s.CreditHold {
			out = append(out, "credit hold on")
		} else {
			out = append(out, "credit hold off")
		}
	}
	if !sameInt64(b.OwnerID, s.OwnerID) {
		out = append(out, "owner")
	}
	if b.SegmentOverride != s.SegmentOverride {
		out = append(out, "segment override")
	}
	return out
}

func sameInt64(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// SaveContact adds a contact (ct.ID zero) or updates one of the customer's
// contacts, and records it.
func SaveContact(ctx context.Context, db DB, u StaffUser, ct Contact) error {
	ct.Email = strings.TrimSpace(ct.Email)
	if !strings.Contains(ct.Email, "@") {
		return FieldErrors{"email": "Enter an e-mail address such as ap@example.com."}
	}
	if ct.ID == 0 {
		if _, err := AddContact(ctx, db, ct); err != nil {
			return err
		}
		return RecordStaffAction(ctx, db, StaffAction{Staff: u, Action: "contact.added", CustomerID: ct.CustomerID,
			Summary: "Added contact " + ct.Email, Details: map[string]any{"email": ct.Email, "reminders": ct.ReceivesReminders}})
	}
	tag, err := db.Exec(ctx, `
		UPDATE contacts SET name = $3, email = $4, receives_reminders = $5 WHERE id = $1 AND customer_id = $2`,
		ct.ID, ct.CustomerID, strings.TrimSpace(ct.Name), ct.Email, ct.ReceivesReminders)
	if isUniqueViolation(err) {
		return FieldErrors{"email": "Another contact of this customer has that address."}
	}
	if err != nil {
		return fmt.Errorf("updating contact: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return RecordStaffAction(ctx, db, StaffAction{Staff: u, Action: "contact.updated", CustomerID: ct.CustomerID,
		Summary: "Updated contact " + ct.Email, Details: map[string]any{"contact_id": ct.ID, "email": ct.Email, "reminders": ct.ReceivesReminders}})
}

// CustomerPromiseRow is one promise to pay on the customer page.
type CustomerPromiseRow struct {
	ID            int64
	InvoiceNumber string
	Amount        Money
	Date          Date
	Status        string
	Source        string
	Actor         string
}

// CustomerPromises returns a customer's newest limit promises to pay.
func CustomerPromises(ctx context.Context, db DB, customerID int64, limit int) ([]CustomerPromiseRow, error) {
	rows, err := db.Query(ctx, `
		SELECT p.id, i.number, p.currency, p.amount_minor, p.promised_on, p.status, p.source, p.actor
		FROM promises p JOIN invoices i ON i.id = p.invoice_id
		WHERE p.customer_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT $2`, customerID, limit)
	if err != nil {
		return nil, fmt.Errorf("querying promises: %w", err)
	}
	defer rows.Close()

	var out []CustomerPromiseRow
	for rows.Next() {
		var p CustomerPromiseRow
		if err := rows.Scan(&p.ID, &p.InvoiceNumber, &p.Amount.Currency, &p.Amount.Amount, &p.Date, &p.Status, &p.Source, &p.Actor); err != nil {
			return nil, fmt.Errorf("scanning promise: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CustomerDisputeRow is one dispute on the customer page.
type CustomerDisputeRow struct {
	ID            int64
	InvoiceNumber string
	Reason        string
	Status        string
	OpenedAt      time.Time
}

// CustomerDisputes returns a customer's newest limit disputes.
func CustomerDisputes(ctx context.Context, db DB, customerID int64, limit int) ([]CustomerDisputeRow, error) {
	rows, err := db.Query(ctx, `
		SELECT d.id, i.number, d.reason, d.status, d.opened_at
		FROM disputes d JOIN invoices i ON i.id = d.invoice_id
		WHERE d.customer_id = $1 ORDER BY d.opened_at DESC, d.id DESC LIMIT $2`, customerID, limit)
	if err != nil {
		return nil, fmt.Errorf("querying disputes: %w", err)
	}
	defer rows.Close()

	var out []CustomerDisputeRow
	for rows.Next() {
		var d CustomerDisputeRow
		if err := rows.Scan(&d.ID, &d.InvoiceNumber, &d.Reason, &d.Status, &d.OpenedAt); err != nil {
			return nil, fmt.Errorf("scanning dispute: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
