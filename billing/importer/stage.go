package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// Kinds of staged rows.
const (
	kindCustomer = "customer"
	kindContact  = "contact"
	kindInvoice  = "invoice" // one invoice line, optionally with a payment and a dispute flag
	kindPayment  = "payment"
)

// stagedRow is one valid record in the common shape every preset produces. Empty
// strings and zero dates are stored as NULL, which means "not given".
type stagedRow struct {
	kind string
	key  string // the external id the row is about: customer, contact e-mail, invoice or payment
	// content is the hash of the fields that must agree between rows with the same
	// kind and key: the whole row, or for invoice lines the invoice's header fields.
	content  uint64
	wholeRow bool // identical repeats of the row are one record, not two

	customerExt, customerName, currency string
	termsNetDays, creditLimit           *int64
	tags                                []string

	contactName, contactEmail string
	contactRoles              []string
	receivesReminders         *bool

	invoiceExt, invoiceNumber, poNumber  string
	issueDate, dueDate                   billing.Date
	lineDescription                      string
	quantityMilli, unitPrice, lineAmount *int64
	tax                                  *int64

	paymentExt, method, reference, paymentInvoiceExt string
	paidOn                                           billing.Date
	paymentAmount                                    *int64
	disputed                                         *bool
	// milliAmounts marks amounts parsed in thousandths of a major unit because the
	// row's currency is the customer's and not known yet; SQL converts them.
	milliAmounts bool
	// paidOnGuessed marks a payment date the file does not state (the import day),
	// which a later import of the same file must not count as a change.
	paidOnGuessed bool
}

// kindRejected marks the place of a record rejected while streaming, so the other
// lines of its invoice can be rejected with it.
const kindRejected = "rejected"

var stageColumns = []string{
	"row_no", "kind", "key", "content_hash", "whole_row",
	"customer_ext", "customer_name", "currency", "terms_net_days", "credit_limit_minor", "tags",
	"contact_name", "contact_email", "contact_roles", "receives_reminders",
	"invoice_ext", "invoice_number", "po_number", "issue_date", "due_date",
	"line_description", "quantity_milli", "unit_price_minor", "line_amount_minor", "tax_minor",
	"payment_ext", "paid_on", "payment_minor", "method", "reference", "payment_invoice_ext", "disputed", "milli_amounts", "paid_on_guessed", "raw",
}

const createStageSQL = `
CREATE TEMP TABLE import_rows (
	row_no bigint NOT NULL, kind text NOT NULL, key text NOT NULL, content_hash bigint NOT NULL, whole_row boolean NOT NULL,
	customer_ext text, customer_name text, currency text, terms_net_days bigint, credit_limit_minor bigint, tags text[],
	contact_name text, contact_email text, contact_roles text[], receives_reminders boolean,
	invoice_ext text, invoice_number text, po_number text, issue_date date, due_date date,
	line_description text, quantity_milli bigint, unit_price_minor bigint, line_amount_minor bigint, tax_minor bigint,
	payment_ext text, paid_on date, payment_minor bigint, method text, reference text, payment_invoice_ext text,
	disputed boolean, milli_amounts boolean NOT NULL, paid_on_guessed boolean NOT NULL, raw text[]
) ON COMMIT DROP`

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullableDate(d billing.Date) any {
	if d.IsZero() {
		return nil
	}
	return d
}

// hashFields returns a 64-bit FNV-1a hash of the fields, separated so that
// ("ab", "c") and ("a", "bc") differ.
func hashFields(fields ...string) uint64 {
	h := fnv.New64a()
	for _, f := range fields {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func ptrString[T any](p *T) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

// stageSource feeds COPY: it reads records, lets the preset check and convert
// them, records problems of rejected records and yields the staged rows.
type stageSource struct {
	r       *run
	csv     *csv.Reader
	line    int64
	pending []stagedRow
	current stagedRow
	rawRow  []string
	err     error
	rejects *csv.Writer
}

func (s *stageSource) Next() bool {
	for len(s.pending) == 0 {
		rec, err := s.csv.Read()
		if errors.Is(err, io.EOF) {
			return false
		}
		line, _ := s.csv.FieldPos(0)
		s.line = int64(line)
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				s.r.report.Rows++
				s.r.report.Rejected++
				s.r.addProblem(int64(perr.StartLine), "", "unreadable CSV record: "+perr.Err.Error())
				continue
			}
			s.err = fmt.Errorf("reading %s: %w", s.r.opts.FileName, err)
			return false
		}
		if s.r.preset.skip(rec) {
			continue
		}
		s.r.report.Rows++
		rows, problems := s.r.preset.parse(rec)
		if len(problems) > 0 {
			s.r.report.Rejected++
			for _, p := range problems {
				s.r.addProblem(s.line, p.Column, p.Reason)
			}
			if err := s.writeReject(rec, problems); err != nil {
				s.err = err
				return false
			}
			key := s.r.preset.invoiceKey(rec)
			if key == "" {
				continue
			}
			rows = []stagedRow{{kind: kindRejected, key: key}}
		}
		s.pending = rows
		if s.r.keepRaw() {
			s.rawRow = append(s.rawRow[:0], rec...)
		}
	}
	s.current = s.pending[0]
	s.pending = s.pending[1:]
	return true
}

func (s *stageSource) writeReject(rec []string, problems []Problem) error {
	if s.rejects == nil {
		return nil
	}
	for _, p := range problems {
		if err := s.rejects.Write(rejectRecord(s.line, p.Column, p.Reason, rec)); err != nil {
			return fmt.Errorf("writing rejects: %w", err)
		}
	}
	return nil
}

func rejectRecord(line int64, column, reason string, rec []string) []string {
	out := []string{strconv.FormatInt(line, 10), billing.SafeCSVCell(column), billing.SafeCSVCell(reason)}
	for _, cell := range rec {
		out = append(out, billing.SafeCSVCell(cell))
	}
	return out
}

func (s *stageSource) Values() ([]any, error) {
	w := s.current
	var raw any
	if s.r.keepRaw() {
		raw = s.rawRow
	}
	return []any{
		s.line, w.kind, w.key, int64(w.content), w.wholeRow,
		nullable(w.customerExt), nullable(w.customerName), nullable(w.currency), w.termsNetDays, w.creditLimit, w.tags,
		nullable(w.contactName), nullable(w.contactEmail), w.contactRoles, w.receivesReminders,
		nullable(w.invoiceExt), nullable(w.invoiceNumber), nullable(w.poNumber), nullableDate(w.issueDate), nullableDate(w.dueDate),
		nullable(w.lineDescription), w.quantityMilli, w.unitPrice, w.lineAmount, w.tax,
		nullable(w.paymentExt), nullableDate(w.paidOn), w.paymentAmount, nullable(w.method), nullable(w.reference),
		nullable(w.paymentInvoiceExt), w.disputed, w.milliAmounts, w.paidOnGuessed, raw,
	}, nil
}

func (s *stageSource) Err() error { return s.err }

// keepRaw reports whether staged rows carry their CSV text, which only the
// rejects file of a --skip-invalid import needs.
func (r *run) keepRaw() bool { return r.opts.SkipInvalid && r.opts.Rejects != nil }

// stage streams the file into the staging table.
func (r *run) stage(ctx context.Context, in io.Reader) error {
	if _, err := r.tx.Exec(ctx, createStageSQL); err != nil {
		return fmt.Errorf("creating staging table: %w", err)
	}
	cr := newCSVReader(&countingReader{r: in, progress: r.opts.Progress})
	header, err := r.preset.readHeader(cr)
	if err != nil {
		return err
	}
	r.header = append([]string(nil), header...)

	src := &stageSource{r: r, csv: cr}
	if r.opts.SkipInvalid && r.opts.Rejects != nil {
		r.rejects = csv.NewWriter(r.opts.Rejects)
		head := append([]string{"row", "column", "reason"}, r.header...)
		if err := r.rejects.Write(head); err != nil {
			return fmt.Errorf("writing rejects: %w", err)
		}
		src.rejects = r.rejects
	}
	if _, err := r.tx.CopyFrom(ctx, pgx.Identifier{"import_rows"}, stageColumns, src); err != nil {
		return fmt.Errorf("staging %s: %w", r.opts.FileName, err)
	}
	if _, err := r.tx.Exec(ctx, `ANALYZE import_rows`); err != nil {
		return fmt.Errorf("indexing staging table: %w", err)
	}
	return nil
}
