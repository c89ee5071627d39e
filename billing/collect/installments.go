package collect

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// upcomingInstallmentDays is how many days before its due date an installment
// is announced.
const upcomingInstallmentDays = 3

// InstallmentEmail is the data of the installment e-mail templates.
type InstallmentEmail struct {
	OrgName    string
	Customer   string
	Contact    string
	Seq        int // 1 for the first installment after the down payment
	Count      int
	Amount     string
	DueDate    string
	Short      string // how far behind the plan is, for a missed installment
	GraceUntil string // the last day to catch up before the plan defaults
	Link       string
}

// installmentsSQL lists the installments of approved plans that need a notice on
// $1: those due in $2 days, and those due yesterday while the plan has received
// less than the installments due so far. A plan's receipts are its invoices'
// balances when proposed minus their balances now, as the plan follow-up job
// counts them.
const installmentsSQL = `
WITH plans AS (
	SELECT p.id, p.customer_id, p.currency, p.installment_count,
		(SELECT sum(pi.amount_minor) - sum(i.open_minor) FROM installment_plan_invoices pi
			JOIN invoices i ON i.id = pi.invoice_id WHERE pi.plan_id = p.id) AS received
	FROM installment_plans p WHERE p.status = 'approved'
)
SELECT n.id, n.kind, p.customer_id, c.name, ct.email, coalesce(ct.name, ''), n.seq, p.installment_count,
	p.currency, n.amount_minor, n.due_on,
	greatest((SELECT sum(amount_minor) FROM installments x WHERE x.plan_id = p.id AND x.due_on <= n.due_on) - p.received, 0)
FROM plans p
JOIN customers c ON c.id = p.customer_id
JOIN LATERAL (
	SELECT id, name, email FROM contacts
	WHERE customer_id = p.customer_id AND receives_reminders AND opted_out_at IS NULL
	ORDER BY 'billing' = ANY (roles) DESC, id LIMIT 1
) ct ON true
JOIN LATERAL (
	SELECT i.id, 'upcoming' AS kind, i.seq, i.amount_minor, i.due_on FROM installments i
	WHERE i.plan_id = p.id AND i.seq > 0 AND i.due_on = $1::date + $2::int
	UNION ALL
	SELECT i.id, 'missed', i.seq, i.amount_minor, i.due_on FROM installments i
	WHERE i.plan_id = p.id AND i.due_on = $1::date - 1
		AND (SELECT sum(amount_minor) FROM installments x WHERE x.plan_id = p.id AND x.due_on <= i.due_on) > p.received
) n ON true
WHERE NOT EXISTS (SELECT 1 FROM installment_notices s WHERE s.installment_id = n.id AND s.kind = n.kind)
ORDER BY p.customer_id, n.id`

// SendInstallmentNotices e-mails the installment reminders and missed-installment
// notices due on asOf and returns how many it queued. Each notice is claimed
// under a unique key in the same transaction as its e-mail, so reruns and
// parallel runs send it once.
func (e *Engine) SendInstallmentNotices(ctx context.Context, asOf billing.Date) (int, error) {
	tmpl, err := LoadTemplates(ctx, e.Pool)
	if err != nil {
		return 0, err
	}
	org, err := e.orgName(ctx)
	if err != nil {
		return 0, err
	}
	var sent int
	err = billing.InTx(ctx, e.Pool, func(tx pgx.Tx) error {
		grace := 0
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT plan_grace_days FROM portal_settings), 0)`).Scan(&grace); err != nil {
			return fmt.Errorf("loading plan grace days: %w", err)
		}
		rows, err := tx.Query(ctx, installmentsSQL, asOf, upcomingInstallmentDays)
		if err != nil {
			return fmt.Errorf("finding installments to announce: %w", err)
		}
		type notice struct {
			installmentID, customerID int64
			kind, customer, email     string
			data                      InstallmentEmail
			due                       billing.Date
		}
		var notices []notice
		for rows.Next() {
			var n notice
			var currency string
			var amount, short int64
			if err := rows.Scan(&n.installmentID, &n.kind, &n.customerID, &n.customer, &n.email, &n.data.Contact,
				&n.data.Seq, &n.data.Count, &currency, &amount, &n.due, &short); err != nil {
				rows.Close()
				return fmt.Errorf("scanning installment: %w", err)
			}
			n.data.OrgName, n.data.Customer = org, n.customer
			n.data.Amount = billing.Money{Amount: amount, Currency: currency}.String()
			n.data.Short = billing.Money{Amount: short, Currency: currency}.String()
			n.data.DueDate = n.due.Format()
			n.data.GraceUntil = n.due.AddDays(grace).Format()
			notices = append(notices, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("finding installments to announce: %w", err)
		}

		for _, n := range notices {
			tag, err := tx.Exec(ctx, `
				INSERT INTO installment_notices (installment_id, kind, sent_on) VALUES ($1, $2, $3)
				ON CONFLICT (installment_id, kind) DO NOTHING`, n.installmentID, n.kind, asOf)
			if err != nil {
				return fmt.Errorf("claiming notice of installment %d: %w", n.installmentID, err)
			}
			if tag.RowsAffected() == 0 {
				continue
			}
			token, err := billing.CreateMagicLink(ctx, tx, n.email, billing.LinkEmailed, e.Now())
			if err != nil {
				return fmt.Errorf("creating sign-in link for customer %d: %w", n.customerID, err)
			}
			n.data.Link = e.BaseURL + "/portal/link/" + token
			subject, text, html, err := tmpl.Render("installment_"+n.kind, n.data)
			if err != nil {
				return err
			}
			emailID, err := outbox.Queue(ctx, tx, e.Jobs, outbox.Message{
				To: n.email, Subject: subject, Text: text, HTML: html, CustomerID: n.customerID,
				Kind: "installment." + n.kind, DedupeKey: fmt.Sprintf("installment:%d:%s", n.installmentID, n.kind),
				Secrets: []string{token}, Actor: "system:installments", Source: "job",
			})
			if err != nil {
				return fmt.Errorf("queueing notice of installment %d: %w", n.installmentID, err)
			}
			_, err = tx.Exec(ctx, `UPDATE installment_notices SET email_id = $3 WHERE installment_id = $1 AND kind = $2`,
				n.installmentID, n.kind, emailID)
			if err != nil {
				return fmt.Errorf("linking notice of installment %d: %w", n.installmentID, err)
			}
			sent++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if sent > 0 {
		e.Logger.Info("installment notices queued", "as_of", asOf.String(), "count", sent)
	}
	return sent, nil
}
