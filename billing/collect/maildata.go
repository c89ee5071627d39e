package collect

import (
	"fmt"

	"github.com/ledgvero/ledgvero/billing"
)

// ReminderData is the data of a reminder e-mail template.
type ReminderData struct {
	OrgName   string
	Customer  string
	Contact   string // the contact's name; empty when unknown
	Tone      string
	AsOf      string
	Invoices  []ReminderInvoice
	TotalDue  string
	Link      string // single-use sign-in link to the portal, valid 7 days
	PlanLink  string // the portal page where a signed-in debtor proposes an installment plan
	PayBy     string // the date the e-mail asks payment by
	Discount  string // an early-payment discount still open, in words; empty when none
	Earlier   bool   // an earlier reminder e-mail listed one of the invoices
	Signature Signature
}

// One reports whether the reminder lists a single invoice, for the wording of
// templates: "the following invoice is" against "the following invoices are".
func (d ReminderData) One() bool { return len(d.Invoices) == 1 }

// ReminderInvoice is one invoice in a reminder's table.
type ReminderInvoice struct {
	Number    string
	IssueDate string
	DueDate   string
	Open      string
	Status    string // "due in 3 days", "due today", "12 days past due"
}

// Signature closes an e-mail.
type Signature struct {
	Closing string // "Kind regards,"
	Name    string
	Title   string
	Email   string // shown for a named sender; empty for the organization
}

// payByDays is how long after the e-mail a past-due reminder asks payment by.
const payByDays = 7

// reminderData builds the template data of one reminder.
func reminderData(org string, c customerInfo, lead Step, invoices []invoiceInfo, asOf billing.Date, baseURL, link string) ReminderData {
	d := ReminderData{
		OrgName: org, Customer: c.Name, Contact: c.ContactName, Tone: lead.Tone, AsOf: asOf.Format(),
		Link: link, PlanLink: baseURL + "/portal/plan", Signature: signature(lead, c, org),
	}
	total := billing.Money{Currency: invoices[0].Open.Currency}
	earliestDue := invoices[0].DueDate
	for _, inv := range invoices {
		total = total.Add(inv.Open)
		d.Earlier = d.Earlier || inv.Reminded
		if inv.DueDate.Before(earliestDue) {
			earliestDue = inv.DueDate
		}
		d.Invoices = append(d.Invoices, ReminderInvoice{
			Number: inv.Number, IssueDate: inv.IssueDate.Format(), DueDate: inv.DueDate.Format(),
			Open: inv.Open.String(), Status: dueStatus(inv.DueDate, asOf),
		})
		discount := billing.EarlyPaymentDiscount(inv.Total, inv.Open, inv.DiscountRateBP, inv.DiscountUntil, asOf)
		if discount.Amount > 0 && d.Discount == "" {
			d.Discount = fmt.Sprintf("Pay invoice %s in full by %s and take the early-payment discount of %s.",
				inv.Number, inv.DiscountUntil.Format(), discount)
		}
	}
	d.TotalDue = total.String()

	payBy := asOf.AddDays(payByDays)
	if asOf.Before(earliestDue) || asOf == earliestDue {
		payBy = earliestDue
	}
	d.PayBy = payBy.Format()
	return d
}

// dueStatus describes an invoice's position relative to its due date.
func dueStatus(due, asOf billing.Date) string {
	days := asOf.DaysSince(due)
	switch {
	case days < -1:
		return fmt.Sprintf("due in %d days", -days)
	case days == -1:
		return "due tomorrow"
	case days == 0:
		return "due today"
	case days == 1:
		return "1 day past due"
	}
	return fmt.Sprintf("%d days past due", days)
}

// signature signs for the account owner when the policy sends in the owner's
// name, and for the accounts receivable team otherwise.
func signature(lead Step, c customerInfo, org string) Signature {
	closing := map[string]string{
		ToneCourtesy: "Kind regards,", ToneFriendly: "Thank you,", ToneFirm: "Regards,", ToneFinal: "Sincerely,",
	}[lead.Tone]
	if lead.Sender == SenderOwner && c.OwnerName != "" {
		return Signature{Closing: closing, Name: c.OwnerName, Title: "Account manager", Email: c.OwnerEmail}
	}
	return Signature{Closing: closing, Name: "Accounts Receivable", Title: ""}
}
