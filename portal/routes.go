package portal

import "github.com/labstack/echo/v4"

// Routes mounts every portal route. Each line shows the route's guard.
func (h *Handler) Routes(e *echo.Echo) {
	g := e.Group("/portal", h.withSeller)
	g.GET("/login", h.loginForm)
	g.POST("/login", h.requestLink)
	g.GET("/link/:token", h.linkLanding)
	g.POST("/link", h.redeemLink)
	g.POST("/link/resend", h.resendLink)
	g.GET("/accounts", h.accounts)
	g.POST("/accounts", h.chooseAccount)
	g.POST("/logout", h.logout)

	g.GET("/", h.statement, h.requireDebtor)
	g.GET("/statement.csv", h.statementCSV, h.requireDebtor)
	g.GET("/statement.pdf", h.statementPDF, h.requireDebtor)
	g.GET("/invoices/:id", h.invoice, h.requireDebtor)
	g.GET("/invoices/:id/pdf", h.invoicePDF, h.requireDebtor)
	g.POST("/invoices/:id/confirm", h.confirmReceipt, h.requireDebtor)
	g.POST("/invoices/:id/promise", h.promise, h.requireDebtor)
	g.GET("/invoices/:id/dispute", h.disputeForm, h.requireDebtor)
	g.POST("/invoices/:id/dispute", h.openDispute, h.requireDebtor)
	g.POST("/disputes/:id/reply", h.replyDispute, h.requireDebtor)
	g.GET("/dispute-attachments/:id", h.disputeAttachment, h.requireDebtor)
	g.GET("/plan", h.planForm, h.requireDebtor)
	g.POST("/plan", h.proposePlan, h.requireDebtor)
	g.POST("/plans/:id/method", h.savePlanMethod, h.requireDebtor)
	g.GET("/plans/:id/method/done", h.planMethodDone, h.requireDebtor)
	g.GET("/plans/method-link/:token", h.methodLinkLanding, h.requireDebtor)
	g.POST("/plans/method-link", h.redeemMethodLink, h.requireDebtor)

	g.GET("/pay", h.payForm, h.requireDebtor)
	g.POST("/pay", h.pay, h.requireDebtor)
	g.GET("/pay/:id", h.payStatus, h.requireDebtor)
	g.GET("/receipts/:id", h.receipt, h.requireDebtor)

	// Stripe signs webhooks instead of sending a CSRF token; http.go skips
	// CSRF for /webhooks/.
	e.POST("/webhooks/stripe", h.stripeWebhook)
	if h.Payments.Sandbox != nil {
		// Public like a Stripe Checkout URL: the session id is the capability.
		// Like Stripe Checkout, the pages name the seller.
		e.GET("/sandbox/checkout/:id", h.sandboxCheckout, h.withSeller)
		e.POST("/sandbox/checkout/:id", h.sandboxPay, h.withSeller)
		e.GET("/sandbox/setup/:id", h.sandboxSetup, h.withSeller)
		e.POST("/sandbox/setup/:id", h.sandboxSaveMethod, h.withSeller)
	}
}
