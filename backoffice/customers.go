package backoffice

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// customersPage is the searchable, filterable customer list.
type customersPage struct {
	page
	Filter   billing.CustomerFilter
	MinOver  string
	Rows     []customerRowView
	Staff    []billing.StaffListItem
	PrevURL  string
	NextURL  string
	Segments []string
}

type customerRowView struct {
	billing.CustomerRow
	Open, Overdue string
}

func (h *Handler) customers(c echo.Context) error {
	ctx := c.Request().Context()
	f := billing.CustomerFilter{
		Query: c.QueryParam("q"), RiskBand: c.QueryParam("risk"), ValueTier: c.QueryParam("value"),
		Status: c.QueryParam("status"), Sort: c.QueryParam("sort"),
	}
	f.Page, _ = strconv.Atoi(c.QueryParam("page"))
	f.Page = max(1, f.Page)
	if v := c.QueryParam("owner"); v != "" {
		f.OwnerID, _ = strconv.ParseInt(v, 10, 64)
	}
	p := customersPage{page: h.page(c, "Customers"), MinOver: c.QueryParam("min_overdue")}
	if p.MinOver != "" {
		m, err := billing.ParseMoney(p.MinOver, h.Currency)
		if err != nil {
			return badRequest("min_overdue: enter an amount such as 1000.00")
		}
		f.MinOverdueMinor = m.Amount
	}

	rows, more, err := billing.ListCustomers(ctx, h.Pool, f)
	if err != nil {
		return err
	}
	for _, r := range rows {
		p.Rows = append(p.Rows, customerRowView{CustomerRow: r,
			Open:    billing.Money{Amount: r.OpenMinor, Currency: r.Currency}.String(),
			Overdue: billing.Money{Amount: r.OverdueMinor, Currency: r.Currency}.String()})
	}
	if p.Staff, err = billing.ListStaff(ctx, h.Pool); err != nil {
		return err
	}
	p.Filter = f
	q := c.QueryParams()
	pageURL := func(n int) string {
		v := url.Values{}
		for k, vals := range q {
			v[k] = vals
		}
		v.Set("page", strconv.Itoa(n))
		return "/backoffice/customers?" + v.Encode()
	}
	if f.Page > 1 {
		p.PrevURL = pageURL(f.Page - 1)
	}
	if more {
		p.NextURL = pageURL(f.Page + 1)
	}
	return c.Render(http.StatusOK, "backoffice/customers", p)
}

// customerPage shows one customer: balances, terms, contacts, invoices, payments,
// score and the full timeline, with the forms staff act through.
type customerPage struct {
	page
	Account   billing.CustomerAccount
	Open      string
	Overdue   string
	Limit     string // the credit limit as a form value, "" for none
	LimitText string // the credit limit for reading, such as "$50,000.00"
	Segment   *billing.CustomerSegment
	Contacts  []billing.Contact
	Invoices  []billing.CustomerInvoice
	Payments  []billing.CustomerPayment
	Plans     []billing.Plan
	Promises  []billing.CustomerPromiseRow
	Disputes  []billing.CustomerDisputeRow
	OpenInvs  []billing.CustomerInvoice // invoices with an open balance, for the promise and write-off forms
	Tasks     []billing.Task
	Timeline  []timelineEntry
	Staff     []billing.StaffListItem
	Templates []billing.TermsTemplate
	Outcomes  []callOutcomeOption
	Segments  []string
	Today     string
	OwnerID   int64 // zero when nobody owns the customer
	LateFees  []lateFeeRow
	Reminders *scheduleView
	// Form values of the settings form.
	DiscountPct, LateFeeFlat, LateFeePct string
}

// callOutcomeOption is one choice of the call-outcome picker.
type callOutcomeOption struct {
	Value string // the code LogCall stores, such as "no_answer"
	Label string // the words staff read, such as "No answer"
}

func callOutcomeOptions() []callOutcomeOption {
	out := make([]callOutcomeOption, 0, len(billing.CallOutcomes))
	for _, o := range billing.CallOutcomes {
		out = append(out, callOutcomeOption{Value: o, Label: billing.CallOutcomeWords(o)})
	}
	return out
}

// allSegments lists the nine segment names for the override picker.
func allSegments() []string {
	var out []string
	for _, r := range []string{"low", "medium", "high"} {
		for _, v := range []string{"low", "medium", "high"} {
			out = append(out, billing.Segment(r, v))
		}
	}
	return out
}

func (h *Handler) customer(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.loadCustomerPage(c, id)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "backoffice/customer", p)
}

// loadCustomerPage loads everything the customer page shows, so a form handler
// can render the page again with its field errors.
func (h *Handler) loadCustomerPage(c echo.Context, id int64) (customerPage, error) {
	ctx := c.Request().Context()
	today := h.today()
	acct, err := billing.LoadCustomerAccount(ctx, h.Pool, id, today)
	if err != nil {
		return customerPage{}, err
	}
	p := customerPage{page: h.page(c, acct.Name), Account: acct, Open: acct.Open.String(), Overdue: acct.Overdue.String(),
		Outcomes: callOutcomeOptions(), Segments: allSegments(), Today: today.String()}
	if acct.CreditLimitMinor != nil {
		limit := billing.Money{Amount: *acct.CreditLimitMinor, Currency: acct.Currency}
		p.Limit, p.LimitText = limit.Decimal(), limit.String()
	}
	if acct.OwnerID != nil {
		p.OwnerID = *acct.OwnerID
	}
	p.DiscountPct = bpString(acct.Terms.DiscountRateBP)
	p.LateFeePct = bpString(acct.LateFee.RateBP)
	p.LateFeeFlat = billing.Money{Amount: acct.LateFee.FlatMinor, Currency: acct.Currency}.Decimal()

	seg, err := billing.SegmentOf(ctx, h.Pool, id)
	if errors.Is(err, billing.ErrNotFound) {
		// A customer created since the nightly run: score it now, which reads
		// only its own invoices.
		if _, err := billing.RecomputeSegments(ctx, h.Pool, today, id); err != nil {
			return customerPage{}, err
		}
		seg, err = billing.SegmentOf(ctx, h.Pool, id)
	}
	if err != nil {
		return customerPage{}, err
	}
	seg.ComputedAt = seg.ComputedAt.In(h.Timezone)
	p.Segment = &seg
	if p.Contacts, err = billing.CustomerContacts(ctx, h.Pool, id); err != nil {
		return customerPage{}, err
	}
	if p.Invoices, err = billing.CustomerInvoices(ctx, h.Pool, id, 100); err != nil {
		return customerPage{}, err
	}
	for _, inv := range p.Invoices {
		if inv.Open.Amount > 0 && !inv.Voided {
			p.OpenInvs = append(p.OpenInvs, inv)
		}
	}
	if p.Payments, err = billing.CustomerPayments(ctx, h.Pool, id, 50); err != nil {
		return customerPage{}, err
	}
	if p.Plans, err = billing.CustomerPlans(ctx, h.Pool, id); err != nil {
		return customerPage{}, err
	}
	if p.Promises, err = billing.CustomerPromises(ctx, h.Pool, id, 50); err != nil {
		return customerPage{}, err
	}
	if p.Disputes, err = billing.CustomerDisputes(ctx, h.Pool, id, 50); err != nil {
		return customerPage{}, err
	}
	if p.Tasks, err = billing.ListTasks(ctx, h.Pool, billing.TaskFilter{CustomerID: id, OpenOnly: true}); err != nil {
		return customerPage{}, err
	}
	if p.Timeline, err = h.timelineEntries(ctx, id); err != nil {
		return customerPage{}, err
	}
	for i := range p.Plans {
		p.Plans[i].ProposedAt = p.Plans[i].ProposedAt.In(h.Timezone)
	}
	for i := range p.Disputes {
		p.Disputes[i].OpenedAt = p.Disputes[i].OpenedAt.In(h.Timezone)
	}
	if p.Staff, err = billing.ListStaff(ctx, h.Pool); err != nil {
		return customerPage{}, err
	}
	if p.Templates, err = billing.ListTermsTemplates(ctx, h.Pool); err != nil {
		return customerPage{}, err
	}
	if p.LateFees, err = h.lateFeeRows(ctx, id); err != nil {
		return customerPage{}, err
	}
	schedule, err := h.reminderSchedule(ctx, id)
	if err != nil {
		return customerPage{}, err
	}
	p.Reminders = &schedule
	return p, nil
}

// bpString formats basis points as a percentage without the sign: 150 is "1.50".
func bpString(bp int64) string {
	return billing.Money{Amount: bp, Currency: "USD"}.Decimal()
}

func customerURL(id int64) string { return "/backoffice/customers/" + strconv.FormatInt(id, 10) }

func (h *Handler) logCall(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	err = h.inTx(c, func(tx pgx.Tx) error {
		return billing.LogCall(c.Request().Context(), tx, staff(c), id, c.FormValue("outcome"), c.FormValue("contact"), c.FormValue("notes"))
	})
	if err != nil {
		return h.flashErrors(c, customerURL(id), err)
	}
	return h.redirectWith(c, customerURL(id), "Call logged.")
}

func (h *Handler) logNote(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	err = h.inTx(c, func(tx pgx.Tx) error {
		return billing.LogNote(c.Request().Context(), tx, staff(c), id, c.FormValue("note"))
	})
	if err != nil {
		return h.flashErrors(c, customerURL(id), err)
	}
	return h.redirectWith(c, customerURL(id), "Note saved.")
}

func (h *Handler) logPromise(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cust, err := billing.CustomerByID(ctx, h.Pool, id)
	if err != nil {
		return err
	}
	errs := formErrors{}
	p := billing.StaffPromise{CustomerID: id, Amount: parseMoney(c, "amount", cust.Currency, errs),
		Date: parseDate(c, "promise_date", errs), Notes: c.FormValue("notes")}
	if p.InvoiceID, err = pathIDValue(c.FormValue("invoice_id")); err != nil {
		errs["invoice"] = "Pick the invoice the promise is for."
	}
	if len(errs) > 0 {
		return h.flashErrors(c, customerURL(id), errs)
	}
	err = h.inTx(c, func(tx pgx.Tx) error { return billing.LogPromise(ctx, tx, staff(c), p, h.today()) })
	if err != nil {
		return h.flashErrors(c, customerURL(id), err)
	}
	return h.redirectWith(c, customerURL(id), "Promise recorded.")
}

func (h *Handler) updateCustomer(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cust, err := billing.CustomerByID(ctx, h.Pool, id)
	if err != nil {
		return err
	}
	errs := formErrors{}
	s := billing.CustomerSettings{
		Terms: billing.Terms{NetDays: parseInt(c, "net_days", 0, errs), DiscountRateBP: parsePercentBP(c, "discount_rate", errs),
			DiscountDays: parseInt(c, "discount_days", 0, errs)},
		LateFee: billing.LateFeePolicy{Kind: c.FormValue("late_fee_kind"), FlatMinor: parseMoney(c, "late_fee_flat", cust.Currency, errs).Amount,
			RateBP: parsePercentBP(c, "late_fee_rate", errs), GraceDays: parseInt(c, "late_fee_grace_days", 0, errs)},
		CreditHold:      c.FormValue("credit_hold") == "on",
		SegmentOverride: c.FormValue("segment_override"),
		Reason:          c.FormValue("reason"),
	}
	if strings.TrimSpace(c.FormValue("credit_limit")) != "" {
		limit := parseMoney(c, "credit_limit", cust.Currency, errs).Amount
		s.CreditLimitMinor = &limit
	}

	if v := c.FormValue("owner_id"); v != "" {
		owner, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil {
			errs["owner_id"] = "Pick an owner from the list."
		}
		s.OwnerID = &owner
	}
	if len(errs) > 0 {
		return h.flashErrors(c, customerURL(id), errs)
	}

	err = h.inTx(c, func(tx pgx.Tx) error { return billing.UpdateCustomerSettings(ctx, tx, staff(c), id, s, h.today()) })
	if err != nil {
		return h.flashErrors(c, customerURL(id), err)
	}
	return h.redirectWith(c, customerURL(id), "Customer updated.")
}

func (h *Handler) saveContact(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ct := billing.Contact{CustomerID: id, Name: c.FormValue("name"), Email: c.FormValue("email"),
		ReceivesReminders: c.FormValue("receives_reminders") == "on"}
	if v := c.FormValue("contact_id"); v != "" {
		if ct.ID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return badRequest("contact_id: not a contact of this customer")
		}
	}
	err = h.inTx(c, func(tx pgx.Tx) error { return billing.SaveContact(c.Request().Context(), tx, staff(c), ct) })
	if err != nil {
		return h.flashErrors(c, customerURL(id), err)
	}
	return h.redirectWith(c, customerURL(id), "Contact saved.")
}

func (h *Handler) recomputeCustomer(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := billing.RecomputeSegments(c.Request().Context(), h.Pool, h.today(), id); err != nil {
		return err
	}
	return h.redirectWith(c, customerURL(id), "Risk score recomputed.")
}

// inTx runs fn in one transaction on the request's context.
func (h *Handler) inTx(c echo.Context, fn func(tx pgx.Tx) error) error {
	return billing.InTx(c.Request().Context(), h.Pool, fn)
}

// writeOff closes part or all of an invoice's open balance as uncollectable
// (admins only) through billing.WriteOff.
func (h *Handler) writeOff(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cust, err := billing.CustomerByID(ctx, h.Pool, id)
	if err != nil {
		return err
	}
	errs := formErrors{}
	invoiceID, err := pathIDValue(c.FormValue("invoice_id"))
	if err != nil {
		errs["invoice"] = "Pick the invoice to write off."
	}
	amount := parseMoney(c, "amount", cust.Currency, errs)
	reason := strings.TrimSpace(c.FormValue("reason"))
	if reason == "" {
		errs["reason"] = "Give the reason for the write-off."
	}
	if len(errs) > 0 {
		return h.flashErrors(c, customerURL(id), errs)
	}

	u := staff(c)
	err = h.inTx(c, func(tx pgx.Tx) error {
		var owner, open int64
		err := tx.QueryRow(ctx, `SELECT customer_id, open_minor FROM invoices WHERE id = $1 AND voided_at IS NULL`, invoiceID).Scan(&owner, &open)
		if err != nil || owner != id {
			return billing.ErrNotFound
		}
		if amount.Amount < 0 || amount.Amount > open || open == 0 {
			return formErrors{"amount": "Enter at most the open balance of " + billing.Money{Amount: open, Currency: cust.Currency}.String() + ", or leave it empty for all of it."}
		}
		if err := billing.WriteOff(ctx, tx, invoiceID, amount, h.today(), reason, billing.StaffActor(u), "backoffice"); err != nil {
			return err
		}
		return billing.RecordStaffAction(ctx, tx, billing.StaffAction{Staff: u, Action: "invoice.written_off", CustomerID: id,
			InvoiceID: &invoiceID, SkipTimeline: true, Summary: "Wrote off " + amount.String() + ": " + reason,
			Details: map[string]any{"amount": amount.Decimal(), "reason": reason}})
	})
	if err != nil {
		return h.flashErrors(c, customerURL(id), err)
	}
	return h.redirectWith(c, customerURL(id), "Written off.")
}

// recordRefund marks a succeeded payment made outside Stripe (wire, check, cash or
// other) as refunded through billing.SetPaymentStatus, which reopens the invoices
// it paid. Card and bank payments are refunded through the gateway by refundGatewayPayment.
func (h *Handler) recordRefund(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	paymentID, err := pathIDValue(c.FormValue("payment_id"))
	if err != nil {
		return badRequest("payment_id: pick a payment of this customer")
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if reason == "" {
		return h.flashErrors(c, customerURL(id), formErrors{"reason": "Give the reason for the refund."})
	}

	u := staff(c)
	err = h.inTx(c, func(tx pgx.Tx) error {
		p, err := billing.PaymentByID(ctx, tx, paymentID)
		if err != nil || p.CustomerID != id {
			return billing.ErrNotFound
		}
		if p.Method == "card" || p.Method == "ach" {
			return formErrors{"payment": "Refund card and bank payments with their Refund button, which refunds them through the payment gateway."}
		}
		if _, err := billing.SetPaymentStatus(ctx, tx, paymentID, billing.PaymentRefunded, h.today(), billing.StaffActor(u), "backoffice"); err != nil {
			return err
		}
		return billing.RecordStaffAction(ctx, tx, billing.StaffAction{Staff: u, Action: "payment.refund_recorded", CustomerID: id,
			Summary: "Recorded a refund of " + p.Amount.String() + ": " + reason,
			Details: map[string]any{"payment_id": paymentID, "reason": reason}})
	})
	if errors.Is(err, billing.ErrConflict) {
		return h.flashErrors(c, customerURL(id), formErrors{"payment": "Only a succeeded payment can be refunded."})
	}
	if err != nil {
		return h.flashErrors(c, customerURL(id), err)
	}
	return h.redirectWith(c, customerURL(id), "Refund recorded; the invoices it paid are open again.")
}
