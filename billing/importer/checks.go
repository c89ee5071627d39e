package importer

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// rowCheckSQL is one check across staged rows. Its query returns the line, a
// column key (customer, invoice, payment, currency, due or a literal header name
// prefixed with "=") and the reason of each invalid row.
type rowCheckSQL struct {
	name  string
	query string
}

// prepareSQL builds the lookup tables the checks and the writes share: the
// currencies and, for every customer the file names, its currency in the file and
// in the database.
const prepareSQL = `
CREATE TEMP TABLE import_currencies (code text PRIMARY KEY, digits int NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE import_problems (row_no bigint NOT NULL, column_key text NOT NULL, reason text NOT NULL) ON COMMIT DROP;
`

const customersSQL = `
CREATE TEMP TABLE import_customers ON COMMIT DROP AS
WITH picks AS (
	-- The row that defines each customer: its first customer record, else the
	-- first row that names it, else its first row. Hashing finds it; sorting
	-- a million rows by customer took seconds.
	SELECT customer_ext AS ext, coalesce(min(row_no) FILTER (WHERE kind = 'customer'),
		min(row_no) FILTER (WHERE customer_name IS NOT NULL), min(row_no)) AS pick_row
	FROM import_rows WHERE customer_ext IS NOT NULL AND kind <> 'rejected'
	GROUP BY customer_ext
)
SELECT f.ext, f.defines, f.file_currency, f.terms_net_days, f.pick_row, c.id AS customer_id, c.currency AS db_currency,
	c.terms_net_days AS db_terms
FROM (
	-- One line of the file can stage several rows (an invoice line and its
	-- contact), so the picked line may hold more than one row of the customer.
	SELECT DISTINCT ON (r.customer_ext) r.customer_ext AS ext, r.row_no AS pick_row,
		(r.kind = 'customer' OR r.customer_name IS NOT NULL) AS defines,
		CASE WHEN r.kind = 'customer' OR r.customer_name IS NOT NULL THEN r.currency END AS file_currency,
		CASE WHEN r.kind = 'customer' THEN r.terms_net_days END AS terms_net_days
	FROM import_rows r JOIN picks p ON p.ext = r.customer_ext AND p.pick_row = r.row_no
	WHERE r.kind <> 'rejected'
	ORDER BY r.customer_ext, (r.kind = 'customer' OR r.customer_name IS NOT NULL) DESC, (r.kind = 'customer') DESC
) f LEFT JOIN customers c ON c.external_id = f.ext;
ANALYZE import_customers`

var acrossRowChecks = []rowCheckSQL{
	{"conflicting content", `
		SELECT r.row_no, r.kind,
			format('%s %s appears on rows %s with different content', r.kind,
				CASE WHEN r.kind = 'contact' THEN split_part(r.key, '|', 2) ELSE r.key END,
				array_to_string(g.first_rows, ', ') || CASE WHEN g.n > 5 THEN ', ...' ELSE '' END)
		FROM import_rows r JOIN (
			-- Finding the keys with two contents hashes the rows; listing
			-- their first rows in order sorts only the rows of those keys.
			SELECT x.kind, x.key, count(*) AS n, (array_agg(x.row_no ORDER BY x.row_no))[1:5] AS first_rows
			FROM import_rows x JOIN (
				SELECT kind, key FROM import_rows WHERE kind <> 'rejected'
				GROUP BY kind, key HAVING min(content_hash) <> max(content_hash)
			) bad ON bad.kind = x.kind AND bad.key = x.key
			GROUP BY x.kind, x.key
		) g ON g.kind = r.kind AND g.key = r.key`},
	{"unknown customer", `
		SELECT r.row_no, 'customer', format('unknown customer %s: add a customer record for it or create the customer first', r.customer_ext)
		FROM import_rows r JOIN import_customers c ON c.ext = r.customer_ext
		WHERE NOT c.defines AND c.customer_id IS NULL`},
	{"customer currency change", `
		SELECT r.row_no, 'currency', format('customer %s exists with currency %s, which cannot change to %s', r.customer_ext, c.db_currency, r.currency)
		FROM import_rows r JOIN import_customers c ON c.ext = r.customer_ext
		WHERE r.kind = 'customer' AND c.db_currency IS NOT NULL AND c.db_currency <> r.currency`},
	{"invoice currency", `
		SELECT r.row_no, 'currency', format('currency %s differs from the currency %s of customer %s', r.currency,
			coalesce(c.db_currency, c.file_currency), r.customer_ext)
		FROM import_rows r JOIN import_customers c ON c.ext = r.customer_ext
		WHERE r.kind IN ('invoice', 'payment') AND r.currency IS NOT NULL
			AND r.currency <> coalesce(c.db_currency, c.file_currency)`},
	{"decimals", `
		SELECT r.row_no, 'amount', format('amount has more decimals than %s allows (%s)', cur.code, cur.digits)
		FROM import_rows r JOIN import_customers c ON c.ext = r.customer_ext
			JOIN import_currencies cur ON cur.code = coalesce(r.currency, c.db_currency, c.file_currency)
		WHERE r.milli_amounts AND (
			r.unit_price_minor % (10 ^ (3 - cur.digits))::bigint <> 0
			OR r.tax_minor % (10 ^ (3 - cur.digits))::bigint <> 0
			OR r.payment_minor % (10 ^ (3 - cur.digits))::bigint <> 0)`},
	{"invoice number taken", `
		SELECT r.row_no, 'invoice', format('invoice number %s is already used by another invoice (external id %s)',
			r.invoice_number, coalesce(i.external_id, 'none'))
		FROM import_rows r JOIN invoices i ON i.number = r.invoice_number
		WHERE r.kind = 'invoice' AND i.external_id IS DISTINCT FROM r.invoice_ext`},
	{"invoice number twice", `
		SELECT r.row_no, 'invoice', format('invoice number %s is used by %s different invoices in the file', r.invoice_number, g.n)
		FROM import_rows r JOIN (
			SELECT invoice_number, count(DISTINCT invoice_ext) AS n FROM import_rows WHERE kind = 'invoice'
			GROUP BY invoice_number HAVING count(DISTINCT invoice_ext) > 1
		) g USING (invoice_number)
		WHERE r.kind = 'invoice'`},
	{"invoice of another customer", `
		SELECT r.row_no, 'customer', format('invoice %s belongs to customer %s; moving an invoice to another customer is not supported',
			r.invoice_ext, c.external_id)
		FROM import_rows r JOIN invoices i ON i.external_id = r.invoice_ext JOIN customers c ON c.id = i.customer_id
		WHERE r.kind = 'invoice' AND c.external_id IS DISTINCT FROM r.customer_ext`},
	{"payment of another customer", `
		SELECT r.row_no, 'payment', format('payment %s belongs to customer %s', r.payment_ext, c.external_id)
		FROM import_rows r JOIN payments p ON p.external_id = r.payment_ext JOIN customers c ON c.id = p.customer_id
		WHERE r.payment_ext IS NOT NULL AND c.external_id IS DISTINCT FROM r.customer_ext`},
	{"payment target", `
		SELECT r.row_no, 'invoice', format('payment %s: invoice %s is not an invoice of customer %s', r.payment_ext,
			r.payment_invoice_ext, r.customer_ext)
		FROM import_rows r
		WHERE r.payment_ext IS NOT NULL AND r.payment_invoice_ext IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM import_rows f WHERE f.kind = 'invoice' AND f.key = r.payment_invoice_ext
				AND f.customer_ext = r.customer_ext)
			AND NOT EXISTS (SELECT 1 FROM invoices i JOIN customers c ON c.id = i.customer_id
				WHERE i.external_id = r.payment_invoice_ext AND c.external_id = r.customer_ext)`},
}

// siblingsSQL rejects every row of an invoice with a rejected row, and payments
// aimed at a rejected invoice, so no invoice is imported with lines missing.
const siblingsSQL = `
INSERT INTO import_problems (row_no, column_key, reason)
SELECT r.row_no, 'invoice', format('another row of invoice %s is invalid', r.key)
FROM import_rows r
WHERE r.kind = 'invoice'
	AND r.row_no NOT IN (SELECT row_no FROM import_problems)
	AND r.key IN (SELECT x.key FROM import_rows x WHERE x.kind IN ('invoice', 'rejected')
		AND (x.kind = 'rejected' OR x.row_no IN (SELECT row_no FROM import_problems)))
UNION ALL
SELECT r.row_no, 'invoice', format('invoice %s is rejected', r.payment_invoice_ext)
FROM import_rows r
WHERE r.kind = 'payment' AND r.row_no NOT IN (SELECT row_no FROM import_problems)
	AND r.payment_invoice_ext IN (SELECT x.key FROM import_rows x WHERE x.kind IN ('invoice', 'rejected')
		AND (x.kind = 'rejected' OR x.row_no IN (SELECT row_no FROM import_problems)))`

// checkAcrossRows runs the checks that need more than one row or the database,
// records their problems and, with SkipInvalid, removes the invalid rows. Removing
// rows can make others invalid (a payment of a removed invoice), so it repeats
// until nothing changes.
func (r *run) checkAcrossRows(ctx context.Context) error {
	if _, err := r.tx.Exec(ctx, prepareSQL); err != nil {
		return fmt.Errorf("preparing checks: %w", err)
	}
	currencies := billing.Currencies()
	rows := make([][]any, 0, len(currencies))
	for code, digits := range currencies {
		rows = append(rows, []any{code, digits})
	}
	if _, err := r.tx.CopyFrom(ctx, pgx.Identifier{"import_currencies"}, []string{"code", "digits"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("loading currencies: %w", err)
	}

	for round := 0; ; round++ {
		if _, err := r.tx.Exec(ctx, `DROP TABLE IF EXISTS import_customers`); err != nil {
			return fmt.Errorf("preparing checks: %w", err)
		}
		if _, err := r.tx.Exec(ctx, customersSQL); err != nil {
			return fmt.Errorf("collecting customers: %w", err)
		}
		for _, c := range acrossRowChecks {
			if c.name == "invoice number twice" && !r.preset.numberMayDiffer() {
				continue
			}
			traceStart := time.Now()
			if _, err := r.tx.Exec(ctx, `INSERT INTO import_problems (row_no, column_key, reason) `+c.query); err != nil {
				return fmt.Errorf("checking %s: %w", c.name, err)
			}
			r.trace("check "+c.name, traceStart)
		}
		if _, err := r.tx.Exec(ctx, siblingsSQL); err != nil {
			return fmt.Errorf("checking invoice rows: %w", err)
		}
		found, err := r.collectProblems(ctx)
		if err != nil {
			return err
		}
		if found == 0 || !r.opts.SkipInvalid {
			break
		}
		if err := r.dropInvalid(ctx); err != nil {
			return err
		}
	}
	if !r.opts.SkipInvalid && r.report.Rejected > 0 {
		return nil
	}
	if _, err := r.tx.Exec(ctx, `DELETE FROM import_rows WHERE kind = 'rejected'`); err != nil {
		return fmt.Errorf("dropping rejected rows: %w", err)
	}
	return r.normalize(ctx)
}

// collectProblems moves the problems of this round into the report and the
// rejects file and returns how many rows they reject.
func (r *run) collectProblems(ctx context.Context) (int64, error) {
	rows, err := r.tx.Query(ctx, `
		SELECT p.row_no, p.column_key, p.reason, (SELECT raw FROM import_rows x WHERE x.row_no = p.row_no LIMIT 1)
		FROM import_problems p ORDER BY p.row_no, p.column_key, p.reason`)
	if err != nil {
		return 0, fmt.Errorf("reading problems: %w", err)
	}
	defer rows.Close()

	names := r.preset.names()
	var count int64
	last := int64(-1)
	for rows.Next() {
		var row int64
		var key, reason string
		var raw []string
		if err := rows.Scan(&row, &key, &reason, &raw); err != nil {
			return 0, fmt.Errorf("reading problems: %w", err)
		}
		column := columnOf(names, key)
		r.addProblem(row, column, reason)
		if row != last {
			count++
			last = row
		}
		if r.rejects != nil {
			if err := r.rejects.Write(rejectRecord(row, column, reason, raw)); err != nil {
				return 0, fmt.Errorf("writing rejects: %w", err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	r.report.Rejected += count
	if r.rejects != nil {
		r.rejects.Flush()
		if err := r.rejects.Error(); err != nil {
			return 0, fmt.Errorf("writing rejects: %w", err)
		}
	}
	return count, nil
}

func columnOf(n columnNames, key string) string {
	switch key {
	case "customer":
		return n.customer
	case "invoice":
		return n.invoice
	case "payment":
		if n.payment != "" {
			return n.payment
		}
		return n.invoice
	case "currency":
		return n.currency
	case "contact":
		return "contact"
	case "amount":
		return "amount"
	}
	return key
}

func (r *run) dropInvalid(ctx context.Context) error {
	_, err := r.tx.Exec(ctx, `
		DELETE FROM import_rows WHERE row_no IN (SELECT row_no FROM import_problems);
		TRUNCATE import_problems`)
	if err != nil {
		return fmt.Errorf("dropping invalid rows: %w", err)
	}
	return nil
}

// normalizeSQL drops repeats of whole-row records (an identical row imported
// twice in one file is one record), then fills in what the file left to the
// customer: the currency, the amounts parsed in thousandths, line amounts and due
// dates from the customer's terms.
const normalizeSQL = `
DELETE FROM import_rows r USING (
	SELECT kind, key, min(row_no) AS first_row FROM import_rows WHERE whole_row
	GROUP BY kind, key HAVING count(*) > 1
) d
WHERE r.whole_row AND r.kind = d.kind AND r.key = d.key AND r.row_no > d.first_row;
UPDATE import_rows r SET
	currency = coalesce(r.currency, c.db_currency, c.file_currency),
	unit_price_minor = CASE WHEN r.milli_amounts THEN r.unit_price_minor / (10 ^ (3 - cur.digits))::bigint ELSE r.unit_price_minor END,
	tax_minor = CASE WHEN r.milli_amounts THEN r.tax_minor / (10 ^ (3 - cur.digits))::bigint ELSE r.tax_minor END,
	payment_minor = CASE WHEN r.milli_amounts THEN r.payment_minor / (10 ^ (3 - cur.digits))::bigint ELSE r.payment_minor END,
	milli_amounts = false
FROM import_customers c, import_currencies cur
WHERE c.ext = r.customer_ext AND cur.code = coalesce(r.currency, c.db_currency, c.file_currency)
	AND (r.currency IS NULL OR r.milli_amounts);
UPDATE import_rows SET line_amount_minor = round(quantity_milli::numeric * unit_price_minor / 1000)
WHERE kind = 'invoice' AND line_amount_minor IS NULL;
UPDATE import_rows r SET due_date = r.issue_date + coalesce(c.terms_net_days, c.db_terms, 30)::int
FROM import_customers c
WHERE c.ext = r.customer_ext AND r.kind = 'invoice' AND r.due_date IS NULL`

func (r *run) normalize(ctx context.Context) error {
	if _, err := r.tx.Exec(ctx, normalizeSQL); err != nil {
		return fmt.Errorf("filling in customer defaults: %w", err)
	}
	return nil
}
