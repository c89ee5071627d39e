package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/notify"
	"github.com/ledgvero/ledgvero/billing/stripegw"
	"github.com/ledgvero/ledgvero/templates"
)

// planPage proposes an installment plan: the form, the exact schedule once
// previewed, and the customer's plans so far.
type planPage struct {
	templates.Base
	Invoices    []planInvoiceOption
	Count       string
	Frequency   string
	FirstDate   string
	DownPayment string
	Autopay     bool
	// AutopayOffered is set when the gateway can save a payment method, which
	// automatic charging needs; without it the form does not offer autopay.
	AutopayOffered bool
	Errors         planErrors
	Preview        *planPreview
	Plans          []planView
	Today          string
	MaxFirst       string
	Frequencies    []option
}

type planInvoiceOption struct {
	ID      int64
	Number  string
	Due     string
	Open    string
	Checked bool
	InPlan  bool // already in a pending or approved plan, so it cannot be chosen
}

type planErrors struct {
	Invoices    string
	Count       string
	Frequency   string
	FirstDate   string
	DownPayment string
}

type planPreview struct {
	Total       string
	Rows        []scheduleRow
	AutoApprove bool
	Digest      string // identifies the schedule shown, so submit stores only what was seen
}

type scheduleRow struct {
	Label  string
	Due    string
	Amount string
}

type planView struct {
	ID      int64
	Status  string
	Summary string
	Note    string
	Rows    []scheduleRow
	Autopay bool   // the debtor chose automatic charging
	Method  string // the saved payment method, as in "Visa ending 4242"
	Open    bool   // pending or approved, so its payment method can be set
}

type option struct {
	Value, Label string
	Selected     bool
}

func (h *Handler) planForm(c echo.Context) error {
	page, err := h.newPlanPage(c)
	if err != nil {
		return err
	}
	page.Count, page.Frequency = "3", billing.FrequencyMonthly
	page.FirstDate = billing.Today(h.Now(), h.Timezone).AddDays(7).String()
	page.setFrequencies()
	for i := range page.Invoices {
		page.Invoices[i].Checked = !page.Invoices[i].InPlan
	}
	switch c.QueryParam("done") {
	case billing.PlanApproved:
		page.Flash = "Your plan is approved. We will not send reminders for its invoices while you keep to the schedule." + page.methodNextStep()
	case billing.PlanPending:
		page.Flash = "Thank you. Your plan is waiting for approval; we will e-mail you when it is decided." + page.methodNextStep()
	case "method_saved":
		page.Flash = "Your payment method is saved. We will charge it on each installment's due date."
	case "method_link":
		page.Flash = "We e-mailed you a link to change the payment method. Open it within 7 days."
	case "method_link_spent":
		page.Flash, page.FlashError = "That link was already used or has expired. Ask for a new one below.", true
	case "method_unavailable":
		page.Flash, page.FlashError = "That plan does not take automatic charges: it was proposed without them, or it has ended.", true
	case "method_kept":
		page.Flash, page.FlashError = "Your saved payment method was kept. To change it, use the link we e-mail you.", true
	}
	return c.Render(http.StatusOK, "portal/plan", page)
}

// newPlanPage loads the open invoices and the customer's plans.
func (h *Handler) newPlanPage(c echo.Context) (planPage, error) {
	d := c.Get("debtor").(debtor)
	ctx := c.Request().Context()
	today := billing.Today(h.Now(), h.Timezone)
	settings, err := billing.LoadPortalSettings(ctx, h.Pool)
	if err != nil {
		return planPage{}, err
	}
	open, err := billing.OpenInvoices(ctx, h.Pool, d.CustomerID, today)
	if err != nil {
		return planPage{}, err
	}
	states, err := billing.InvoiceStates(ctx, h.Pool, d.CustomerID)
	if err != nil {
		return planPage{}, err
	}
	plans, err := billing.CustomerPlans(ctx, h.Pool, d.CustomerID)
	if err != nil {
		return planPage{}, err
	}
	methods, err := billing.PlanMethods(ctx, h.Pool, d.CustomerID)
	if err != nil {
		return planPage{}, err
	}

	page := planPage{
		Base: h.base(c, "Propose a payment plan"), Today: today.String(),
		MaxFirst: today.AddDays(settings.PlanMaxFirstDays).String(), AutopayOffered: h.canSaveMethods(),
	}
	for _, l := range open {
		page.Invoices = append(page.Invoices, planInvoiceOption{
			ID: l.ID, Number: l.Number, Due: l.DueDate.Format(), Open: l.Open.String(), InPlan: states[l.ID].PlanStatus != "",
		})
	}
	for _, p := range plans {
		v := planView{
			ID: p.ID, Status: planStatusLabel(p.Status), Note: p.DecisionNote,
			Summary: fmt.Sprintf("%s in %s, proposed %s", p.Total, p.ScheduleLabel(),
				p.ProposedAt.In(h.Timezone).Format("Jan 2, 2006")),
			Rows: scheduleRows(p.Schedule), Autopay: p.Autopay, Method: methods[p.ID].Label(),
			Open: p.Status == billing.PlanPending || p.Status == billing.PlanApproved,
		}
		page.Plans = append(page.Plans, v)
	}
	return page, nil
}

// canSaveMethods reports whether the payment gateway can save a card or bank
// account for automatic installment charges.
func (h *Handler) canSaveMethods() bool {
	_, ok := h.Payments.Gateway.(stripegw.MethodGateway)
	return ok
}

// methodNextStep returns the sentence requesting a payment method when an
// open plan charges automatically but has none saved, and "" otherwise.
func (p *planPage) methodNextStep() string {
	for _, v := range p.Plans {
		if v.Open && v.Autopay && v.Method == "" {
			return " Next, save a payment method below, so we can charge each installment automatically."
		}
	}
	return ""
}

func planStatusLabel(s string) string {
	if s == billing.PlanPending {
		return "waiting for approval"
	}
	return s
}

func (p *planPage) setFrequencies() {
	p.Frequencies = nil
	for _, f := range []string{billing.FrequencyWeekly, billing.FrequencyBiweekly, billing.FrequencyMonthly} {
		label := billing.FrequencyLabel(f)
		p.Frequencies = append(p.Frequencies, option{Value: f, Label: strings.ToUpper(label[:1]) + label[1:], Selected: f == p.Frequency})
	}
}

func scheduleRows(s []billing.ScheduledPayment) []scheduleRow {
	rows := make([]scheduleRow, 0, len(s))
	for _, p := range s {
		label := fmt.Sprintf("Installment %d", p.Seq)
		if p.Seq == 0 {
			label = "Down payment"
		}
		rows = append(rows, scheduleRow{Label: label, Due: p.DueOn.Format(), Amount: p.Amount.String()})
	}
	return rows
}

// scheduleDigest identifies a schedule exactly: invoices, dates and amounts.
func scheduleDigest(pv billing.PlanPreview, autopay bool) string {
	h := sha256.New()
	for _, inv := range pv.Invoices {
		fmt.Fprintf(h, "i%d:%d;", inv.ID, inv.Open.Amount)
	}
	for _, s := range pv.Schedule {
		fmt.Fprintf(h, "s%d:%s:%d;", s.Seq, s.DueOn, s.Amount.Amount)
	}
	fmt.Fprintf(h, "a%v", autopay)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// proposePlan previews the schedule ("preview") or stores the plan ("submit").
// A submit whose schedule differs from the one previewed, because the form or
// a balance changed, shows the new schedule again instead of storing it.
func (h *Handler) proposePlan(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	ctx := c.Request().Context()
	today := billing.Today(h.Now(), h.Timezone)
	page, err := h.newPlanPage(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	page.Count = strings.TrimSpace(form.Get("count"))
	page.Frequency = form.Get("frequency")
	page.FirstDate = strings.TrimSpace(form.Get("first_date"))
	page.DownPayment = strings.TrimSpace(form.Get("down_payment"))
	page.Autopay = page.AutopayOffered && form.Get("autopay") == "on"
	page.setFrequencies()

	chosen := map[int64]bool{}
	proposal := billing.PlanProposal{CustomerID: d.CustomerID, Frequency: page.Frequency, Autopay: page.Autopay,
		Actor: billing.Actor{Kind: "contact", Name: d.Email}}
	for _, raw := range form["invoice"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			page.Errors.Invoices = "One of the chosen invoices is not open on your account: reload the page and choose again."
			continue
		}
		chosen[id] = true
		proposal.InvoiceIDs = append(proposal.InvoiceIDs, id)
	}
	for i := range page.Invoices {
		page.Invoices[i].Checked = chosen[page.Invoices[i].ID]
	}
	if n, err := strconv.Atoi(page.Count); err == nil {
		proposal.Count = n
	} else {
		page.Errors.Count = "Enter the number of installments as a whole number, such as 3."
	}
	if page.FirstDate != "" {
		if proposal.First, err = billing.ParseDate(page.FirstDate); err != nil {
			page.Errors.FirstDate = "Enter the date of the first installment as YYYY-MM-DD."
		}
	}
	currency := d.Currency
	proposal.DownPayment = billing.Money{Currency: currency}
	if page.DownPayment != "" {
		if proposal.DownPayment, err = billing.ParseMoney(page.DownPayment, currency); err != nil {
			page.Errors.DownPayment = amountMessage(page.DownPayment, currency)
		}
	}
	if page.Errors != (planErrors{}) {
		return c.Render(http.StatusUnprocessableEntity, "portal/plan", page)
	}

	pv, err := billing.PreviewPlan(ctx, h.Pool, proposal, today)
	var fe billing.FieldErrors
	if errors.As(err, &fe) {
		page.Errors = planErrors{Invoices: fe["invoices"], Count: fe["count"], Frequency: fe["frequency"],
			FirstDate: fe["first_date"], DownPayment: fe["down_payment"]}
		return c.Render(http.StatusUnprocessableEntity, "portal/plan", page)
	}
	if err != nil {
		return err
	}
	digest := scheduleDigest(pv, page.Autopay)
	page.Preview = &planPreview{Total: pv.Total.String(), Rows: scheduleRows(pv.Schedule), AutoApprove: pv.AutoApprove, Digest: digest}
	if form.Get("action") != "submit" {
		return c.Render(http.StatusOK, "portal/plan", page)
	}
	if form.Get("digest") != digest {
		page.Flash, page.FlashError = "The schedule changed since you previewed it. Check the new schedule below, then submit again.", true
		return c.Render(http.StatusConflict, "portal/plan", page)
	}

	var plan billing.Plan
	err = billing.InTx(ctx, h.Pool, func(tx pgx.Tx) error {
		plan, err = billing.ProposePlan(ctx, tx, proposal, today)
		if err != nil {
			return err
		}
		return notify.Mailer{Jobs: h.Jobs, BaseURL: h.BaseURL}.PlanProposed(ctx, tx, d.Email, plan)
	})
	if errors.As(err, &fe) {
		page.Preview = nil
		page.Errors = planErrors{Invoices: fe["invoices"], Count: fe["count"], Frequency: fe["frequency"],
			FirstDate: fe["first_date"], DownPayment: fe["down_payment"]}
		return c.Render(http.StatusUnprocessableEntity, "portal/plan", page)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/portal/plan?done="+plan.Status)
}
