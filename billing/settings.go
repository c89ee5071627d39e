package billing

import (
	"context"
	"fmt"
	"strings"
)

// Organization is the seller's own details, shown on statements and e-mails.
type Organization struct {
	Name        string
	Address     string
	RemitTo     string
	BankDetails string // wire instructions shown to debtors
	Timezone    string // IANA zone name
	Currency    string // ISO 4217 code
}

// LoadOrganization returns the organization row, or ErrNotFound before setup.
func LoadOrganization(ctx context.Context, db DB) (Organization, error) {
	var o Organization
	err := db.QueryRow(ctx, `
		SELECT name, address, remit_to, bank_details, timezone, currency FROM organization`).
		Scan(&o.Name, &o.Address, &o.RemitTo, &o.BankDetails, &o.Timezone, &o.Currency)
	if err != nil {
		return Organization{}, notFound(err)
	}
	return o, nil
}

// ValidateOrganization returns every problem with o, each naming its field.
func ValidateOrganization(o Organization) FieldErrors {
	errs := FieldErrors{}
	if strings.TrimSpace(o.Name) == "" {
		errs["name"] = "Enter the organization's name."
	}
	if !ValidCurrency(o.Currency) {
		errs["currency"] = fmt.Sprintf("Unknown currency %q: use an ISO 4217 code such as USD.", o.Currency)
	}
	if !validTimezone(o.Timezone) {
		errs["timezone"] = fmt.Sprintf("Unknown time zone %q: use an IANA name such as America/Chicago.", o.Timezone)
	}
	return errs
}

// SaveOrganization validates and stores o, creating the row on first use.
func SaveOrganization(ctx context.Context, db DB, o Organization) error {
	if errs := ValidateOrganization(o); len(errs) > 0 {
		return errs
	}
	_, err := db.Exec(ctx, `
		INSERT INTO organization (name, address, remit_to, bank_details, timezone, currency)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET name = $1, address = $2, remit_to = $3, bank_details = $4,
			timezone = $5, currency = $6, updated_at = now()`,
		strings.TrimSpace(o.Name), o.Address, o.RemitTo, o.BankDetails, o.Timezone, strings.ToUpper(o.Currency))
	if err != nil {
		return fmt.Errorf("saving organization: %w", err)
	}
	return nil
}

// CollectionSettings are the policies admins set for collections.
type CollectionSettings struct {
	// CollectorLimitMinor caps the plans and disputes (by amount) a collector may
	// approve or resolve; larger ones need an admin. Plan auto-approval rules are
	// in PortalSettings.
	CollectorLimitMinor int64

	// Defaults for new customers.
	DefaultDiscount Terms // NetDays is unused here
	DefaultLateFee  LateFeePolicy
}

// LoadCollectionSettings returns the collection settings.
func LoadCollectionSettings(ctx context.Context, db DB) (CollectionSettings, error) {
	var s CollectionSettings
	err := db.QueryRow(ctx, `
		SELECT collector_limit_minor, default_discount_rate_bp, default_discount_days, default_late_fee_kind,
			default_late_fee_flat_minor, default_late_fee_rate_bp, default_late_fee_grace_days
		FROM collection_settings`).Scan(
		&s.CollectorLimitMinor, &s.DefaultDiscount.DiscountRateBP, &s.DefaultDiscount.DiscountDays, &s.DefaultLateFee.Kind,
		&s.DefaultLateFee.FlatMinor, &s.DefaultLateFee.RateBP, &s.DefaultLateFee.GraceDays)
	if err != nil {
		return CollectionSettings{}, fmt.Errorf("loading collection settings: %w", notFound(err))
	}
	return s, nil
}

// Validate returns every problem with s, each naming its form field.
func (s CollectionSettings) Validate() FieldErrors {
	errs := FieldErrors{}
	if s.CollectorLimitMinor < 0 {
		errs["collector_limit"] = "The collector limit cannot be negative."
	}
	if s.DefaultDiscount.DiscountRateBP < 0 || s.DefaultDiscount.DiscountRateBP > 10000 {
		errs["default_discount_rate"] = "Use a discount from 0% to 100%."
	}
	if s.DefaultDiscount.DiscountDays < 0 {
		errs["default_discount_days"] = "The discount window cannot be negative."
	}
	for field, msg := range ValidateLateFee(s.DefaultLateFee) {
		errs["default_"+field] = msg
	}
	return errs
}

// SaveCollectionSettings validates and stores s.
func SaveCollectionSettings(ctx context.Context, db DB, s CollectionSettings) error {
	if errs := s.Validate(); len(errs) > 0 {
		return errs
	}
	_, err := db.Exec(ctx, `
		UPDATE collection_settings SET collector_limit_minor = $1,
			default_discount_rate_bp = $2, default_discount_days = $3, default_late_fee_kind = $4,
			default_late_fee_flat_minor = $5, default_late_fee_rate_bp = $6, default_late_fee_grace_days = $7,
			updated_at = now()`,
		s.CollectorLimitMinor, s.DefaultDiscount.DiscountRateBP, s.DefaultDiscount.DiscountDays, s.DefaultLateFee.Kind,
		s.DefaultLateFee.FlatMinor, s.DefaultLateFee.RateBP, s.DefaultLateFee.GraceDays)
	if err != nil {
		return fmt.Errorf("saving collection settings: %w", err)
	}
	return nil
}

// ValidateLateFee returns every problem with a late-fee policy, keyed by form field.
func ValidateLateFee(p LateFeePolicy) FieldErrors {
	errs := FieldErrors{}
	switch p.Kind {
	case "none", "flat", "interest":
	default:
		errs["late_fee_kind"] = fmt.Sprintf("Unknown late-fee kind %q: use none, flat or interest.", p.Kind)
	}
	if p.FlatMinor < 0 {
		errs["late_fee_flat"] = "The flat fee cannot be negative."
	}
	if p.RateBP < 0 || p.RateBP > 10000 {
		errs["late_fee_rate"] = "Use a monthly rate from 0% to 100%."
	}
	if p.GraceDays < 0 || p.GraceDays > 365 {
		errs["late_fee_grace_days"] = "Use 0 to 365 grace days."
	}
	return errs
}

// TermsTemplate is a named set of payment terms staff pick from.
type TermsTemplate struct {
	ID   int64
	Name string
	Terms
}

// DiscountPercent returns the early-payment discount rate as a percentage,
// such as "1.5%", or "" without a discount.
func (t TermsTemplate) DiscountPercent() string {
	if t.DiscountRateBP <= 0 {
		return ""
	}
	return FormatPercent(t.DiscountRateBP)
}

// ListTermsTemplates returns the terms templates by name.
func ListTermsTemplates(ctx context.Context, db DB) ([]TermsTemplate, error) {
	rows, err := db.Query(ctx, `SELECT id, name, net_days, discount_rate_bp, discount_days FROM terms_templates ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("querying terms templates: %w", err)
	}
	defer rows.Close()

	var out []TermsTemplate
	for rows.Next() {
		var t TermsTemplate
		if err := rows.Scan(&t.ID, &t.Name, &t.NetDays, &t.DiscountRateBP, &t.DiscountDays); err != nil {
			return nil, fmt.Errorf("scanning terms template: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ValidateTerms returns every problem with payment terms, keyed by form field.
func ValidateTerms(t Terms) FieldErrors {
	errs := FieldErrors{}
	if t.NetDays < 0 || t.NetDays > 365 {
		errs["net_days"] = "Use 0 to 365 net days."
	}
	if t.DiscountRateBP < 0 || t.DiscountRateBP > 10000 {
		errs["discount_rate"] = "Use a discount from 0% to 100%."
	}
	if t.DiscountDays < 0 || (t.DiscountRateBP > 0 && t.DiscountDays > t.NetDays) {
		errs["discount_days"] = "The discount window must be between 0 and the net days."
	}
	return errs
}

// SaveTermsTemplate inserts a terms template, or replaces the one with the same name.
func SaveTermsTemplate(ctx context.Context, db DB, t TermsTemplate) error {
	errs := ValidateTerms(t.Terms)
	if strings.TrimSpace(t.Name) == "" {
		errs["name"] = "Enter a name for the terms, such as Net 45."
	}
	if len(errs) > 0 {
		return errs
	}
	_, err := db.Exec(ctx, `
		INSERT INTO terms_templates (name, net_days, discount_rate_bp, discount_days) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET net_days = $2, discount_rate_bp = $3, discount_days = $4`,
		strings.TrimSpace(t.Name), t.NetDays, t.DiscountRateBP, t.DiscountDays)
	if err != nil {
		return fmt.Errorf("saving terms template: %w", err)
	}
	return nil
}

// DeleteTermsTemplate removes a terms template. Customers keep the terms they have.
func DeleteTermsTemplate(ctx context.Context, db DB, id int64) error {
	tag, err := db.Exec(ctx, `DELETE FROM terms_templates WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("deleting terms template: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// ValidatePortalSettings returns every problem with the portal limits, each keyed
// by its form field, before SavePortalSettings stores them.
func ValidatePortalSettings(s PortalSettings) FieldErrors {
	errs := FieldErrors{}
	check := func(field string, v, lo, hi int, msg string) {
		if v < lo || v > hi {
			errs[field] = msg
		}
	}
	if s.PlanAutoMaxTotalMinor < 0 {
		errs["plan_auto_max_total"] = "The plan total cannot be negative; use 0 to turn auto-approval off."
	}
	check("plan_auto_max_installments", s.PlanAutoMaxInstallment, 0, 120, "Use 0 to 120 installments.")
	check("plan_auto_max_months", s.PlanAutoMaxMonths, 0, 120, "Use 0 to 120 months.")
	check("plan_max_installments", s.PlanMaxInstallments, 1, 120, "Use 1 to 120 installments.")
	check("plan_max_first_days", s.PlanMaxFirstDays, 0, 365, "Use 0 to 365 days.")
	check("plan_grace_days", s.PlanGraceDays, 0, 90, "Use 0 to 90 grace days.")
	check("promise_max_days", s.PromiseMaxDays, 0, 365, "Use 0 to 365 days.")
	check("promise_grace_days", s.PromiseGraceDays, 0, 90, "Use 0 to 90 grace days.")
	if s.PlanAutoMaxInstallment > s.PlanMaxInstallments {
		errs["plan_auto_max_installments"] = "Auto-approve at most the largest number of installments a debtor may pick."
	}
	return errs
}
