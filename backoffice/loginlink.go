package backoffice

import (
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
)

// sendLoginLink e-mails a 7-day portal sign-in link to one of the customer's
// contacts through the outbox, and records who sent it.
func (h *Handler) sendLoginLink(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	contactID, err := strconv.ParseInt(c.FormValue("contact_id"), 10, 64)
	if err != nil {
		return badRequest("contact_id: pick a contact of this customer")
	}
	contacts, err := billing.CustomerContacts(ctx, h.Pool, id)
	if err != nil {
		return err
	}
	var contact *billing.Contact
	for i := range contacts {
		if contacts[i].ID == contactID {
			contact = &contacts[i]
		}
	}
	if contact == nil {
		return billing.ErrNotFound
	}

	u := staff(c)
	err = h.inTx(c, func(tx pgx.Tx) error {
		token, err := billing.CreateMagicLink(ctx, tx, contact.Email, billing.LinkEmailed, h.Now())
		if err != nil {
			return err
		}
		link := h.BaseURL + "/portal/link/" + token
		text := fmt.Sprintf("Hello,\n\n%s sent you a link to your account with %s. It works once and expires in 7 days:\n\n%s\n",
			u.Email, h.OrgName, link)
		_, err = outbox.Queue(ctx, tx, h.Jobs, outbox.Message{
			To: contact.Email, Subject: "Your account with " + h.OrgName, Text: text,
			CustomerID: id, Kind: "portal.sign_in_link", Secrets: []string{token},
			Actor: billing.StaffActor(u).String(), Source: "backoffice",
		})
		if err != nil {
			return fmt.Errorf("queueing sign-in link e-mail: %w", err)
		}
		return billing.RecordStaffAction(ctx, tx, billing.StaffAction{
			Staff: u, Action: "login_link.sent", CustomerID: id,
			Summary: "Sent a sign-in link to " + contact.Email, Details: map[string]any{"contact_id": contact.ID},
		})
	})
	if err != nil {
		return err
	}
	return h.redirectWith(c, customerURL(id), "Sign-in link sent to "+contact.Email+".")
}
