package portal

import (
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing/stripegw"
)

// maxWebhookBytes bounds the body read from Stripe, whose events are a few KB.
const maxWebhookBytes = 1 << 20

// stripeWebhook verifies and applies one Stripe event. A bad signature gets 400
// and changes nothing. A failure to apply gets 500, so Stripe delivers again.
func (h *Handler) stripeWebhook(c echo.Context) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxWebhookBytes+1))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "could not read the request body")
	}
	if len(body) > maxWebhookBytes {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "event too large")
	}

	err = h.Payments.Processor.Handle(c.Request().Context(), body, c.Request().Header.Get("Stripe-Signature"))
	if errors.Is(err, stripegw.ErrSignature) {
		h.Logger.Warn("webhook rejected", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err)
		return echo.NewHTTPError(http.StatusBadRequest, "invalid signature")
	}
	if err != nil {
		return err
	}
	return c.String(http.StatusOK, "ok\n")
}
