package backoffice

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

// reminderSettingsURL is the page of reminder policies and templates.
const reminderSettingsURL = "/backoffice/settings/reminders"

// reminderSettingsPage lists every policy with its steps, the editable
// templates, and a preview of one template for one customer.
type reminderSettingsPage struct {
	page
	Policies  []policyView
	Templates []collect.TemplateSource
	Names     []string // every template a step may use
	Tones     []string
	Customers []customerOption // customers with open invoices, for the preview

	PreviewCustomer int64
	PreviewTemplate string
	Preview         *collect.PreviewEmail
	PreviewHTMLURL  string
	PreviewError    string
}

// policyView is one policy with its steps in words.
type policyView struct {
	collect.Policy
	Steps   []stepView
	NewStep stepView // the defaults of the form that adds a step
}

// stepView is one step with its timing in words and what its edit form needs.
type stepView struct {
	collect.Step
	When    string // "3 days before the due date"
	Actions string // "staff task, credit hold"
	Key     string // unique part of the form's element ids
	CSRF    string
	Tones   []string
	Names   []string
}

// customerOption is one customer in the preview picker.
type customerOption struct {
	ID   int64
	Name string
}

// stepWhen describes a step's offset from the due date.
func stepWhen(days int) string {
	switch {
	case days == 0:
		return "on the due date"
	case days == -1:
		return "1 day before the due date"
	case days < 0:
		return fmt.Sprintf("%d days before the due date", -days)
	case days == 1:
		return "1 day after the due date"
	}
	return fmt.Sprintf("%d days after the due date", days)
}

func (h *Handler) loadReminderSettings(c echo.Context) (reminderSettingsPage, error) {
	ctx := c.Request().Context()
	p := reminderSettingsPage{page: h.page(c, "Reminder policies and templates"),
		Tones: []string{collect.ToneCourtesy, collect.ToneFriendly, collect.ToneFirm, collect.ToneFinal}}

	// The editable templates are exactly the ones a step may use.
	var err error
	if p.Templates, err = collect.TemplateSources(ctx, h.Pool); err != nil {
		return p, err
	}
	for _, t := range p.Templates {
		p.Names = append(p.Names, t.Name)
	}

	policies, err := collect.LoadPolicies(ctx, h.Pool)
	if err != nil {
		return p, err
	}
	for _, pol := range policies {
		newStep := collect.Step{Tone: collect.ToneFriendly, Channel: collect.ChannelEmail, Template: collect.ToneFriendly}
		v := policyView{Policy: pol, NewStep: p.stepForm(newStep, "new-"+strconv.FormatInt(pol.ID, 10))}
		for _, s := range pol.Steps {
			v.Steps = append(v.Steps, p.stepForm(s, strconv.FormatInt(s.ID, 10)))
		}
		p.Policies = append(p.Policies, v)
	}

	rows, err := h.Pool.Query(ctx, `
		SELECT c.id, c.name FROM customers c
		WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.customer_id = c.id AND i.open_minor > 0 AND i.voided_at IS NULL)
		ORDER BY c.name, c.id LIMIT 500`)
	if err != nil {
		return p, fmt.Errorf("listing customers for the preview: %w", err)
	}
	p.Customers, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (customerOption, error) {
		var o customerOption
		return o, r.Scan(&o.ID, &o.Name)
	})
	if err != nil {
		return p, fmt.Errorf("listing customers for the preview: %w", err)
	}
	return p, nil
}

// stepForm returns step s with what its edit form needs; key makes the form's
// element ids unique.
func (p reminderSettingsPage) stepForm(s collect.Step, key string) stepView {
	var actions []string
	if s.CreateTask {
		actions = append(actions, "staff task")
	}
	if s.CreditHold {
		actions = append(actions, "credit hold")
	}
	if s.LateFee {
		actions = append(actions, "late fee")
	}
	return stepView{Step: s, When: stepWhen(s.OffsetDays), Actions: strings.Join(actions, ", "), Key: key,
		CSRF: p.CSRF, Tones: p.Tones, Names: p.Names}
}

// reminderSettings shows the policies and templates, and a preview when the
// query names a customer and a template.
func (h *Handler) reminderSettings(c echo.Context) error {
	p, err := h.loadReminderSettings(c)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if c.QueryParam("customer") != "" || c.QueryParam("template") != "" {
		p.PreviewTemplate = c.QueryParam("template")
		id, err := strconv.ParseInt(c.QueryParam("customer"), 10, 64)
		if err != nil || id <= 0 {
			p.PreviewError = "Choose a customer to preview the e-mail for."
			status = http.StatusUnprocessableEntity
		} else {
			p.PreviewCustomer = id
			preview, err := h.Reminders.Preview(c.Request().Context(), id, p.PreviewTemplate, h.today())
			var fe billing.FieldErrors
			switch {
			case errors.As(err, &fe):
				p.PreviewError = strings.Join(fieldMessages(fe), " ")
				status = http.StatusUnprocessableEntity
			case errors.Is(err, billing.ErrNotFound):
				p.PreviewError = "That customer does not exist; choose one from the list."
				status = http.StatusUnprocessableEntity
			case err != nil:
				return err
			default:
				p.Preview = &preview
				p.PreviewHTMLURL = reminderSettingsURL + "/preview.html?" + url.Values{
					"customer": {strconv.FormatInt(id, 10)}, "template": {p.PreviewTemplate}}.Encode()
			}
		}
	}
	return c.Render(status, "backoffice/reminders", p)
}

// previewHTML serves the HTML body of a preview on its own, as a mail program
// would show it. The policy forbids scripts and remote content; the inline
// styles that e-mails depend on are allowed.
func (h *Handler) previewHTML(c echo.Context) error {
	id, err := pathIDValue(c.QueryParam("customer"))
	if err != nil {
		return badRequest("customer: choose a customer to preview the e-mail for")
	}
	preview, err := h.Reminders.Preview(c.Request().Context(), id, c.QueryParam("template"), h.today())
	var fe billing.FieldErrors
	if errors.As(err, &fe) {
		return badRequest(strings.Join(fieldMessages(fe), " "))
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	return c.HTML(http.StatusOK, preview.HTML)
}

// fieldMessages lists the messages of field errors, ordered by field.
func fieldMessages(fe billing.FieldErrors) []string {
	out := make([]string, 0, len(fe))
	for _, field := range fe.Fields() {
		out = append(out, fe[field])
	}
	return out
}

// Labels of the reminder forms' fields, as the page shows them.
var (
	policyLabels   = map[string]string{"name": "Name", "sender": "E-mails go out in the name of"}
	stepLabels     = map[string]string{"offset_days": "Days from the due date", "tone": "Tone", "channel": "Channel", "template": "Template", "template_b": "Second wording"}
	templateLabels = map[string]string{"name": "Name", "subject": "Subject", "body_text": "Plain-text body", "body_html": "HTML body"}
)

// flashLabeled is flashErrors with each field named by its label on the page.
func (h *Handler) flashLabeled(c echo.Context, url string, err error, labels map[string]string) error {
	var fe billing.FieldErrors
	if !errors.As(err, &fe) {
		return h.flashErrors(c, url, err)
	}
	msgs := make([]string, 0, len(fe))
	for _, field := range fe.Fields() {
		label, ok := labels[field]
		if !ok {
			label = strings.ReplaceAll(field, "_", " ")
		}
		msgs = append(msgs, label+": "+fe[field])
	}
	return h.redirectWith(c, url, "!Not saved. "+strings.Join(msgs, " "))
}

// recordSettingsChange writes a settings change to the staff audit log.
func recordSettingsChange(ctx context.Context, tx pgx.Tx, u billing.StaffUser, action, summary string, details map[string]any) error {
	return billing.RecordStaffAction(ctx, tx, billing.StaffAction{Staff: u, Action: action, Summary: summary, Details: details})
}

func (h *Handler) saveReminderPolicy(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	name, sender := c.FormValue("name"), c.FormValue("sender")
	err = h.inTx(c, func(tx pgx.Tx) error {
		ctx := c.Request().Context()
		if err := collect.SavePolicy(ctx, tx, id, name, sender); err != nil {
			return err
		}
		return recordSettingsChange(ctx, tx, staff(c), "settings.reminder_policy",
			"Changed reminder policy "+strings.TrimSpace(name), map[string]any{"policy_id": id, "sender": sender})
	})
	if err != nil {
		return h.flashLabeled(c, reminderSettingsURL, err, policyLabels)
	}
	return h.redirectWith(c, reminderSettingsURL, "Reminder policy saved.")
}

// stepFromForm reads a step's fields; a day count that is not a number is a field error.
func stepFromForm(c echo.Context) (collect.Step, formErrors) {
	errs := formErrors{}
	s := collect.Step{
		OffsetDays: parseInt(c, "offset_days", 0, errs),
		Tone:       c.FormValue("tone"), Channel: c.FormValue("channel"),
		Template: c.FormValue("template"), TemplateB: c.FormValue("template_b"),
		CreateTask: c.FormValue("create_task") == "on", CreditHold: c.FormValue("credit_hold") == "on",
		LateFee: c.FormValue("late_fee") == "on",
	}
	if strings.TrimSpace(c.FormValue("offset_days")) == "" {
		errs["offset_days"] = "Enter the number of days from the due date, negative for before it."
	}
	if len(errs) > 0 {
		return s, errs
	}
	return s, nil
}

func (h *Handler) saveReminderStep(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	s, errs := stepFromForm(c)
	if errs != nil {
		return h.flashLabeled(c, reminderSettingsURL, errs, stepLabels)
	}
	s.ID = id
	err = h.inTx(c, func(tx pgx.Tx) error {
		ctx := c.Request().Context()
		tmpl, err := collect.LoadTemplates(ctx, tx)
		if err != nil {
			return err
		}
		if err := collect.SaveStep(ctx, tx, tmpl, s); err != nil {
			return err
		}
		return recordSettingsChange(ctx, tx, staff(c), "settings.reminder_step",
			fmt.Sprintf("Changed a reminder step: %s, %s, template %s", stepWhen(s.OffsetDays), s.Tone, s.Template),
			map[string]any{"step_id": id, "offset_days": s.OffsetDays, "tone": s.Tone, "channel": s.Channel, "template": s.Template})
	})
	if err != nil {
		return h.flashLabeled(c, reminderSettingsURL, err, stepLabels)
	}
	return h.redirectWith(c, reminderSettingsURL, "Reminder step saved.")
}

func (h *Handler) addReminderStep(c echo.Context) error {
	policyID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	s, errs := stepFromForm(c)
	if errs != nil {
		return h.flashLabeled(c, reminderSettingsURL, errs, stepLabels)
	}
	s.PolicyID = policyID
	err = h.inTx(c, func(tx pgx.Tx) error {
		ctx := c.Request().Context()
		tmpl, err := collect.LoadTemplates(ctx, tx)
		if err != nil {
			return err
		}
		id, err := collect.AddStep(ctx, tx, tmpl, s)
		if err != nil {
			return err
		}
		return recordSettingsChange(ctx, tx, staff(c), "settings.reminder_step",
			fmt.Sprintf("Added a reminder step: %s, %s, template %s", stepWhen(s.OffsetDays), s.Tone, s.Template),
			map[string]any{"step_id": id, "policy_id": policyID})
	})
	if err != nil {
		return h.flashLabeled(c, reminderSettingsURL, err, stepLabels)
	}
	return h.redirectWith(c, reminderSettingsURL, "Reminder step added.")
}

func (h *Handler) saveReminderTemplate(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("name"))
	err := h.inTx(c, func(tx pgx.Tx) error {
		ctx := c.Request().Context()
		// Browsers send text areas with CRLF line ends; e-mails are built with LF.
		lf := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
		err := collect.SaveTemplate(ctx, tx, name, strings.TrimSpace(c.FormValue("subject")),
			lf(c.FormValue("body_text")), lf(c.FormValue("body_html")))
		if err != nil {
			return err
		}
		return recordSettingsChange(ctx, tx, staff(c), "settings.reminder_template",
			"Edited reminder template "+name, map[string]any{"template": name})
	})
	if err != nil {
		return h.flashLabeled(c, reminderSettingsURL+"#template-"+name, err, templateLabels)
	}
	return h.redirectWith(c, reminderSettingsURL+"#template-"+name, "Template "+name+" saved.")
}

func (h *Handler) resetReminderTemplate(c echo.Context) error {
	name := c.Param("name")
	err := h.inTx(c, func(tx pgx.Tx) error {
		ctx := c.Request().Context()
		if err := collect.ResetTemplate(ctx, tx, name); err != nil {
			return err
		}
		return recordSettingsChange(ctx, tx, staff(c), "settings.reminder_template",
			"Reset reminder template "+name+" to the shipped wording", map[string]any{"template": name})
	})
	if err != nil {
		return err
	}
	return h.redirectWith(c, reminderSettingsURL+"#template-"+name, "Template "+name+" reset to the shipped wording.")
}

// scheduleView is a customer's reminder schedule for the customer page.
type scheduleView struct {
	Segment      string // the name of the reminder policy in force
	Paused       bool
	PausedReason string
	SnoozedUntil string // the last snoozed day, "" when not snoozed
	ResumesOn    string // the day after SnoozedUntil
	Past, Next   []scheduleRow
}

// scheduleRow is one reminder step of one invoice in words.
type scheduleRow struct {
	Date    string
	Number  string
	Step    string // "Friendly, 3 days after the due date"
	Channel string // "E-mail" or "Call task"
	Status  string // "Sent", "Held back: disputed", "Planned"
}

func (h *Handler) reminderSchedule(ctx context.Context, customerID int64) (scheduleView, error) {
	sc, err := collect.CustomerSchedule(ctx, h.Pool, customerID, h.today())
	if err != nil {
		return scheduleView{}, err
	}
	v := scheduleView{Segment: strings.ReplaceAll(sc.Segment, "_", " "), Paused: sc.Paused, PausedReason: sc.PausedReason}
	if err := h.Pool.QueryRow(ctx, `SELECT name FROM reminder_policies WHERE segment = $1`, sc.Segment).Scan(&v.Segment); err != nil {
		return scheduleView{}, fmt.Errorf("loading the reminder policy %s: %w", sc.Segment, err)
	}
	if !sc.SnoozedUntil.IsZero() && !sc.SnoozedUntil.Before(h.today()) {
		v.SnoozedUntil = sc.SnoozedUntil.Format()
		v.ResumesOn = sc.SnoozedUntil.AddDays(1).Format()
	}
	row := func(e collect.ScheduleEntry) scheduleRow {
		r := scheduleRow{Date: e.Date.Format(), Number: e.Number,
			Step: capitalize(e.Tone) + ", " + stepWhen(e.OffsetDays), Channel: "E-mail"}
		if e.Channel == collect.ChannelTask {
			r.Channel = "Call task"
		}
		switch e.Status {
		case collect.EntrySent:
			r.Status = "Sent"
			if e.Variant != "" {
				r.Status += " (wording " + e.Variant + ")"
			}
		case collect.EntryTask:
			r.Status = "Task opened"
		case collect.EntrySkipped:
			r.Status = "Held back: " + strings.ReplaceAll(e.Reason, "_", " ")
		default:
			r.Status = "Planned"
			if e.Reason != "" {
				r.Status += "; held back today: " + strings.ReplaceAll(e.Reason, "_", " ")
			}
		}
		return r
	}
	for _, e := range sc.Past {
		v.Past = append(v.Past, row(e))
	}
	for _, e := range sc.Next {
		v.Next = append(v.Next, row(e))
	}
	return v, nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (h *Handler) pauseReminders(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	err = h.inTx(c, func(tx pgx.Tx) error {
		return collect.Pause(c.Request().Context(), tx, id, c.FormValue("reason"), billing.StaffActor(staff(c)))
	})
	if err != nil {
		return h.flashErrors(c, customerURL(id)+"#reminders", err)
	}
	return h.redirectWith(c, customerURL(id)+"#reminders", "Reminders paused.")
}

func (h *Handler) resumeReminders(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	err = h.inTx(c, func(tx pgx.Tx) error {
		return collect.Resume(c.Request().Context(), tx, id, billing.StaffActor(staff(c)))
	})
	if err != nil {
		return h.flashErrors(c, customerURL(id)+"#reminders", err)
	}
	return h.redirectWith(c, customerURL(id)+"#reminders", "Reminders resumed.")
}

func (h *Handler) snoozeReminders(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	errs := formErrors{}
	until := parseDate(c, "until", errs)
	if len(errs) > 0 {
		return h.flashErrors(c, customerURL(id)+"#reminders", errs)
	}
	err = h.inTx(c, func(tx pgx.Tx) error {
		return collect.Snooze(c.Request().Context(), tx, id, until, h.today(), billing.StaffActor(staff(c)))
	})
	if err != nil {
		return h.flashErrors(c, customerURL(id)+"#reminders", err)
	}
	return h.redirectWith(c, customerURL(id)+"#reminders", "Reminders snoozed through "+until.Format()+"; they resume "+until.AddDays(1).Format()+".")
}

// sendRemindersNow runs today's cadence for the customer and reports the result in the flash message.
func (h *Handler) sendRemindersNow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	res, err := h.Reminders.SendNow(c.Request().Context(), id, h.today(), billing.StaffActor(staff(c)))
	if err != nil {
		return err
	}
	var msg string
	switch {
	case res.Sent > 0:
		msg = fmt.Sprintf("Reminder e-mailed about %s.", plural(res.Invoices, "invoice"))
	case res.Tasks > 0:
		msg = fmt.Sprintf("%s opened; no e-mail was due.", plural(res.Tasks, "call task"))
	case len(res.Skipped) > 0:
		reasons := make([]string, 0, len(res.Skipped))
		for reason, n := range res.Skipped {
			reasons = append(reasons, fmt.Sprintf("%s %s", plural(n, "invoice"), strings.ReplaceAll(reason, "_", " ")))
		}
		sort.Strings(reasons)
		msg = "!No reminder went out: held back " + strings.Join(reasons, ", ") + "."
	default:
		msg = "!No reminder went out: no open invoice has reached a step today."
	}
	return h.redirectWith(c, customerURL(id)+"#reminders", msg)
}

// plural returns "1 invoice" or "3 invoices".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
