// Package invoicepdf renders an invoice as a PDF with fpdf's core fonts, for the
// e-mail that delivers the invoice and for any page that offers it as a download.
package invoicepdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// Line is one invoice line as printed.
type Line struct {
	Description string
	Quantity    string
	UnitPrice   billing.Money
	Amount      billing.Money
}

// Document is everything the PDF shows.
type Document struct {
	Seller        string
	SellerAddress string
	RemitTo       string // the address that checks are mailed to
	BankDetails   string // the seller's bank account for wires
	Customer      string
	Number        string
	PONumber      string
	IssueDate     billing.Date
	DueDate       billing.Date
	Lines         []Line
	Subtotal      billing.Money
	Tax           billing.Money
	Total         billing.Money
	Open          billing.Money // the balance still owed; printed when it differs from Total
	Terms         []string      // payment terms, discount and late-fee rules in words
}

// Load reads an invoice with its lines, customer and the seller's details.
// terms are the sentences printed under the totals.
func Load(ctx context.Context, db billing.DB, invoiceID int64, terms []string) (Document, error) {
	var d Document
	var currency string
	err := db.QueryRow(ctx, `
		SELECT coalesce((SELECT name FROM organization), ''), coalesce((SELECT address FROM organization), ''),
			coalesce((SELECT remit_to FROM organization), ''), coalesce((SELECT bank_details FROM organization), ''),
			c.name, i.number, i.po_number, i.issue_date, i.due_date, i.currency, i.subtotal_minor, i.tax_minor, i.total_minor,
			i.open_minor
		FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.id = $1`, invoiceID).Scan(
		&d.Seller, &d.SellerAddress, &d.RemitTo, &d.BankDetails, &d.Customer, &d.Number, &d.PONumber, &d.IssueDate,
		&d.DueDate, &currency, &d.Subtotal.Amount, &d.Tax.Amount, &d.Total.Amount, &d.Open.Amount)
	if err != nil {
		return Document{}, fmt.Errorf("loading invoice %d: %w", invoiceID, noRows(err))
	}
	d.Subtotal.Currency, d.Tax.Currency, d.Total.Currency, d.Open.Currency = currency, currency, currency, currency
	d.Terms = terms

	rows, err := db.Query(ctx, `
		SELECT description, quantity_milli, unit_price_minor, amount_minor FROM invoice_lines
		WHERE invoice_id = $1 ORDER BY position`, invoiceID)
	if err != nil {
		return Document{}, fmt.Errorf("loading lines of invoice %d: %w", invoiceID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var l Line
		var qty int64
		if err := rows.Scan(&l.Description, &qty, &l.UnitPrice.Amount, &l.Amount.Amount); err != nil {
			return Document{}, fmt.Errorf("scanning invoice line: %w", err)
		}
		l.UnitPrice.Currency, l.Amount.Currency = currency, currency
		l.Quantity = formatQuantity(qty)
		d.Lines = append(d.Lines, l)
	}
	return d, rows.Err()
}

// formatQuantity prints thousandths without trailing zeros: 1500 is "1.5".
func formatQuantity(milli int64) string {
	s := fmt.Sprintf("%d.%03d", milli/1000, milli%1000)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// Render returns the PDF bytes. created is the document's creation time, so the
// same invoice and time give the same bytes.
func Render(d Document, created time.Time) ([]byte, error) {
	f := fpdf.New("P", "mm", "Letter", "")
	f.SetTitle("Invoice "+d.Number, true)
	f.SetCreator("Ledgvero", true)
	f.SetCreationDate(created)
	// fpdf stamps the current time and writes fonts in map order unless told
	// otherwise. Either would make two renders of one invoice differ.
	f.SetModificationDate(created)
	f.SetCatalogSort(true)
	f.SetMargins(15, 15, 15)
	f.SetAutoPageBreak(true, 15)
	f.AddPage()
	// The core fonts cover Windows code page 1252; other characters print as '?'.
	tr := f.UnicodeTranslatorFromDescriptor("")
	text := func(size float64, style, s string) {
		f.SetFont("Helvetica", style, size)
		f.MultiCell(0, 5, tr(s), "", "L", false)
	}

	f.SetFont("Helvetica", "B", 16)
	f.CellFormat(0, 10, tr("Invoice "+d.Number), "", 1, "L", false, 0, "")
	text(10, "B", d.Seller)
	if d.SellerAddress != "" {
		text(9, "", d.SellerAddress)
	}
	f.Ln(4)
	text(10, "", "Bill to: "+d.Customer)
	text(10, "", fmt.Sprintf("Issued %s, due %s", d.IssueDate.Format(), d.DueDate.Format()))
	if d.PONumber != "" {
		text(10, "", "PO number: "+d.PONumber)
	}
	f.Ln(4)

	widths := []float64{96, 24, 30, 30}
	row := func(header bool, cells ...string) {
		style := ""
		if header {
			style = "B"
		}
		f.SetFont("Helvetica", style, 9)
		for i, cell := range cells {
			align := "L"
			if i > 0 {
				align = "R"
			}
			f.CellFormat(widths[i], 6, tr(cell), "B", 0, align, false, 0, "")
		}
		f.Ln(-1)
	}
	row(true, "Description", "Quantity", "Unit price", "Amount")
	for _, l := range d.Lines {
		row(false, l.Description, l.Quantity, l.UnitPrice.String(), l.Amount.String())
	}
	f.Ln(2)
	text(10, "", "Subtotal: "+d.Subtotal.String())
	if d.Tax.Amount != 0 {
		text(10, "", "Tax: "+d.Tax.String())
	}
	if d.Open.Currency != "" && d.Open != d.Total {
		text(10, "", "Total: "+d.Total.String())
		text(11, "B", "Open balance: "+d.Open.String())
	} else {
		text(11, "B", "Total due: "+d.Total.String())
	}
	f.Ln(4)
	for _, t := range d.Terms {
		text(9, "", t)
	}
	if d.RemitTo != "" {
		f.Ln(2)
		text(9, "B", "Remit to")
		text(9, "", d.RemitTo)
	}
	if d.BankDetails != "" {
		f.Ln(2)
		text(9, "B", "Bank details for wires")
		text(9, "", d.BankDetails)
	}

	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("writing PDF of invoice %s: %w", d.Number, err)
	}
	return buf.Bytes(), nil
}

func noRows(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return billing.ErrNotFound
	}
	return err
}
