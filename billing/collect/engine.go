package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// Engine runs the reminder cadence. Its fields are its dependencies.
type Engine struct {
	Pool      *pgxpool.Pool
	Jobs      outbox.Inserter
	BaseURL   string // public URL of the portal, for the sign-in links in e-mails
	From      string // sender address of every e-mail (MAIL_FROM)
	OrgName   string // the seller's name in e-mails when the organization row has none
	Logger    *slog.Logger
	Now       func() time.Time
	Workers   int // transactions writing e-mails at once; 0 means 4, or fewer to leave one pooled connection free
	ChunkSize int // customers per transaction; 0 means 100
}

// RunOptions selects what a run evaluates and who it is recorded as.
type RunOptions struct {
	AsOf       billing.Date  // the day evaluated, in the seller's time zone
	CustomerID int64         // 0 evaluates every customer
	Actor      billing.Actor // zero means the system actor "reminders"
	Source     string        // timeline source: "job", "cli" or "backoffice"; empty means "job"
}

// RunResult counts what a run did.
type RunResult struct {
	AsOf        string         `json:"as_of"`
	Sent        int            `json:"sent"`         // reminder e-mails queued in the outbox
	Invoices    int            `json:"invoices"`     // (invoice, step) pairs handled: e-mailed or given to staff
	Tasks       int            `json:"tasks"`        // staff tasks opened
	CreditHolds int            `json:"credit_holds"` // customers put on credit hold
	Skipped     map[string]int `json:"skipped"`      // invoices held back, by reason
}

func (r *RunResult) add(o RunResult) {
	r.Sent += o.Sent
	r.Invoices += o.Invoices
	r.Tasks += o.Tasks
	r.CreditHolds += o.CreditHolds
	for k, v := range o.Skipped {
		r.Skipped[k] += v
	}
}

// Run evaluates the cadence for opts.AsOf and queues what is due: one e-mail per
// customer listing every invoice at its step, the staff tasks and the credit holds
// that steps ask for. Running it again for the same day sends nothing new, and
// runs in parallel, in one process or many, send each (invoice, step) once.
func (e *Engine) Run(ctx context.Context, opts RunOptions) (RunResult, error) {
	if opts.AsOf.IsZero() {
		return RunResult{}, errors.New("reminder run: missing as-of date")
	}
	if opts.Actor == (billing.Actor{}) {
		opts.Actor = billing.SystemActor("reminders")
	}
	if opts.Source == "" {
		opts.Source = "job"
	}
	started := e.Now()

	tmpl, err := LoadTemplates(ctx, e.Pool)
	if err != nil {
		return RunResult{}, err
	}
	steps, err := loadSteps(ctx, e.Pool)
	if err != nil {
		return RunResult{}, err
	}
	stepByID := make(map[int64]Step, len(steps))
	for _, s := range steps {
		if !tmpl.Has(s.Template) || (s.TemplateB != "" && !tmpl.Has(s.TemplateB)) {
			return RunResult{}, fmt.Errorf("reminder step %d of policy %s: template %q or %q not found", s.ID, s.Segment, s.Template, s.TemplateB)
		}
		stepByID[s.ID] = s
	}
	org, err := e.orgName(ctx)
	if err != nil {
		return RunResult{}, err
	}

	var ev evaluation
	err = billing.InTx(ctx, e.Pool, func(tx pgx.Tx) error {
		var err error
		ev, err = evaluate(ctx, tx, opts.AsOf, opts.CustomerID, opts.Actor, opts.Source)
		return err
	})
	if err != nil {
		return RunResult{}, err
	}

	e.Logger.Debug("reminder cadence evaluated", "as_of", opts.AsOf.String(), "due", len(ev.send),
		"skipped", ev.skipped, "duration", e.Now().Sub(started).String())
	result := RunResult{AsOf: opts.AsOf.String(), Skipped: ev.skipped}
	s := sender{engine: e, steps: stepByID, tmpl: tmpl, org: org, opts: opts}
	if err := e.sendChunks(ctx, s, ev.send, &result); err != nil {
		return result, err
	}
	e.Logger.Info("reminder run finished", "as_of", opts.AsOf.String(), "customer_id", opts.CustomerID,
		"sent", result.Sent, "invoices", result.Invoices, "tasks", result.Tasks, "skipped", result.Skipped,
		"duration", e.Now().Sub(started).String())
	return result, nil
}

func (e *Engine) orgName(ctx context.Context) (string, error) {
	var name string
	err := e.Pool.QueryRow(ctx, `SELECT coalesce((SELECT name FROM organization), '')`).Scan(&name)
	if err != nil {
		return "", fmt.Errorf("loading organization name: %w", err)
	}
	if name == "" {
		name = e.OrgName
	}
	return name, nil
}

// sendChunks splits the due rows into chunks of whole customers and writes each
// chunk in its own transaction, Workers at a time.
func (e *Engine) sendChunks(ctx context.Context, s sender, rows []dueRow, result *RunResult) error {
	size := e.ChunkSize
	if size <= 0 {
		size = 100
	}
	workers := e.Workers
	if workers <= 0 {
		// Leave one pooled connection free for the web requests and jobs that
		// share the pool with a long run.
		workers = max(1, min(4, int(e.Pool.Config().MaxConns)-1))
	}

	var chunks [][]dueRow
	start, customers := 0, 0
	for i := range rows {
		if i > 0 && rows[i].CustomerID != rows[i-1].CustomerID {
			customers++
			if customers == size {
				chunks = append(chunks, rows[start:i])
				start, customers = i, 0
			}
		}
	}
	if start < len(rows) {
		chunks = append(chunks, rows[start:])
	}

	work := make(chan []dueRow)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range work {
				part, err := s.sendChunk(ctx, chunk)
				mu.Lock()
				switch {
				case err == nil:
					result.add(part) // a failed chunk rolled back, so it counts nothing
				case firstErr == nil:
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, chunk := range chunks {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		work <- chunk
	}
	close(work)
	wg.Wait()
	return firstErr
}
