package backoffice

import (
	"errors"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// refundGatewayPayment refunds the whole of a succeeded card or bank payment
// through the payment gateway that took it. The ledger reverses the payment
// when the gateway's charge.refunded event arrives: the sandbox sends it at
// once, Stripe through the webhook.
func (h *Handler) refundGatewayPayment(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	paymentID, err := pathIDValue(c.FormValue("payment_id"))
	if err != nil {
		return badRequest("payment_id: pick a card or bank payment of this customer")
	}
	if h.Refunds == nil {
		return h.flashErrors(c, customerURL(id), billing.FieldErrors{"payment": "No payment gateway is configured on this server."})
	}

	res, err := h.Refunds.RefundPayment(ctx, id, paymentID, c.FormValue("reason"), staff(c))
	if errors.Is(err, billing.ErrConflict) {
		return h.flashErrors(c, customerURL(id), billing.FieldErrors{"payment": "Only a succeeded payment can be refunded."})
	}
	if err != nil {
		h.Logger.Warn("refund failed", "customer_id", id, "payment_id", paymentID, "error", err)
		return h.flashErrors(c, customerURL(id), err)
	}
	if res.Booked {
		return h.redirectWith(c, customerURL(id), fmt.Sprintf("Refunded %s; the invoices it paid are open again.", res.Amount))
	}
	return h.redirectWith(c, customerURL(id),
		fmt.Sprintf("Refund of %s sent to the gateway (%s); the payment shows refunded when the gateway confirms it.", res.Amount, res.RefundID))
}
