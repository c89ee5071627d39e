package importer

import (
	"encoding/csv"
	"strings"

	"github.com/ledgvero/ledgvero/billing"
)

// ledgveroPreset reads Ledgvero's own layout: one CSV file whose "record" column
// names the kind of each row, so customers, contacts, invoices and payments travel
// together. Dates are YYYY-MM-DD and amounts are decimals in major units ("1234.50";
// "1500" for JPY). Cells a record does not use stay empty.
//
//	column              used by                what it holds
//	record              all                    customer, contact, invoice or payment
//	customer_id         all                    the customer's external id (required)
//	customer_name       customer               name (required)
//	currency            customer, invoice      ISO 4217 code (required for customers;
//	                                           invoices default to the customer's)
//	terms_days          customer               net payment days (default 30)
//	credit_limit        customer               credit limit, empty for none
//	tags                customer               tags separated by ";"
//	contact_email       contact                e-mail address (required; the key with customer_id)
//	contact_name        contact                the person's name
//	contact_roles       contact                roles separated by ";" (default billing)
//	receives_reminders  contact                yes or no (default yes)
//	invoice_id          invoice, payment       the invoice's external id (required for invoices;
//	                                           optional for payments: the invoice it pays)
//	invoice_number      invoice                the number shown to the customer (default invoice_id)
//	po_number           invoice                the buyer's purchase order
//	issue_date          invoice                issue date (required)
//	due_date            invoice                due date (default issue date plus the customer's terms)
//	description         invoice                line text (default "Invoice" and the number)
//	quantity            invoice                line quantity, up to 3 decimals (default 1)
//	amount              invoice, payment       unit price of the line; the payment's amount (required)
//	tax                 invoice                tax of the line (default 0)
//	payment_id          payment                the payment's external id (required)
//	payment_date        payment                the day it was received (required)
//	method              payment                card, ach, wire, check, cash or other (default other)
//	reference           payment                free text such as a check number
//
// Rows with the same invoice_id are the lines of one invoice and must agree on its
// customer, number, PO number, dates and currency. A payment with invoice_id pays
// that invoice and any excess becomes customer credit; one without is applied to
// the customer's open invoices oldest first. Customers in the file, or already in
// Ledgvero, may be referenced by the other records.
type ledgveroPreset struct {
	cols columns
}

func (p *ledgveroPreset) readHeader(cr *csv.Reader) ([]string, error) {
	header, cols, err := readFirstHeader(cr, "ledgvero", "record", "customer_id")
	p.cols = cols
	return header, err
}

func (p *ledgveroPreset) skip(rec []string) bool { return blankRecord(rec) }

func (p *ledgveroPreset) names() columnNames {
	return columnNames{customer: "customer_id", invoice: "invoice_id", payment: "payment_id", currency: "currency"}
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func (p *ledgveroPreset) parse(rec []string) ([]stagedRow, []Problem) {
	var c rowCheck
	cols := p.cols
	record := strings.ToLower(cols.get(rec, "record"))
	customer := c.required(cols, rec, "customer_id")
	var row stagedRow
	switch record {
	case kindCustomer:
		row = p.customer(&c, rec, customer)
	case kindContact:
		row = p.contact(&c, rec, customer)
	case kindInvoice:
		row = p.invoice(&c, rec, customer)
	case kindPayment:
		row = p.payment(&c, rec, customer)
	default:
		c.fail("record", "invalid record type "+quote(record)+": use customer, contact, invoice or payment")
	}
	if len(c.problems) > 0 {
		return nil, c.problems
	}
	row.customerExt = customer
	return []stagedRow{row}, nil
}

func quote(s string) string { return `"` + s + `"` }

func (p *ledgveroPreset) customer(c *rowCheck, rec []string, ext string) stagedRow {
	cols := p.cols
	name := c.required(cols, rec, "customer_name")
	currency := c.currency(c.required(cols, rec, "currency"), "currency", "")
	terms := c.integer(cols.get(rec, "terms_days"), "terms_days")
	if terms == nil {
		terms = ptr(int64(30))
	}
	limit := c.money(cols.get(rec, "credit_limit"), "credit_limit", currency)
	tags := splitList(cols.get(rec, "tags"))
	if tags == nil {
		tags = []string{}
	}
	return stagedRow{
		kind: kindCustomer, key: ext, wholeRow: true, customerName: name, currency: currency,
		termsNetDays: terms, creditLimit: limit, tags: tags,
		content: hashFields(name, currency, ptrString(terms), ptrString(limit), strings.Join(tags, ";")),
	}
}

func (p *ledgveroPreset) contact(c *rowCheck, rec []string, customer string) stagedRow {
	cols := p.cols
	email := c.required(cols, rec, "contact_email")
	if email != "" && !strings.Contains(email, "@") {
		c.fail("contact_email", "invalid e-mail address "+quote(email)+": expected an address such as ap@example.com")
	}
	roles := splitList(cols.get(rec, "contact_roles"))
	if roles == nil {
		roles = []string{"billing"}
	}
	reminders := ptr(true)
	if v := cols.get(rec, "receives_reminders"); v != "" {
		reminders = c.yesNo(v, "receives_reminders")
	}
	name := cols.get(rec, "contact_name")
	return stagedRow{
		kind: kindContact, key: customer + "|" + strings.ToLower(email), wholeRow: true,
		contactName: name, contactEmail: email, contactRoles: roles, receivesReminders: reminders,
		content: hashFields(name, strings.ToLower(email), strings.Join(roles, ";"), ptrString(reminders)),
	}
}

func (p *ledgveroPreset) invoice(c *rowCheck, rec []string, customer string) stagedRow {
	cols := p.cols
	ext := c.required(cols, rec, "invoice_id")
	number := cols.get(rec, "invoice_number")
	if number == "" {
		number = ext
	}
	issue := c.date(c.required(cols, rec, "issue_date"), "issue_date", layoutISO)
	due := c.date(cols.get(rec, "due_date"), "due_date", layoutISO)
	c.checkDue(issue, due, "due_date")
	// An empty currency means the customer's, which only the database knows. Such
	// amounts are parsed in thousandths, and a later SQL step checks them against
	// the decimals of the customer's currency.
	currency := strings.ToUpper(cols.get(rec, "currency"))
	parseAs := currency
	if currency == "" {
		parseAs = "BHD" // three decimals: the most any currency has; checked again per customer
	} else if !billing.ValidCurrency(currency) {
		c.fail("currency", "unknown currency "+quote(currency)+": use an ISO 4217 code such as USD")
	}
	qty := c.quantity(cols.get(rec, "quantity"), "quantity")
	unit := c.money(c.required(cols, rec, "amount"), "amount", parseAs)
	tax := c.money(cols.get(rec, "tax"), "tax", parseAs)
	if tax == nil {
		tax = ptr(int64(0))
	}
	description := cols.get(rec, "description")
	if description == "" {
		description = "Invoice " + number
	}
	po := cols.get(rec, "po_number")
	row := stagedRow{
		kind: kindInvoice, key: ext, currency: currency, milliAmounts: currency == "",
		invoiceExt: ext, invoiceNumber: number, poNumber: po, issueDate: issue, dueDate: due,
		lineDescription: description, quantityMilli: &qty, unitPrice: unit, tax: tax,
		content: hashFields(customer, number, po, issue.String(), due.String(), currency),
	}
	if unit != nil && currency != "" {
		row.lineAmount = ptr(lineAmount(qty, *unit, currency, 0))
	}
	return row
}

func (p *ledgveroPreset) payment(c *rowCheck, rec []string, customer string) stagedRow {
	cols := p.cols
	ext := c.required(cols, rec, "payment_id")
	paid := c.date(c.required(cols, rec, "payment_date"), "payment_date", layoutISO)
	amount := c.money(c.required(cols, rec, "amount"), "amount", "BHD")
	if amount != nil && *amount == 0 {
		c.fail("amount", "a payment amount must be more than zero")
	}
	method := strings.ToLower(cols.get(rec, "method"))
	if method == "" {
		method = billing.MethodOther
	}
	if !billing.ValidMethod(method) {
		c.fail("method", "invalid method "+quote(method)+": use card, ach, wire, check, cash or other")
	}
	invoice := cols.get(rec, "invoice_id")
	reference := cols.get(rec, "reference")
	return stagedRow{
		kind: kindPayment, key: ext, wholeRow: true, milliAmounts: true, paymentExt: ext, paidOn: paid, paymentAmount: amount,
		method: method, reference: reference, paymentInvoiceExt: invoice,
		content: hashFields(customer, paid.String(), ptrString(amount), method, reference, invoice),
	}
}

func (p *ledgveroPreset) invoiceKey(rec []string) string {
	if strings.EqualFold(p.cols.get(rec, "record"), kindInvoice) {
		return p.cols.get(rec, "invoice_id")
	}
	return ""
}

func (p *ledgveroPreset) numberMayDiffer() bool { return true }
