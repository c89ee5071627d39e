package backoffice

import "github.com/labstack/echo/v4"

// Routes mounts every back-office route. Each line shows the route's guard.
func (h *Handler) Routes(e *echo.Echo) {
	g := e.Group("/backoffice")
	g.GET("/login", h.loginForm)
	g.POST("/login", h.login)
	g.POST("/logout", h.logout)

	g.GET("/", h.dashboard, h.requireStaff)
}
