package importer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// The write steps below run after the checks, in the same transaction. Each
// compares the staged records with the stored ones and writes only what is new or
// different. Every change reaches the timeline: one event per updated record, and
// one event per customer listing the records an import created, because a
// million single events would cost more than the import itself. The named
// parameters are @actor, @source and @tz (the seller's time zone).

const customersApplySQL = `
CREATE TEMP TABLE import_customer_rows ON COMMIT DROP AS
SELECT DISTINCT ON (r.customer_ext) r.customer_ext AS ext, r.customer_name AS name, r.currency,
	coalesce(r.terms_net_days, 30)::int AS terms, r.credit_limit_minor AS credit_limit, coalesce(r.tags, '{}') AS tags,
	r.kind = 'customer' AS full_record
FROM import_rows r JOIN import_customers c ON c.ext = r.customer_ext AND c.pick_row = r.row_no AND c.defines
WHERE r.kind = 'customer' OR r.customer_name IS NOT NULL
ORDER BY r.customer_ext, (r.kind = 'customer') DESC;

CREATE TEMP TABLE import_customer_changes ON COMMIT DROP AS
WITH inserted AS (
	INSERT INTO customers (external_id, name, currency, terms_net_days, credit_limit_minor, tags)
	SELECT n.ext, n.name, n.currency, n.terms, n.credit_limit, n.tags FROM import_customer_rows n
	WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = n.ext)
	RETURNING id, external_id, name
), updated AS (
	UPDATE customers c SET name = n.name, terms_net_days = n.terms, credit_limit_minor = n.credit_limit, tags = n.tags,
		updated_at = now()
	FROM import_customer_rows n
	WHERE n.full_record AND c.external_id = n.ext
		AND (c.name, c.terms_net_days, c.credit_limit_minor, c.tags) IS DISTINCT FROM (n.name, n.terms, n.credit_limit, n.tags)
	RETURNING c.id, c.external_id, c.name
)
SELECT id, external_id, name, true AS created FROM inserted
UNION ALL SELECT id, external_id, name, false FROM updated;

INSERT INTO timeline_events (customer_id, kind, actor, source, summary, details)
SELECT id, CASE WHEN created THEN 'customer.imported' ELSE 'customer.updated' END, @actor::text, @source::text,
	CASE WHEN created THEN 'Customer ' || name || ' imported' ELSE 'Customer ' || name || ' updated by an import' END,
	jsonb_build_object('external_id', external_id)
FROM import_customer_changes`

const contactsApplySQL = `
CREATE TEMP TABLE import_contact_changes ON COMMIT DROP AS
WITH staged AS (
	SELECT DISTINCT ON (r.key) c.id AS customer_id, coalesce(r.contact_name, '') AS name, r.contact_email AS email,
		coalesce(r.contact_roles, '{billing}') AS roles, coalesce(r.receives_reminders, true) AS reminders
	FROM import_rows r JOIN customers c ON c.external_id = r.customer_ext
	WHERE r.kind = 'contact' ORDER BY r.key, r.row_no
), upserted AS (
	INSERT INTO contacts (customer_id, name, email, roles, receives_reminders)
	SELECT customer_id, name, email, roles, reminders FROM staged
	ON CONFLICT (customer_id, lower(email)) DO UPDATE
		SET name = excluded.name, roles = excluded.roles, receives_reminders = excluded.receives_reminders
		WHERE (contacts.name, contacts.roles, contacts.receives_reminders)
			IS DISTINCT FROM (excluded.name, excluded.roles, excluded.receives_reminders)
	RETURNING customer_id, email, xmax = 0 AS created
)
SELECT * FROM upserted;

INSERT INTO timeline_events (customer_id, kind, actor, source, summary, details)
SELECT customer_id, CASE WHEN created THEN 'contact.imported' ELSE 'contact.updated' END, @actor::text, @source::text,
	'Contact ' || email || CASE WHEN created THEN ' imported' ELSE ' updated by an import' END,
	jsonb_build_object('email', email)
FROM import_contact_changes`

// invoicesStageSQL stages the invoices to write, with their lines. Presets with one row per
// invoice skip the grouping that multi-line invoices need. An invoice counts as changed
// when a header field or any line differs; its lines are then replaced. A new
// invoice is inserted with the balance that the payments aimed at it in the same
// file will leave (import_planned), so a million new invoices are written once
// instead of written and then updated; the file's payments are staged here for it.
const invoicesStageSQL = `
CREATE TEMP TABLE import_invoices ON COMMIT DROP AS
SELECT r.invoice_ext AS ext, r.row_no, c.id AS customer_id, r.invoice_number AS number,
	coalesce(r.po_number, '') AS po_number, r.issue_date, r.due_date, r.currency,
	r.line_amount_minor AS subtotal, r.tax_minor AS tax,
	md5(concat_ws('|', r.line_description, r.quantity_milli, r.unit_price_minor, r.line_amount_minor)) AS lines_hash
FROM import_rows r JOIN customers c ON c.external_id = r.customer_ext
WHERE r.kind = 'invoice' AND r.whole_row
UNION ALL
SELECT r.invoice_ext, min(r.row_no), c.id, min(r.invoice_number),
	coalesce(min(r.po_number), ''), min(r.issue_date), min(r.due_date), min(r.currency),
	sum(r.line_amount_minor), sum(r.tax_minor),
	md5(string_agg(concat_ws('|', r.line_description, r.quantity_milli, r.unit_price_minor, r.line_amount_minor), '/' ORDER BY r.row_no))
FROM import_rows r JOIN customers c ON c.external_id = r.customer_ext
WHERE r.kind = 'invoice' AND NOT r.whole_row
GROUP BY r.invoice_ext, c.id;
ANALYZE import_invoices;

CREATE TEMP TABLE import_invoice_changes ON COMMIT DROP AS
SELECT n.*, n.subtotal + n.tax AS total, i.id IS NULL AS created,
	-- New invoices take their ids from the sequence here, so the insert below
	-- needs no RETURNING and this table no second pass to record them. The
	-- sequence is looked up once: called per row, pg_get_serial_sequence and the
	-- cast of its text to regclass read the catalogs a million times.
	coalesce(i.id, nextval((SELECT pg_get_serial_sequence('invoices', 'id')::regclass))) AS invoice_id,
	i.total_minor AS old_total, i.issue_date AS old_issue_date, i.due_date AS old_due_date
FROM import_invoices n
LEFT JOIN invoices i ON i.external_id = n.ext
WHERE i.id IS NULL
	OR (i.number, i.po_number, i.issue_date, i.due_date, i.currency, i.subtotal_minor, i.tax_minor)
		IS DISTINCT FROM (n.number, n.po_number, n.issue_date, n.due_date, n.currency, n.subtotal, n.tax)
	OR n.lines_hash IS DISTINCT FROM (
		SELECT md5(string_agg(concat_ws('|', l.description, l.quantity_milli, l.unit_price_minor, l.amount_minor), '/' ORDER BY l.position))
		FROM invoice_lines l WHERE l.invoice_id = i.id);
ANALYZE import_invoice_changes;

CREATE TEMP TABLE import_payments ON COMMIT DROP AS
SELECT DISTINCT ON (r.payment_ext) r.payment_ext AS ext, r.row_no, c.id AS customer_id, r.currency,
	r.payment_minor AS amount, r.paid_on, r.method, coalesce(r.reference, '') AS reference,
	r.payment_invoice_ext AS invoice_ext, r.paid_on_guessed
FROM import_rows r JOIN customers c ON c.external_id = r.customer_ext
WHERE r.payment_ext IS NOT NULL
ORDER BY r.payment_ext, r.row_no;
ANALYZE import_payments;

CREATE TEMP TABLE import_planned ON COMMIT DROP AS
WITH running AS (
	SELECT p.invoice_ext AS ext, p.paid_on, ch.total,
		sum(p.amount) OVER (PARTITION BY p.invoice_ext ORDER BY p.paid_on, p.row_no) AS paid
	FROM import_payments p JOIN import_invoice_changes ch ON ch.ext = p.invoice_ext AND ch.created
)
SELECT ext, least(max(paid), max(total)) AS paid,
	CASE WHEN max(total) > 0 THEN min(paid_on) END AS reduced_from,
	min(paid_on) FILTER (WHERE paid >= total) AS settled_on
FROM running GROUP BY ext`

// invoicesWriteSQL writes the invoices and lines that invoicesStageSQL staged.
const invoicesWriteSQL = `
INSERT INTO invoices (id, customer_id, number, external_id, po_number, issue_date, due_date, currency,
	subtotal_minor, tax_minor, total_minor, open_minor, reduced_from, settled_on, terms_net_days, discount_rate_bp,
	discount_until, late_fee_kind, late_fee_flat_minor, late_fee_rate_bp, late_fee_grace_days, source)
SELECT ch.invoice_id, ch.customer_id, ch.number, ch.ext, ch.po_number, ch.issue_date, ch.due_date, ch.currency,
	ch.subtotal, ch.tax, ch.total, ch.total - coalesce(pl.paid, 0), pl.reduced_from,
	CASE WHEN ch.total - coalesce(pl.paid, 0) = 0 THEN coalesce(pl.settled_on, ch.issue_date) END,
	ch.due_date - ch.issue_date, c.discount_rate_bp,
	CASE WHEN c.discount_rate_bp > 0 AND c.discount_days > 0 THEN ch.issue_date + c.discount_days END,
	c.late_fee_kind, c.late_fee_flat_minor, c.late_fee_rate_bp, c.late_fee_grace_days, 'import'
FROM import_invoice_changes ch JOIN customers c ON c.id = ch.customer_id
	LEFT JOIN import_planned pl ON pl.ext = ch.ext
WHERE ch.created
-- Inserting in key order appends to the unique indexes instead of touching
-- random pages of them.
ORDER BY ch.ext;

UPDATE invoices i SET number = ch.number, po_number = ch.po_number, issue_date = ch.issue_date, due_date = ch.due_date,
	currency = ch.currency, subtotal_minor = ch.subtotal, tax_minor = ch.tax, total_minor = ch.total, updated_at = now()
FROM import_invoice_changes ch WHERE NOT ch.created AND i.id = ch.invoice_id;

DELETE FROM invoice_lines l USING import_invoice_changes ch WHERE NOT ch.created AND l.invoice_id = ch.invoice_id;

-- A row that is a whole invoice is its only line; numbering the lines of the
-- others sorts them.
INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, unit_price_minor, amount_minor)
SELECT ch.invoice_id, 1, r.line_description, r.quantity_milli, r.unit_price_minor, r.line_amount_minor
FROM import_rows r JOIN import_invoice_changes ch ON ch.ext = r.invoice_ext
WHERE r.kind = 'invoice' AND r.whole_row;

INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, unit_price_minor, amount_minor)
SELECT ch.invoice_id, row_number() OVER (PARTITION BY r.invoice_ext ORDER BY r.row_no),
	r.line_description, r.quantity_milli, r.unit_price_minor, r.line_amount_minor
FROM import_rows r JOIN import_invoice_changes ch ON ch.ext = r.invoice_ext
WHERE r.kind = 'invoice' AND NOT r.whole_row;

INSERT INTO timeline_events (customer_id, invoice_id, kind, actor, source, summary, details, visible_to_debtor)
SELECT ch.customer_id, ch.invoice_id, 'invoice.updated', @actor::text, @source::text,
	format('Invoice %s updated by an import: total %s %s, due %s (was %s %s, due %s)', ch.number, ch.currency,
		round(ch.total / 10.0 ^ cur.digits, cur.digits), ch.due_date, ch.currency,
		round(ch.old_total / 10.0 ^ cur.digits, cur.digits), ch.old_due_date),
	jsonb_build_object('number', ch.number, 'external_id', ch.ext, 'total', round(ch.total / 10.0 ^ cur.digits, cur.digits)::text,
		'issue_date', ch.issue_date, 'due_date', ch.due_date,
		'old_total', round(ch.old_total / 10.0 ^ cur.digits, cur.digits)::text,
		'old_issue_date', ch.old_issue_date, 'old_due_date', ch.old_due_date),
	true
FROM import_invoice_changes ch JOIN import_currencies cur ON cur.code = ch.currency
WHERE NOT ch.created`

// paymentsApplySQL writes payments. A new payment is succeeded; a changed one
// (amount, date, method or reference) is updated and its allocations are made
// again. Payments that staff moved past succeeded (refunded, disputed) are left
// alone.
const paymentsApplySQL = `
CREATE TEMP TABLE import_payment_changes ON COMMIT DROP AS
SELECT n.*, coalesce(p.id, nextval((SELECT pg_get_serial_sequence('payments', 'id')::regclass))) AS payment_id, p.id IS NULL AS created,
	p.amount_minor AS old_amount, p.received_on AS old_paid_on
FROM import_payments n LEFT JOIN payments p ON p.external_id = n.ext
WHERE p.id IS NULL
	OR (p.status = 'succeeded' AND (p.amount_minor, p.method, p.reference) IS DISTINCT FROM (n.amount, n.method, n.reference))
	OR (p.status = 'succeeded' AND NOT n.paid_on_guessed AND p.received_on <> n.paid_on);
UPDATE import_payment_changes SET paid_on = old_paid_on WHERE paid_on_guessed AND NOT created;
ANALYZE import_payment_changes;

INSERT INTO payments (id, customer_id, external_id, method, status, currency, amount_minor, received_on, reference,
	source, status_changed_on)
SELECT payment_id, customer_id, ext, method, 'succeeded', currency, amount, paid_on, reference, 'import', paid_on
FROM import_payment_changes WHERE created
ORDER BY ext;

UPDATE payments p SET amount_minor = ch.amount, received_on = ch.paid_on, method = ch.method, reference = ch.reference,
	status_changed_on = ch.paid_on
FROM import_payment_changes ch WHERE NOT ch.created AND p.id = ch.payment_id;

CREATE TEMP TABLE import_touched (invoice_id bigint) ON COMMIT DROP;
INSERT INTO import_touched SELECT invoice_id FROM import_invoice_changes WHERE NOT created;

WITH removed AS (
	DELETE FROM allocations a USING import_payment_changes ch WHERE NOT ch.created AND a.payment_id = ch.payment_id
	RETURNING a.invoice_id
)
INSERT INTO import_touched SELECT invoice_id FROM removed;

INSERT INTO timeline_events (customer_id, invoice_id, kind, actor, source, summary, details, visible_to_debtor)
SELECT ch.customer_id, i.id, 'payment.updated', @actor::text, @source::text,
	format('Payment %s updated by an import: %s %s received %s (was %s %s received %s)', ch.ext, ch.currency,
		round(ch.amount / 10.0 ^ cur.digits, cur.digits), ch.paid_on, ch.currency,
		round(ch.old_amount / 10.0 ^ cur.digits, cur.digits), ch.old_paid_on),
	jsonb_build_object('payment_id', ch.payment_id, 'external_id', ch.ext,
		'amount', round(ch.amount / 10.0 ^ cur.digits, cur.digits)::text, 'received_on', ch.paid_on,
		'old_amount', round(ch.old_amount / 10.0 ^ cur.digits, cur.digits)::text, 'old_received_on', ch.old_paid_on,
		'invoice', i.number),
	true
FROM import_payment_changes ch JOIN import_currencies cur ON cur.code = ch.currency
LEFT JOIN invoices i ON i.external_id = ch.invoice_ext
WHERE NOT ch.created`

// allocationsApplySQL allocates payments aimed at one invoice. They take, oldest
// first, at most what the invoice has open; the rest of each payment stays as
// customer credit. A new invoice has its whole total available, because its
// stored balance already counts these allocations. An existing one has its open
// balance, which is current because it was refreshed just before.
const allocationsApplySQL = `
WITH aimed AS (
	SELECT ch.payment_id, ch.amount, ch.paid_on, coalesce(ic.invoice_id, i.id) AS invoice_id,
		CASE WHEN coalesce(ic.created, false) THEN ic.total ELSE i.open_minor END AS available,
		coalesce(ic.created, false) AS new_invoice,
		sum(ch.amount) OVER (PARTITION BY coalesce(ic.invoice_id, i.id) ORDER BY ch.paid_on, ch.row_no) AS running
	FROM import_payment_changes ch
		LEFT JOIN import_invoice_changes ic ON ic.ext = ch.invoice_ext
		-- OFFSET 0 keeps this a per-payment index lookup that the one-time
		-- filter skips for new invoices; joined plainly, PostgreSQL hashed the
		-- whole invoices table to find none of them.
		LEFT JOIN LATERAL (
			SELECT inv.id, inv.open_minor FROM invoices inv
			WHERE inv.external_id = ch.invoice_ext AND NOT coalesce(ic.created, false)
			OFFSET 0
		) i ON true
	WHERE ch.invoice_ext IS NOT NULL
), shares AS (
	SELECT payment_id, invoice_id, paid_on, new_invoice, least(amount, greatest(available - (running - amount), 0)) AS share
	FROM aimed
), inserted AS (
	INSERT INTO allocations (invoice_id, payment_id, amount_minor, applied_on)
	SELECT invoice_id, payment_id, share, paid_on FROM shares WHERE share > 0 ORDER BY invoice_id
)
INSERT INTO import_touched SELECT invoice_id FROM shares WHERE share > 0 AND NOT new_invoice`

// disputesApplySQL records imported Disputed=Yes rows as resolved disputes, opened
// at the start of the issue date and resolved at the start of the settled date
// (the due date when unsettled) in the seller's zone.
const disputesApplySQL = `
CREATE TEMP TABLE import_dispute_changes ON COMMIT DROP AS
WITH inserted AS (
	INSERT INTO disputes (customer_id, invoice_id, external_id, reason, message, status, opened_at, resolved_at, source)
	SELECT i.customer_id, i.id, r.invoice_ext, 'imported', 'Marked as disputed in the imported data', 'resolved',
		r.issue_date::timestamp AT TIME ZONE @tz::text,
		greatest(coalesce(r.paid_on, r.due_date), r.issue_date)::timestamp AT TIME ZONE @tz::text, 'import'
	FROM import_rows r JOIN invoices i ON i.external_id = r.invoice_ext
	WHERE r.kind = 'invoice' AND r.disputed
	ON CONFLICT (external_id) DO NOTHING
	RETURNING id, customer_id, invoice_id
)
SELECT * FROM inserted`

// createdEventsSQL appends one event per customer that counts and totals the
// invoices, payments and disputes this import created for it. The created
// records carry source 'import' and were stamped in the same transaction, so
// their created_at equals the event's occurred_at and they can be listed from it.
// Listing a million records inside events would cost more than the import.
const createdEventsSQL = `
WITH inv AS (
	SELECT customer_id, count(*) AS n, sum(total) AS total, min(number) AS first_number, max(number) AS last_number
	FROM import_invoice_changes WHERE created GROUP BY customer_id
), pay AS (
	SELECT customer_id, count(*) AS n, sum(amount) AS total FROM import_payment_changes WHERE created GROUP BY customer_id
), dis AS (
	SELECT customer_id, count(*) AS n FROM import_dispute_changes GROUP BY customer_id
), per AS (
	SELECT coalesce(inv.customer_id, pay.customer_id, dis.customer_id) AS customer_id,
		coalesce(inv.n, 0) AS invoices, coalesce(inv.total, 0) AS invoiced, inv.first_number, inv.last_number,
		coalesce(pay.n, 0) AS payments, coalesce(pay.total, 0) AS paid, coalesce(dis.n, 0) AS disputes
	FROM inv FULL JOIN pay ON pay.customer_id = inv.customer_id
		FULL JOIN dis ON dis.customer_id = coalesce(inv.customer_id, pay.customer_id)
)
INSERT INTO timeline_events (customer_id, kind, actor, source, summary, details, visible_to_debtor)
SELECT per.customer_id, 'import.created', @actor::text, @source::text,
	format('Import created %s invoices totalling %s %s, %s payments totalling %s %s and %s resolved disputes',
		per.invoices, c.currency, round(per.invoiced / 10.0 ^ cur.digits, cur.digits),
		per.payments, c.currency, round(per.paid / 10.0 ^ cur.digits, cur.digits), per.disputes),
	jsonb_build_object('currency', c.currency, 'invoices', per.invoices,
		'invoiced', round(per.invoiced / 10.0 ^ cur.digits, cur.digits)::text,
		'first_invoice', per.first_number, 'last_invoice', per.last_number,
		'payments', per.payments, 'paid', round(per.paid / 10.0 ^ cur.digits, cur.digits)::text,
		'disputes', per.disputes),
	true
FROM per JOIN customers c ON c.id = per.customer_id JOIN import_currencies cur ON cur.code = c.currency`

// apply writes the checked rows and fills in the report's counts.
func (r *run) apply(ctx context.Context) error {
	actor := r.opts.Actor.String()
	source := r.opts.Source
	args := pgx.NamedArgs{"actor": actor, "source": source, "tz": r.opts.Location.String()}
	steps := []struct {
		name string
		sql  string
	}{
		{"customers", customersApplySQL},
		{"contacts", contactsApplySQL},
		{"invoices", invoicesStageSQL},
		{"bulk", ""},
		{"invoices", invoicesWriteSQL},
		{"payments", paymentsApplySQL},
		{"balances", ""},
		{"allocations", allocationsApplySQL},
		{"disputes", disputesApplySQL},
		{"restore", ""},
		{"timeline", createdEventsSQL},
	}
	var suspended *suspendedUpkeep
	for _, s := range steps {
		switch s.name {
		case "bulk":
			bulk, err := r.chooseBulk(ctx)
			if err != nil {
				return err
			}
			if bulk {
				if suspended, err = r.suspendUpkeep(ctx); err != nil {
					return err
				}
				r.report.BulkLoad = true
			}
			continue
		case "balances":
			// Invoices that existed before and changed, or lost allocations, get
			// their open balance refreshed before new allocations read it.
			err := billing.RefreshBalancesOf(ctx, r.tx, `SELECT DISTINCT invoice_id FROM import_touched`)
			if err != nil {
				return err
			}
			continue
		case "restore":
			if suspended != nil {
				if err := suspended.restore(ctx, r); err != nil {
					return err
				}
			}
			continue
		}
		if err := execScript(ctx, r, s.sql, args); err != nil {
			return fmt.Errorf("importing %s: %w", s.name, err)
		}
	}
	t0 := time.Now()
	if err := billing.RefreshBalancesOf(ctx, r.tx, `SELECT DISTINCT invoice_id FROM import_touched`); err != nil {
		return err
	}
	r.trace("refresh balances", t0)
	if err := r.allocateUnaimed(ctx); err != nil {
		return err
	}
	return r.count(ctx)
}

// execScript runs the statements of a script one at a time, because PostgreSQL
// accepts parameters only in single statements. Each statement gets only the
// named arguments it uses.
func execScript(ctx context.Context, r *run, script string, args pgx.NamedArgs) error {
	for _, stmt := range splitStatements(script) {
		traceStart := time.Now()
		var err error
		if strings.Contains(stmt, "@") {
			_, err = r.tx.Exec(ctx, stmt, args)
		} else {
			_, err = r.tx.Exec(ctx, stmt)
		}
		r.trace(stmt, traceStart)
		if err != nil {
			return err
		}
	}
	return nil
}

// allocateUnaimed applies payments that name no invoice to the customer's open
// invoices, oldest first, one payment at a time through the ledger.
func (r *run) allocateUnaimed(ctx context.Context) error {
	rows, err := r.tx.Query(ctx, `SELECT payment_id FROM import_payment_changes WHERE invoice_ext IS NULL ORDER BY paid_on, row_no`)
	if err != nil {
		return fmt.Errorf("listing payments to allocate: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("listing payments to allocate: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := billing.ApplyPayment(ctx, r.tx, id, r.opts.Actor, r.opts.Source); err != nil {
			return err
		}
	}
	return nil
}

// count fills in the report from the change tables.
func (r *run) count(ctx context.Context) error {
	rep := r.report
	err := r.tx.QueryRow(ctx, `
		SELECT
			(SELECT count(*) FILTER (WHERE created) FROM import_customer_changes),
			(SELECT count(*) FILTER (WHERE NOT created) FROM import_customer_changes),
			(SELECT count(*) FROM import_customer_rows),
			(SELECT count(*) FILTER (WHERE created) FROM import_contact_changes),
			(SELECT count(*) FILTER (WHERE NOT created) FROM import_contact_changes),
			(SELECT count(DISTINCT key) FROM import_rows WHERE kind = 'contact'),
			(SELECT count(*) FILTER (WHERE created) FROM import_invoice_changes),
			(SELECT count(*) FILTER (WHERE NOT created) FROM import_invoice_changes),
			(SELECT count(*) FROM import_invoices),
			(SELECT count(*) FILTER (WHERE created) FROM import_payment_changes),
			(SELECT count(*) FILTER (WHERE NOT created) FROM import_payment_changes),
			(SELECT count(*) FROM import_payments),
			(SELECT count(*) FROM import_dispute_changes),
			(SELECT count(*) FROM import_rows WHERE kind = 'invoice' AND disputed)`).Scan(
		&rep.Customers.Created, &rep.Customers.Updated, &rep.Customers.Unchanged,
		&rep.Contacts.Created, &rep.Contacts.Updated, &rep.Contacts.Unchanged,
		&rep.Invoices.Created, &rep.Invoices.Updated, &rep.Invoices.Unchanged,
		&rep.Payments.Created, &rep.Payments.Updated, &rep.Payments.Unchanged,
		&rep.Disputes.Created, &rep.Disputes.Unchanged)
	if err != nil {
		return fmt.Errorf("counting changes: %w", err)
	}
	for _, c := range []*Counts{&rep.Customers, &rep.Contacts, &rep.Invoices, &rep.Payments, &rep.Disputes} {
		c.Unchanged -= c.Created + c.Updated
		if c.Unchanged < 0 {
			c.Unchanged = 0
		}
	}
	return nil
}
