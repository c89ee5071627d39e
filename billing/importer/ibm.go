package importer

import (
	"encoding/csv"

	"github.com/ledgvero/ledgvero/billing"
)

// ibmPreset reads IBM's "Accounts Receivable" sample layout (Watson Analytics
// samples): one row per invoice with the columns countryCode, customerID,
// PaperlessDate, invoiceNumber, InvoiceDate, DueDate, InvoiceAmount, Disputed,
// SettledDate, PaperlessBill, DaysToSettle and DaysLate. Dates are M/D/YYYY and
// amounts are US dollars.
//
// Each row becomes an invoice numbered invoiceNumber (kept as text, so leading
// zeros stay) for the customer customerID, created when missing; a row with a
// SettledDate also becomes a payment of the whole amount on that date; a row with
// Disputed=Yes also becomes a resolved dispute, opened on the issue date and
// resolved on the settled date (the due date when unsettled). countryCode,
// PaperlessDate, PaperlessBill, DaysToSettle and DaysLate are derived or
// descriptive and not stored. External ids are "ibm-ar:" plus the invoice number
// for invoices and disputes, and "ibm-ar:payment:" plus the number for payments.
type ibmPreset struct {
	cols columns
}

var ibmRequired = []string{"customerID", "invoiceNumber", "InvoiceDate", "DueDate", "InvoiceAmount"}

func (p *ibmPreset) readHeader(cr *csv.Reader) ([]string, error) {
	header, cols, err := readFirstHeader(cr, "ibm-ar", ibmRequired...)
	p.cols = cols
	return header, err
}

func (p *ibmPreset) skip(rec []string) bool { return blankRecord(rec) }

func (p *ibmPreset) names() columnNames {
	return columnNames{customer: "customerID", invoice: "invoiceNumber", payment: "SettledDate", currency: "InvoiceAmount"}
}

func (p *ibmPreset) parse(rec []string) ([]stagedRow, []Problem) {
	var c rowCheck
	cols := p.cols
	customer := c.required(cols, rec, "customerID")
	number := c.required(cols, rec, "invoiceNumber")
	issue := c.date(c.required(cols, rec, "InvoiceDate"), "InvoiceDate", layoutMDY)
	due := c.date(c.required(cols, rec, "DueDate"), "DueDate", layoutMDY)
	amount := c.money(c.required(cols, rec, "InvoiceAmount"), "InvoiceAmount", "USD")
	disputed := c.yesNo(cols.get(rec, "Disputed"), "Disputed")
	settled := c.date(cols.get(rec, "SettledDate"), "SettledDate", layoutMDY)
	c.checkDue(issue, due, "DueDate")
	if !settled.IsZero() && !issue.IsZero() && settled.Before(issue) {
		c.fail("SettledDate", "settled date "+settled.String()+" is before the invoice date "+issue.String())
	}
	if len(c.problems) > 0 {
		return nil, c.problems
	}

	ext := "ibm-ar:" + number
	row := stagedRow{
		kind: kindInvoice, key: ext, wholeRow: true,
		customerExt: customer, customerName: customer, currency: "USD",
		invoiceExt: ext, invoiceNumber: number, issueDate: issue, dueDate: due,
		lineDescription: "Invoice " + number, quantityMilli: ptr(int64(1000)), unitPrice: amount, lineAmount: amount,
		tax: ptr(int64(0)), disputed: disputed,
	}
	if !settled.IsZero() && *amount > 0 {
		row.paymentExt = "ibm-ar:payment:" + number
		row.paidOn = settled
		row.paymentAmount = amount
		row.method = billing.MethodOther
		row.paymentInvoiceExt = ext
	}
	row.content = hashFields(customer, number, issue.String(), due.String(), ptrString(amount), settled.String(), ptrString(disputed))
	return []stagedRow{row}, nil
}

func (p *ibmPreset) invoiceKey(rec []string) string {
	if n := p.cols.get(rec, "invoiceNumber"); n != "" {
		return "ibm-ar:" + n
	}
	return ""
}

func (p *ibmPreset) numberMayDiffer() bool { return false }
