package collect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ledgvero/ledgvero/billing"
)

// Tones of reminder steps, gentlest first.
const (
	ToneCourtesy = "courtesy"
	ToneFriendly = "friendly"
	ToneFirm     = "firm"
	ToneFinal    = "final"
)

// Channels of reminder steps.
const (
	ChannelEmail = "email" // an e-mail to the customer's billing contact
	ChannelTask  = "task"  // a staff task to call the customer, no e-mail
)

// Senders of a policy's e-mails.
const (
	SenderOrganization = "organization"
	SenderOwner        = "owner" // in the name of the customer's account owner
)

// Step is one step of a reminder policy.
type Step struct {
	ID         int64
	PolicyID   int64
	Segment    string
	Sender     string // SenderOrganization or SenderOwner, from the policy
	OffsetDays int    // days from the due date; negative is before it
	Tone       string
	Channel    string
	Template   string
	TemplateB  string // optional second wording for an A/B comparison
	CreateTask bool
	CreditHold bool
	LateFee    bool
}

// Policy is the reminder policy of one segment, its steps by offset.
type Policy struct {
	ID      int64
	Segment string
	Name    string
	Sender  string
	Steps   []Step
}

// LoadPolicies returns every policy with its steps, by segment.
func LoadPolicies(ctx context.Context, db billing.DB) ([]Policy, error) {
	steps, err := loadSteps(ctx, db)
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT id, segment, name, sender FROM reminder_policies ORDER BY segment`)
	if err != nil {
		return nil, fmt.Errorf("querying reminder policies: %w", err)
	}
	defer rows.Close()

	var out []Policy
	for rows.Next() {
		var p Policy
		if err := rows.Scan(&p.ID, &p.Segment, &p.Name, &p.Sender); err != nil {
			return nil, fmt.Errorf("scanning reminder policy: %w", err)
		}
		for _, s := range steps {
			if s.PolicyID == p.ID {
				p.Steps = append(p.Steps, s)
			}
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// loadSteps returns every step of every policy, by policy and offset.
func loadSteps(ctx context.Context, db billing.DB) ([]Step, error) {
	rows, err := db.Query(ctx, `
		SELECT s.id, s.policy_id, p.segment, p.sender, s.offset_days, s.tone, s.channel, s.template,
			coalesce(s.template_b, ''), s.create_task, s.credit_hold, s.late_fee
		FROM reminder_steps s JOIN reminder_policies p ON p.id = s.policy_id
		ORDER BY p.segment, s.offset_days`)
	if err != nil {
		return nil, fmt.Errorf("querying reminder steps: %w", err)
	}
	defer rows.Close()

	var out []Step
	for rows.Next() {
		var s Step
		if err := rows.Scan(&s.ID, &s.PolicyID, &s.Segment, &s.Sender, &s.OffsetDays, &s.Tone, &s.Channel,
			&s.Template, &s.TemplateB, &s.CreateTask, &s.CreditHold, &s.LateFee); err != nil {
			return nil, fmt.Errorf("scanning reminder step: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// validateStep checks a step's fields and that its templates exist, so a run
// never fails on a typo.
func validateStep(tmpl *Templates, s Step) billing.FieldErrors {
	errs := billing.FieldErrors{}
	switch s.Tone {
	case ToneCourtesy, ToneFriendly, ToneFirm, ToneFinal:
	default:
		errs["tone"] = "Choose courtesy, friendly, firm or final."
	}
	if s.Channel != ChannelEmail && s.Channel != ChannelTask {
		errs["channel"] = "Choose email or task."
	}
	if s.OffsetDays < -60 || s.OffsetDays > 365 {
		errs["offset_days"] = "Enter a number of days from -60 (before the due date) to 365."
	}
	if !tmpl.Has(s.Template) {
		errs["template"] = fmt.Sprintf("No template is named %q.", s.Template)
	}
	if s.TemplateB != "" && !tmpl.Has(s.TemplateB) {
		errs["template_b"] = fmt.Sprintf("No template is named %q; leave it empty for no A/B test.", s.TemplateB)
	}
	if s.TemplateB != "" && s.TemplateB == s.Template {
		errs["template_b"] = "Choose a different template for the second wording, or none."
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// sameDayStep is the field error for a second step on the same day of a policy.
var sameDayStep = billing.FieldErrors{"offset_days": "Another step of this policy already fires on that day; choose another day."}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// SaveStep updates the days, wording, channel and actions of an existing step.
func SaveStep(ctx context.Context, db billing.DB, tmpl *Templates, s Step) error {
	if errs := validateStep(tmpl, s); errs != nil {
		return errs
	}
	var templateB *string
	if s.TemplateB != "" {
		templateB = &s.TemplateB
	}
	tag, err := db.Exec(ctx, `
		UPDATE reminder_steps SET offset_days = $2, tone = $3, channel = $4, template = $5, template_b = $6,
			create_task = $7, credit_hold = $8, late_fee = $9
		WHERE id = $1`,
		s.ID, s.OffsetDays, s.Tone, s.Channel, s.Template, templateB, s.CreateTask, s.CreditHold, s.LateFee)
	if isUniqueViolation(err) {
		return sameDayStep
	}
	if err != nil {
		return fmt.Errorf("updating reminder step %d: %w", s.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("reminder step %d: %w", s.ID, billing.ErrNotFound)
	}
	return nil
}

// AddStep adds a step to the policy s.PolicyID and returns its id. Steps are
// never deleted, because the reminder log refers to them; change an unwanted
// step's days or channel instead.
func AddStep(ctx context.Context, db billing.DB, tmpl *Templates, s Step) (int64, error) {
	if errs := validateStep(tmpl, s); errs != nil {
		return 0, errs
	}
	var templateB *string
	if s.TemplateB != "" {
		templateB = &s.TemplateB
	}
	var id int64
	err := db.QueryRow(ctx, `
		INSERT INTO reminder_steps (policy_id, offset_days, tone, channel, template, template_b, create_task, credit_hold, late_fee)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		s.PolicyID, s.OffsetDays, s.Tone, s.Channel, s.Template, templateB, s.CreateTask, s.CreditHold, s.LateFee).Scan(&id)
	if isUniqueViolation(err) {
		return 0, sameDayStep
	}
	if err != nil {
		return 0, fmt.Errorf("adding a step to reminder policy %d: %w", s.PolicyID, err)
	}
	return id, nil
}

// SavePolicy renames a policy and sets whose name its e-mails go out in.
func SavePolicy(ctx context.Context, db billing.DB, id int64, name, sender string) error {
	errs := billing.FieldErrors{}
	if strings.TrimSpace(name) == "" {
		errs["name"] = "Enter a name for the policy."
	}
	if sender != SenderOrganization && sender != SenderOwner {
		errs["sender"] = "Choose organization or owner."
	}
	if len(errs) > 0 {
		return errs
	}
	tag, err := db.Exec(ctx, `UPDATE reminder_policies SET name = $2, sender = $3, updated_at = now() WHERE id = $1`,
		id, strings.TrimSpace(name), sender)
	if err != nil {
		return fmt.Errorf("updating reminder policy %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("reminder policy %d: %w", id, billing.ErrNotFound)
	}
	return nil
}

// SetCustomerSegment picks the reminder policy of a customer. A segment without a
// policy of its own uses the standard policy.
func SetCustomerSegment(ctx context.Context, db billing.DB, customerID int64, segment string) error {
	tag, err := db.Exec(ctx, `UPDATE customers SET reminder_segment = $2, updated_at = now() WHERE id = $1`, customerID, segment)
	if err != nil {
		return fmt.Errorf("setting reminder segment of customer %d: %w", customerID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("customer %d: %w", customerID, billing.ErrNotFound)
	}
	return nil
}
