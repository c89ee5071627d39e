package backoffice

import (
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// Routes mounts every back-office route, each line with its guard. Signed-in staff
// read every page. A write also names the billing.Action that billing.Allowed must
// grant the member's role, and the request gets 403 otherwise.
func (h *Handler) Routes(e *echo.Echo) {
	g := e.Group("/backoffice")
	g.GET("/login", h.loginForm)
	g.POST("/login", h.login)
	g.POST("/logout", h.logout)

	s := g.Group("", h.requireStaff)
	act := func(a billing.Action) echo.MiddlewareFunc { return requireAction(a) }

	s.GET("/", h.dashboard)
	s.POST("/snapshots", h.takeSnapshot, act(billing.ActRecomputeScores))
	s.GET("/aging", h.aging)
	s.GET("/aging.csv", h.agingCSV)

	s.GET("/customers", h.customers)
	s.GET("/customers/:id", h.customer)
	s.POST("/customers/:id/calls", h.logCall, act(billing.ActLogActivity))
	s.POST("/customers/:id/notes", h.logNote, act(billing.ActLogActivity))
	s.POST("/customers/:id/promises", h.logPromise, act(billing.ActLogActivity))
	s.POST("/customers/:id/settings", h.updateCustomer, act(billing.ActEditCustomer))
	s.POST("/customers/:id/contacts", h.saveContact, act(billing.ActEditCustomer))
	s.POST("/customers/:id/login-link", h.sendLoginLink, act(billing.ActSendLoginLink))
	s.POST("/customers/:id/write-offs", h.writeOff, act(billing.ActWriteOff))
	s.POST("/customers/:id/late-fees/:fee/waive", h.waiveLateFee, act(billing.ActEditCustomer))
	s.POST("/customers/:id/refunds", h.recordRefund, act(billing.ActRefund))
	s.POST("/customers/:id/gateway-refunds", h.refundGatewayPayment, act(billing.ActRefund))
	s.POST("/customers/:id/recompute", h.recomputeCustomer, act(billing.ActRecomputeScores))
	s.POST("/customers/:id/reminders/pause", h.pauseReminders, act(billing.ActLogActivity))
	s.POST("/customers/:id/reminders/resume", h.resumeReminders, act(billing.ActLogActivity))
	s.POST("/customers/:id/reminders/snooze", h.snoozeReminders, act(billing.ActLogActivity))
	s.POST("/customers/:id/reminders/send", h.sendRemindersNow, act(billing.ActLogActivity))

	s.GET("/segments", h.segments)
	s.POST("/segments/recompute", h.recomputeSegments, act(billing.ActRecomputeScores))

	s.GET("/queues/plans", h.plans)
	s.POST("/queues/plans/:id/approve", h.decidePlan(true), act(billing.ActApprovePlan))
	s.POST("/queues/plans/:id/reject", h.decidePlan(false), act(billing.ActApprovePlan))

	s.GET("/queues/disputes", h.disputes)
	s.POST("/queues/disputes/:id/reply", h.replyDispute, act(billing.ActResolveDispute))
	s.POST("/queues/disputes/:id/resolve", h.decideDispute(true), act(billing.ActResolveDispute))
	s.POST("/queues/disputes/:id/reject", h.decideDispute(false), act(billing.ActResolveDispute))

	s.GET("/queues/tasks", h.tasks)
	s.POST("/queues/tasks", h.createTask, act(billing.ActLogActivity))
	s.POST("/queues/tasks/:id/done", h.completeTask, act(billing.ActLogActivity))
	s.POST("/queues/tasks/:id/assign", h.assignTask, act(billing.ActLogActivity))

	s.GET("/account/totp", h.totpForm)
	s.POST("/account/totp", h.totpEnable)
	s.POST("/account/totp/disable", h.totpDisable)

	s.GET("/settings", h.settings)
	s.POST("/settings/organization", h.saveOrganization, act(billing.ActManageSettings))
	s.POST("/settings/collection", h.saveCollectionSettings, act(billing.ActManageSettings))
	s.POST("/settings/portal", h.savePortalSettings, act(billing.ActManageSettings))
	s.POST("/settings/terms", h.saveTermsTemplate, act(billing.ActManageSettings))
	s.GET("/settings/reminders", h.reminderSettings)
	s.GET("/settings/reminders/preview.html", h.previewHTML)
	s.POST("/settings/reminders/policies/:id", h.saveReminderPolicy, act(billing.ActManageSettings))
	s.POST("/settings/reminders/policies/:id/steps", h.addReminderStep, act(billing.ActManageSettings))
	s.POST("/settings/reminders/steps/:id", h.saveReminderStep, act(billing.ActManageSettings))
	s.POST("/settings/reminders/templates", h.saveReminderTemplate, act(billing.ActManageSettings))
	s.POST("/settings/reminders/templates/:name/reset", h.resetReminderTemplate, act(billing.ActManageSettings))
	s.GET("/settings/users", h.users)
	s.POST("/settings/users", h.inviteUser, act(billing.ActManageUsers))
	s.POST("/settings/users/:id/reset", h.resetUserPassword, act(billing.ActManageUsers))
	s.POST("/settings/users/:id/deactivate", h.setUserActive(false), act(billing.ActManageUsers))
	s.POST("/settings/users/:id/activate", h.setUserActive(true), act(billing.ActManageUsers))
	s.POST("/settings/users/:id/role", h.setUserRole, act(billing.ActManageUsers))

	s.GET("/imports", h.importForm, act(billing.ActImport))
	s.POST("/imports", h.importUpload, act(billing.ActImport))

	s.GET("/audit", h.audit, act(billing.ActViewAudit))
}
