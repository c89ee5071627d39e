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

// disputesPage is the dispute queue: reply, resolve with a full or partial credit
// note, or reject with reasons.
type disputesPage struct {
	page
	Disputes       []queuedDisputeView
	All            bool
	CollectorLimit string
}

// queuedDisputeView is a queued dispute with its conversation and attachments.
type queuedDisputeView struct {
	billing.QueuedDispute
	Replies     []billing.DisputeReply
	Attachments []billing.DisputeAttachment
}

const disputesURL = "/backoffice/queues/disputes"

func (h *Handler) disputes(c echo.Context) error {
	ctx := c.Request().Context()
	p := disputesPage{page: h.page(c, "Disputes"), All: c.QueryParam("all") == "1"}
	queue, err := billing.ListDisputeQueue(ctx, h.Pool, !p.All, 200)
	if err != nil {
		return err
	}
	for _, d := range queue {
		d.OpenedAt = d.OpenedAt.In(h.Timezone)
		v := queuedDisputeView{QueuedDispute: d}
		all, err := billing.InvoiceDisputes(ctx, h.Pool, d.CustomerID, d.InvoiceID)
		if err != nil {
			return err
		}
		for _, full := range all {
			if full.ID == d.ID {
				v.Replies, v.Attachments = full.Replies, full.Attachments
				for i := range v.Replies {
					v.Replies[i].CreatedAt = v.Replies[i].CreatedAt.In(h.Timezone)
				}
			}
		}
		p.Disputes = append(p.Disputes, v)
	}
	s, err := billing.LoadCollectionSettings(ctx, h.Pool)
	if err != nil {
		return err
	}
	if p.Role == billing.RoleCollector {
		p.CollectorLimit = billing.Money{Amount: s.CollectorLimitMinor, Currency: h.Currency}.String()
	}
	return c.Render(http.StatusOK, "backoffice/disputes", p)
}

func (h *Handler) decideDispute(resolve bool) echo.HandlerFunc {
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
		in := billing.DisputeDecision{DisputeID: id, Message: c.FormValue("message"),
			CollectorLimitMinor: s.CollectorLimitMinor, Today: h.today()}
		if resolve {
			currency, err := billing.DisputeCurrency(ctx, h.Pool, id)
			if err != nil {
				return err
			}
			in.Credit = parseMoney(c, "credit", currency, errs)
		}
		if len(errs) > 0 {
			return h.flashErrors(c, disputesURL, errs)
		}
		u := staff(c)
		var summary string
		err = h.inTx(c, func(tx pgx.Tx) error {
			if resolve {
				cn, err := billing.ResolveDisputeWithCredit(ctx, tx, u, in)
				if err != nil {
					return err
				}
				summary = fmt.Sprintf("Your dispute is resolved: we issued credit note %s for %s.", cn.Number, cn.Amount)
			} else {
				if err := billing.RejectDisputeInWriting(ctx, tx, u, in); err != nil {
					return err
				}
				summary = "We reviewed your dispute and could not accept it."
			}
			body := summary + "\n\n" + strings.TrimSpace(in.Message) + "\n\n" + h.OrgName + "\n"
			return h.mailDisputeContacts(ctx, tx, billing.StaffActor(u), id, "Your dispute", body, "dispute.decision")
		})
		if errors.Is(err, billing.ErrForbidden) {
			return echo.NewHTTPError(http.StatusForbidden, "This dispute is above your approval limit. Ask an admin to decide it.")
		}
		if err != nil {
			return h.flashErrors(c, disputesURL, err)
		}
		return h.redirectWith(c, disputesURL, "Dispute decided; the customer is told by e-mail.")
	}
}

func (h *Handler) replyDispute(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	message := strings.TrimSpace(c.FormValue("message"))
	if message == "" {
		return h.flashErrors(c, disputesURL, formErrors{"message": "Write the reply before sending it."})
	}
	u := staff(c)
	err = h.inTx(c, func(tx pgx.Tx) error {
		customerID, _, err := billing.DisputeContacts(ctx, tx, id)
		if err != nil {
			return err
		}
		// ReplyToDispute stores the reply where the debtor's portal shows it and
		// records it on the timeline; the e-mail lets the contacts know.
		if _, err := billing.ReplyToDispute(ctx, tx, customerID, id, billing.StaffActor(u), true, message); err != nil {
			return err
		}
		if err := h.mailDisputeContacts(ctx, tx, billing.StaffActor(u), id, "About your dispute", message+"\n\n"+h.OrgName+"\n", "dispute.reply"); err != nil {
			return err
		}
		return billing.RecordStaffAction(ctx, tx, billing.StaffAction{Staff: u, Action: "dispute.replied", CustomerID: customerID,
			Summary: "Replied to a dispute", Details: map[string]any{"dispute_id": id}, SkipTimeline: true})
	})
	if err != nil {
		return h.flashErrors(c, disputesURL, err)
	}
	return h.redirectWith(c, disputesURL, "Reply sent.")
}

// mailDisputeContacts queues one e-mail per contact of the dispute's customer; the
// outbox puts each, with its body, on the customer's timeline.
func (h *Handler) mailDisputeContacts(ctx context.Context, tx pgx.Tx, actor billing.Actor, disputeID int64, subject, body, kind string) error {
	customerID, emails, err := billing.DisputeContacts(ctx, tx, disputeID)
	if err != nil {
		return err
	}
	for _, to := range emails {
		_, err := outbox.Queue(ctx, tx, h.Jobs, outbox.Message{
			To: to, Subject: subject, Text: body, CustomerID: customerID, Kind: kind,
			Actor: actor.String(), Source: "backoffice",
		})
		if err != nil {
			return fmt.Errorf("queueing dispute e-mail: %w", err)
		}
	}
	return nil
}
