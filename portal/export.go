package portal

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/invoicepdf"
)

// csvCell makes text safe for a spreadsheet: a cell starting with '=', '+', '-'
// or '@' (after any leading blanks) gets a leading quote so it is shown as text
// instead of run as a formula. Amounts are written with Money.Decimal and skip it.
func csvCell(s string) string {
	trimmed := strings.TrimLeft(s, " \t\r\n")
	if trimmed != "" && strings.ContainsRune("=+-@", rune(trimmed[0])) {
		return "'" + s
	}
	return s
}

func (h *Handler) statementCSV(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	ds, err := h.loadStatement(c, d.CustomerID)
	if err != nil {
		return err
	}

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"invoice", "issue_date", "due_date", "currency", "amount", "open", "days_overdue", "status"})
	for i, l := range ds.OpenItems {
		days := ""
		if l.DaysOverdue > 0 {
			days = fmt.Sprint(l.DaysOverdue)
		}
		_ = w.Write([]string{
			csvCell(l.Number), l.IssueDate.String(), l.DueDate.String(), l.Total.Currency,
			l.Total.Decimal(), l.Open.Decimal(), days, csvCell(ds.Rows[i].Status),
		})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("writing statement CSV: %w", err)
	}
	return download(c, "text/csv; charset=utf-8", fmt.Sprintf("statement-%s.csv", ds.AsOf), buf.Bytes())
}

func (h *Handler) statementPDF(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	ds, err := h.loadStatement(c, d.CustomerID)
	if err != nil {
		return err
	}

	org, err := h.organization(c)
	if err != nil {
		return err
	}

	doc := newPDF(fmt.Sprintf("Statement for %s", ds.Name), h.Now())
	doc.heading(fmt.Sprintf("Statement for %s", ds.Name))
	doc.seller(org)
	doc.text(fmt.Sprintf("As of %s", ds.AsOf.Format()))
	doc.text(fmt.Sprintf("Total due: %s    Overdue: %s", ds.TotalDue, ds.Overdue))
	if ds.Credit.Amount > 0 {
		doc.text(fmt.Sprintf("Your credit: %s    Balance after credit: %s", ds.Credit, ds.Balance))
	}
	doc.gap()
	widths := []float64{32, 26, 26, 30, 30, 18, 28}
	doc.row(widths, true, "Invoice", "Issued", "Due", "Amount", "Open", "Days late", "Status")
	for i, l := range ds.OpenItems {
		days := ""
		if l.DaysOverdue > 0 {
			days = fmt.Sprint(l.DaysOverdue)
		}
		doc.row(widths, false, l.Number, l.IssueDate.Format(), l.DueDate.Format(), l.Total.String(), l.Open.String(),
			days, ds.Rows[i].Status)
	}
	if len(ds.OpenItems) == 0 {
		doc.text("Nothing is due. Thank you!")
	}
	doc.payTo(org)
	out, err := doc.bytes()
	if err != nil {
		return err
	}
	return download(c, "application/pdf", fmt.Sprintf("statement-%s.pdf", ds.AsOf), out)
}

// invoicePDF sends the same PDF as the invoice e-mail, with the terms as of
// today and the open balance.
func (h *Handler) invoicePDF(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	inv, err := h.invoiceDetail(c, d)
	if err != nil {
		return err
	}

	today := billing.Today(h.Now(), h.Timezone)
	terms := termsInWords(inv.Terms, inv.Total, inv.Open, today)
	doc, err := invoicepdf.Load(c.Request().Context(), h.Pool, inv.ID, terms)
	if err != nil {
		return err
	}
	out, err := invoicepdf.Render(doc, h.Now())
	if err != nil {
		return err
	}
	return download(c, "application/pdf", fmt.Sprintf("invoice-%s.pdf", safeFilename(inv.Number)), out)
}

func download(c echo.Context, contentType, filename string, body []byte) error {
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", filename))
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, contentType, body)
}

func safeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// pdfDoc is a plain US Letter document with core fonts. The core fonts cover Windows
// code page 1252, so text is translated to it; characters outside it print as '?'.
type pdfDoc struct {
	f  *fpdf.Fpdf
	tr func(string) string
}

func newPDF(title string, now time.Time) *pdfDoc {
	f := fpdf.New("P", "mm", "Letter", "")
	f.SetTitle(title, true)
	f.SetCreator("Ledgvero", true)
	f.SetCreationDate(now)
	f.SetModificationDate(now)
	f.SetCatalogSort(true)
	f.SetMargins(15, 15, 15)
	f.SetAutoPageBreak(true, 15)
	f.AddPage()
	return &pdfDoc{f: f, tr: f.UnicodeTranslatorFromDescriptor("")}
}

func (d *pdfDoc) heading(s string) {
	d.f.SetFont("Helvetica", "B", 16)
	d.f.CellFormat(0, 10, d.tr(s), "", 1, "L", false, 0, "")
}

func (d *pdfDoc) text(s string) {
	d.f.SetFont("Helvetica", "", 10)
	d.f.MultiCell(0, 5, d.tr(s), "", "L", false)
}

// seller prints who is billing: the seller's name and address.
func (d *pdfDoc) seller(org billing.Organization) {
	if org.Name != "" {
		d.f.SetFont("Helvetica", "B", 10)
		d.f.MultiCell(0, 5, d.tr(org.Name), "", "L", false)
	}
	if org.Address != "" {
		d.f.SetFont("Helvetica", "", 9)
		d.f.MultiCell(0, 5, d.tr(org.Address), "", "L", false)
	}
	d.gap()
}

// payTo prints where to send the money: the remit-to address for checks and the
// bank details for wires.
func (d *pdfDoc) payTo(org billing.Organization) {
	for _, part := range []struct{ title, body string }{
		{"Remit to", org.RemitTo},
		{"Bank details for wires", org.BankDetails},
	} {
		if part.body == "" {
			continue
		}
		d.gap()
		d.f.SetFont("Helvetica", "B", 9)
		d.f.MultiCell(0, 5, d.tr(part.title), "", "L", false)
		d.f.SetFont("Helvetica", "", 9)
		d.f.MultiCell(0, 5, d.tr(part.body), "", "L", false)
	}
}

func (d *pdfDoc) gap() { d.f.Ln(4) }

func (d *pdfDoc) row(widths []float64, header bool, cells ...string) {
	style := ""
	if header {
		style = "B"
	}
	d.f.SetFont("Helvetica", style, 9)
	for i, cell := range cells {
		align := "L"
		if !header && strings.ContainsAny(cell, "0123456789") && (strings.ContainsAny(cell, "$€£¥") || strings.Contains(cell, ".")) {
			align = "R"
		}
		d.f.CellFormat(widths[i], 6, d.tr(cell), "B", 0, align, false, 0, "")
	}
	d.f.Ln(-1)
}

func (d *pdfDoc) bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := d.f.Output(&buf); err != nil {
		return nil, fmt.Errorf("writing PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// organization returns the seller's details, or empty details before the
// organization is set up, so the downloads work on a fresh install.
func (h *Handler) organization(c echo.Context) (billing.Organization, error) {
	org, err := billing.LoadOrganization(c.Request().Context(), h.Pool)
	if errors.Is(err, billing.ErrNotFound) {
		return billing.Organization{}, nil
	}
	if err != nil {
		return billing.Organization{}, fmt.Errorf("loading the seller's details: %w", err)
	}
	return org, nil
}
