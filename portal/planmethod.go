package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/stripegw"
	"github.com/ledgvero/ledgvero/templates"
)

// methodLinkPage is the landing page of an e-mailed link to replace a plan's
// saved payment method. Its button POSTs the token, so a mail scanner that
// fetches the link does not use it up.
type methodLinkPage struct {
	templates.Base
	Token string
}

func (h *Handler) methodGateway() (stripegw.MethodGateway, error) {
	g, ok := h.Payments.Gateway.(stripegw.MethodGateway)
	if !ok {
		return nil, fmt.Errorf("payment gateway %s cannot save payment methods", h.Payments.Gateway.Name())
	}
	return g, nil
}

// savePlanMethod starts saving a payment method for a plan that has none. A
// plan that already has one gets an e-mailed link instead, because replacing
// a saved method needs proof of the address on file, not only a session.
func (h *Handler) savePlanMethod(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	ctx := c.Request().Context()
	planID, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	_, saved, err := billing.PlanForSetup(ctx, h.Pool, d.CustomerID, planID)
	if errors.Is(err, billing.ErrConflict) {
		return c.Redirect(http.StatusSeeOther, "/portal/plan?done=method_unavailable")
	}
	if err != nil {
		return err
	}
	if saved.PaymentMethodID == "" {
		return h.startSetup(c, d, planID, false)
	}

	err = billing.InTx(ctx, h.Pool, func(tx pgx.Tx) error {
		token, err := billing.CreateMethodLink(ctx, tx, planID, d.Email, h.Now())
		if err != nil {
			return err
		}
		link := fmt.Sprintf("%s/portal/plans/method-link/%s", h.BaseURL, token)
		_, err = outbox.Queue(ctx, tx, h.Jobs, outbox.Message{
			To: d.Email, Subject: "Change the payment method of your payment plan", CustomerID: d.CustomerID,
			Kind: "plan.payment_method_link", Secrets: []string{token}, Actor: "contact:" + d.Email, Source: "portal",
			Text: fmt.Sprintf("Someone signed in to your account asked to change the payment method that is charged "+
				"for your payment plan, now %s.\n\nTo choose a new one, open this link within 7 days:\n%s\n\n"+
				"If this was not you, ignore this e-mail: nothing changes.\n", saved.Label(), link),
		})
		return err
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/portal/plan?done=method_link")
}

// startSetup creates the gateway's setup page for a plan and sends the debtor
// there. replaces is true only for a setup opened from an e-mailed link.
func (h *Handler) startSetup(c echo.Context, d debtor, planID int64, replaces bool) error {
	ctx := c.Request().Context()
	g, err := h.methodGateway()
	if err != nil {
		return err
	}
	req := stripegw.SetupRequest{
		PlanID: planID, CustomerID: d.CustomerID, Email: d.Email,
		Success: fmt.Sprintf("%s/portal/plans/%d/method/done?setup={CHECKOUT_SESSION_ID}", h.BaseURL, planID),
		Cancel:  h.BaseURL + "/portal/plan",
	}
	checkout, err := g.StartSetup(ctx, req)
	if err != nil {
		return err
	}
	err = billing.InTx(ctx, h.Pool, func(tx pgx.Tx) error {
		if err := billing.RecordPlanSetup(ctx, tx, billing.PlanSetup{ID: checkout.SessionID, PlanID: planID, Gateway: g.Name(),
			SuccessURL: req.Success, CancelURL: req.Cancel}); err != nil {
			return err
		}
		if !replaces {
			return nil
		}
		return billing.AllowMethodReplacement(ctx, tx, checkout.SessionID)
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, checkout.URL)
}

// planMethodDone stores the method a completed setup saved. The setup must
// belong to the plan in the URL and to the signed-in customer. It replaces a
// saved method only when it was opened from an e-mailed link.
func (h *Handler) planMethodDone(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	ctx := c.Request().Context()
	planID, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	setup, err := billing.LoadPlanSetup(ctx, h.Pool, c.QueryParam("setup"))
	if err != nil {
		return err
	}
	if setup.PlanID != planID || setup.CustomerID != d.CustomerID {
		return billing.ErrNotFound
	}
	_, saved, err := billing.PlanForSetup(ctx, h.Pool, d.CustomerID, planID)
	if errors.Is(err, billing.ErrConflict) {
		return c.Redirect(http.StatusSeeOther, "/portal/plan?done=method_unavailable")
	}
	if err != nil {
		return err
	}
	if saved.PaymentMethodID != "" && !setup.Replaces {
		return c.Redirect(http.StatusSeeOther, "/portal/plan?done=method_kept")
	}

	g, err := h.methodGateway()
	if err != nil {
		return err
	}
	m, err := g.FinishSetup(ctx, setup.ID)
	if err != nil {
		return err
	}
	err = billing.InTx(ctx, h.Pool, func(tx pgx.Tx) error {
		if setup.Status == "open" {
			if err := billing.CompletePlanSetup(ctx, tx, setup.ID, m, h.Now()); err != nil {
				return err
			}
		}
		return billing.SavePlanMethod(ctx, tx, d.CustomerID, planID, m, billing.Actor{Kind: "contact", Name: d.Email})
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/portal/plan?done=method_saved")
}

func (h *Handler) methodLinkLanding(c echo.Context) error {
	page := methodLinkPage{Base: h.base(c, "Change your payment method"), Token: c.Param("token")}
	return c.Render(http.StatusOK, "portal/method_link", page)
}

// redeemMethodLink spends an e-mailed link and opens a setup that may replace
// the plan's saved method. The plan must belong to the signed-in customer.
func (h *Handler) redeemMethodLink(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	ctx := c.Request().Context()
	planID, err := billing.RedeemMethodLink(ctx, h.Pool, c.FormValue("token"), h.Now())
	if errors.Is(err, billing.ErrUsed) || errors.Is(err, billing.ErrExpired) {
		return c.Redirect(http.StatusSeeOther, "/portal/plan?done=method_link_spent")
	}
	if err != nil {
		return err
	}
	_, _, err = billing.PlanForSetup(ctx, h.Pool, d.CustomerID, planID)
	if errors.Is(err, billing.ErrConflict) {
		return c.Redirect(http.StatusSeeOther, "/portal/plan?done=method_unavailable")
	}
	if err != nil {
		return err
	}
	return h.startSetup(c, d, planID, true)
}
