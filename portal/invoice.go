package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/templates"
)

// invoicePage shows one invoice with its lines, terms, applied amounts, the part
// of its timeline the debtor may see and the debtor's actions.
type invoicePage struct {
	templates.Base
	ID          int64
	Number      string
	PONumber    string
	Issued      string
	Due         string
	Total       string
	Open        string
	DaysOverdue int
	Status      string
	StatusClass string
	Payable     bool // the open balance is positive
	Terms       []string
	Lines       []invoiceLineRow
	Applied     []appliedRow
	Timeline    []timelineRow
	PromisedOn  string // date of the open promise, "" without one
	Confirmed   bool   // someone already confirmed receipt
	Today       string // YYYY-MM-DD, the min of the date inputs
	MaxDate     string // YYYY-MM-DD, the max of the promise date input
	Promise     promiseForm
	Confirm     confirmForm
}

type invoiceLineRow struct {
	Description string
	Quantity    string
	UnitPrice   string
	Amount      string
}

type appliedRow struct {
	Kind      string
	Reference string
	On        string
	Amount    string
}

type timelineRow struct {
	When    string
	Summary string
}

// promiseForm is the promise-to-pay form with its values and field errors.
type promiseForm struct {
	Date        string
	Amount      string
	DateError   string
	AmountError string
}

// confirmForm is the receipt-confirmation form with its values and field errors.
type confirmForm struct {
	ScheduledOn      string
	ScheduledOnError string
}

// invoiceID parses the :id route parameter. A malformed id gets the same 404 as
// a missing invoice.
func invoiceID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound)
	}
	return id, nil
}

func (h *Handler) invoiceDetail(c echo.Context, d debtor) (billing.InvoiceDetail, error) {
	id, err := invoiceID(c)
	if err != nil {
		return billing.InvoiceDetail{}, err
	}
	today := billing.Today(h.Now(), h.Timezone)
	return billing.DebtorInvoiceDetail(c.Request().Context(), h.Pool, d.CustomerID, id, today)
}

func (h *Handler) invoice(c echo.Context) error {
	return h.renderInvoice(c, http.StatusOK, nil)
}

// renderInvoice renders the invoice page; edit, when set, fills in the submitted
// form values and errors before the page is rendered.
func (h *Handler) renderInvoice(c echo.Context, status int, edit func(*invoicePage)) error {
	d := c.Get("debtor").(debtor)
	inv, err := h.invoiceDetail(c, d)
	if err != nil {
		return err
	}
	confirmed, err := billing.ReceiptConfirmed(c.Request().Context(), h.Pool, inv.ID)
	if err != nil {
		return err
	}
	settings, err := billing.LoadPortalSettings(c.Request().Context(), h.Pool)
	if err != nil {
		return err
	}

	today := billing.Today(h.Now(), h.Timezone)
	st := billing.DebtorStatus(inv.StatementLine, inv.State)
	page := invoicePage{
		Base: h.base(c, "Invoice "+inv.Number), ID: inv.ID, Number: inv.Number, PONumber: inv.PONumber,
		Issued: inv.IssueDate.Format(), Due: inv.DueDate.Format(), Total: inv.Total.String(), Open: inv.Open.String(),
		DaysOverdue: inv.DaysOverdue, Status: st, StatusClass: statusClass(st), Payable: inv.Open.Amount > 0,
		Terms: termsInWords(inv.Terms, inv.Total, inv.Open, today), Confirmed: confirmed,
		Today: today.String(), MaxDate: today.AddDays(settings.PromiseMaxDays).String(),
		Promise: promiseForm{Amount: inv.Open.Decimal()},
	}
	if !inv.State.PromisedOn.IsZero() {
		page.PromisedOn = inv.State.PromisedOn.Format()
	}
	for _, l := range inv.Lines {
		page.Lines = append(page.Lines, invoiceLineRow{
			Description: l.Description, Quantity: formatQuantity(l.QuantityMilli),
			UnitPrice: l.UnitPrice.String(), Amount: l.Amount.String(),
		})
	}
	for _, a := range inv.Applied {
		page.Applied = append(page.Applied, appliedRow{
			Kind: appliedKind(a.Kind), Reference: a.Reference, On: a.On.Format(), Amount: a.Amount.String(),
		})
	}
	for _, ev := range inv.Timeline {
		row := timelineRow{When: ev.OccurredAt.In(h.Timezone).Format("Jan 2, 2006, 3:04 PM MST"), Summary: ev.Summary}
		if ev.Kind == "invoice.issued" {
			// Imported invoices are recorded at import time, so the debtor sees the issue date instead.
			row.When = inv.IssueDate.Format()
		}
		page.Timeline = append(page.Timeline, row)
	}
	switch c.QueryParam("done") {
	case "promise":
		page.Flash = "Thank you. Your promise to pay is saved, and we will not send reminders for this invoice until then."
	case "confirm":
		page.Flash = "Thank you for confirming that you received this invoice."
	case "dispute":
		page.Flash = "Your dispute is open. We will reply here, and we will not send reminders for this invoice until it is settled."
	}
	if edit != nil {
		edit(&page)
	}
	return c.Render(status, "portal/invoice", page)
}

func appliedKind(kind string) string {
	switch kind {
	case "payment":
		return "Payment"
	case "credit_note":
		return "Credit note"
	case "write_off":
		return "Written off"
	}
	return kind
}

// formatQuantity formats thousandths without trailing zeros, as in "1.5".
func formatQuantity(milli int64) string {
	s := fmt.Sprintf("%d.%03d", milli/1000, milli%1000)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// termsInWords describes the payment terms copied onto an invoice as of today.
// The early-payment discount is offered only while a payment made today earns it.
func termsInWords(t billing.InvoiceTerms, total, open billing.Money, today billing.Date) []string {
	out := []string{fmt.Sprintf("Payment is due %d days after the invoice date.", t.NetDays)}
	if t.NetDays == 0 {
		out[0] = "Payment is due on receipt."
	}
	if discount := billing.DiscountInWords(total, open, t.DiscountRateBP, t.DiscountUntil, today); discount != "" {
		out = append(out, discount)
	}
	switch t.LateFee.Kind {
	case "flat":
		fee := billing.Money{Amount: t.LateFee.FlatMinor, Currency: total.Currency}
		out = append(out, fmt.Sprintf("A late fee of %s applies %s.", fee, afterDue(t.LateFee.GraceDays)))
	case "interest":
		out = append(out, fmt.Sprintf("Interest of %s%% per month is charged on the overdue balance starting %s.",
			percent(t.LateFee.RateBP), afterDue(t.LateFee.GraceDays)))
	default:
		out = append(out, "No late fees apply.")
	}
	return out
}

// percent formats basis points as a percentage without trailing zeros, as in "1.5".
func percent(bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

func afterDue(graceDays int) string {
	switch graceDays {
	case 0:
		return "the day after the due date"
	case 1:
		return "1 day after the due date"
	}
	return fmt.Sprintf("%d days after the due date", graceDays)
}
