package portal

import "github.com/labstack/echo/v4"

// Routes mounts every portal route. Each line shows the route's guard.
func (h *Handler) Routes(e *echo.Echo) {
	g := e.Group("/portal")
	g.GET("/login", h.loginForm)
	g.POST("/login", h.requestLink)
	g.GET("/link/:token", h.linkLanding)
	g.POST("/link", h.redeemLink)
	g.POST("/link/resend", h.resendLink)
	g.GET("/accounts", h.accounts)
	g.POST("/accounts", h.chooseAccount)
	g.POST("/logout", h.logout)

	g.GET("/", h.statement, h.requireDebtor)
}
