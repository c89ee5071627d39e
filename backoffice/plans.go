package backoffice

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// plansPage is the queue of installment plans waiting for approval.
type plansPage struct {
	page
	Plans          []billing.QueuedPlan
	Frequencies    []string
	Today          string
	CollectorLimit string
}

const plansURL = "/backoffice/queues/plans"

func (h *Handler) plans(c echo.Context) error {
	ctx := c.Request().Context()
	p := plansPage{page: h.page(c, "Plans to approve"), Today: h.today().String(),
		Frequencies: []string{billing.FrequencyWeekly, billing.FrequencyBiweekly, billing.FrequencyMonthly}}
	var err error
	if p.Plans, err = billing.ListPlanQueue(ctx, h.Pool, 200); err != nil {
		return err
	}
	for i := range p.Plans {
		p.Plans[i].ProposedAt = p.Plans[i].ProposedAt.In(h.Timezone)
	}
	if p.Role == billing.RoleCollector {
		s, err := billing.LoadCollectionSettings(ctx, h.Pool)
		if err != nil {
			return err
		}
		p.CollectorLimit = billing.Money{Amount: s.CollectorLimitMinor, Currency: h.Currency}.String()
	}
	return c.Render(http.StatusOK, "backoffice/plans", p)
}

func (h *Handler) decidePlan(approve bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		s, err := billing.LoadCollectionSettings(ctx, h.Pool)
		if err != nil {
			return err
		}
		errs := formErrors{}
		in := billing.PlanDecision{PlanID: id, Message: c.FormValue("message"), Frequency: c.FormValue("frequency"),
			Count: parseInt(c, "count", 0, errs), CollectorLimitMinor: s.CollectorLimitMinor, Today: h.today()}
		if strings.TrimSpace(c.FormValue("first")) != "" {
			in.First = parseDate(c, "first", errs)
		}
		if len(errs) > 0 {
			return h.flashErrors(c, plansURL, errs)
		}

		u := staff(c)
		err = h.inTx(c, func(tx pgx.Tx) error {
			var plan billing.Plan
			var err error
			var subject, body string
			if approve {
				if plan, err = billing.ApprovePendingPlan(ctx, tx, u, in); err != nil {
					return err
				}
				subject = "Your payment plan is approved"
				body = planApprovedText(plan, h.OrgName)
			} else {
				if plan, err = billing.RejectPendingPlan(ctx, tx, u, in); err != nil {
					return err
				}
				subject = "Your payment plan request"
				body = "We could not accept the payment plan you proposed.\n\n" + plan.DecisionNote + "\n\n" + h.OrgName + "\n"
			}
			return h.mailCustomer(ctx, tx, billing.StaffActor(u), plan.CustomerID, subject, body, "plan.decision")
		})
		if errors.Is(err, billing.ErrForbidden) {
			return echo.NewHTTPError(http.StatusForbidden, "This plan is above your approval limit. Ask an admin to decide it.")
		}
		if err != nil {
			return h.flashErrors(c, plansURL, err)
		}
		if approve {
			return h.redirectWith(c, plansURL, "Plan approved; the customer is told by e-mail.")
		}
		return h.redirectWith(c, plansURL, "Plan rejected; the customer is told by e-mail.")
	}
}

func planApprovedText(p billing.Plan, org string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Your payment plan for %s is approved. The installments are:\n\n", p.Total)
	for _, s := range p.Schedule {
		fmt.Fprintf(&b, "  %s  %s\n", s.DueOn.Format(), s.Amount)
	}
	if p.DecisionNote != "" {
		fmt.Fprintf(&b, "\n%s\n", p.DecisionNote)
	}
	fmt.Fprintf(&b, "\n%s\n", org)
	return b.String()
}

// mailCustomer queues one e-mail per contact of the customer; the outbox records
// each, with its body, on the customer's timeline.
func (h *Handler) mailCustomer(ctx context.Context, tx pgx.Tx, actor billing.Actor, customerID int64, subject, body, kind string) error {
	emails, err := billing.CustomerEmails(ctx, tx, customerID)
	if err != nil {
		return err
	}
	for _, to := range emails {
		_, err := outbox.Queue(ctx, tx, h.Jobs, outbox.Message{
			To: to, Subject: subject, Text: body, CustomerID: customerID, Kind: kind,
			Actor: actor.String(), Source: "backoffice",
		})
		if err != nil {
			return fmt.Errorf("queueing e-mail to the customer: %w", err)
		}
	}
	return nil
}
