package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/ledgvero/ledgvero/assets"
	"github.com/ledgvero/ledgvero/backoffice"
	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/outbox"
	"github.com/ledgvero/ledgvero/billing/stripegw"
	"github.com/ledgvero/ledgvero/billing/websession"
	"github.com/ledgvero/ledgvero/migrations"
	"github.com/ledgvero/ledgvero/portal"
	"github.com/ledgvero/ledgvero/templates"
)

type pgxTx = pgx.Tx

// newServer builds the Echo server with its middleware and both surfaces.
func newServer(a *app) (*echo.Echo, error) {
	assetSet, err := assets.Load()
	if err != nil {
		return nil, err
	}
	renderer, err := templates.New(assetSet.URL)
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = echoRenderer{renderer}
	e.Validator = billing.NewFormValidator()
	e.HTTPErrorHandler = errorHandler(a.logger, renderer)
	e.IPExtractor = ipExtractor(a.cfg.TrustedProxies)
	e.Server.ReadHeaderTimeout = 10 * time.Second
	e.Server.IdleTimeout = 2 * time.Minute

	secure := strings.HasPrefix(a.cfg.BaseURL, "https://")
	e.Use(middleware.RequestID())
	e.Use(accessLog(a.logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			a.logger.Error("panic in handler", "request_id", requestID(c), "route", c.Path(), "error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(securityHeaders(secure, !a.cfg.Sandbox()))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024}))
	// Bound every request body before the CSRF middleware parses forms. Dispute
	// uploads carry up to five 10 MB files; back-office imports may be whole ledgers.
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   "55M",
		Skipper: func(c echo.Context) bool { return c.Request().URL.Path == "/backoffice/imports" },
	}))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   "1G",
		Skipper: func(c echo.Context) bool { return c.Request().URL.Path != "/backoffice/imports" },
	}))
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:csrf",
		CookieName:     "ledgvero_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   secure,
		CookieSameSite: http.SameSiteLaxMode,
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/webhooks/") || strings.HasPrefix(p, "/assets/") || p == "/healthz" || p == "/readyz"
		},
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "This form has expired. Go back, reload the page and try again.")
		},
	}))

	e.GET("/assets/*", echo.WrapHandler(http.StripPrefix("/assets", assetSet)))
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", readyHandler(a))
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/portal/") })

	sessionOpts := func(surface string) websession.Options {
		return websession.Options{
			Surface: surface, CookieName: "ledgvero_" + surface, Secret: a.cfg.SessionSecret,
			IdleTimeout: a.cfg.SessionIdle, MaxLifetime: a.cfg.SessionMax, Secure: secure, Now: a.now,
		}
	}
	mailJobs, err := outbox.NewInserter(a.pool)
	if err != nil {
		return nil, err
	}
	ph := &portal.Handler{
		Pool: a.pool, Sessions: websession.New(a.pool, sessionOpts("portal")), Logger: a.logger,
		Now: a.now, Timezone: a.cfg.OrgTimezone, BaseURL: a.cfg.BaseURL, Sandbox: a.cfg.Sandbox(),
		Jobs: mailJobs,
	}
	if ph.Payments, err = newPayments(a); err != nil {
		return nil, err
	}
	ph.Routes(e)
	bh := &backoffice.Handler{
		Pool: a.pool, Sessions: websession.New(a.pool, sessionOpts("backoffice")), Logger: a.logger,
		Now: a.now, Timezone: a.cfg.OrgTimezone, OrgName: a.cfg.OrgName,
		Currency: a.cfg.OrgCurrency, BaseURL: a.cfg.BaseURL, Jobs: mailJobs, RequireAdminTOTP: a.cfg.RequireAdminTOTP,
	}
	if methods, ok := ph.Payments.Gateway.(stripegw.MethodGateway); ok {
		bh.Refunds = &stripegw.Refunds{Pool: a.pool, Gateway: methods}
	}
	if bh.Reminders, err = newReminderEngine(a); err != nil {
		return nil, err
	}
	bh.Routes(e)
	return e, nil
}

type echoRenderer struct{ r *templates.Renderer }

func (er echoRenderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return er.r.Render(w, name, data)
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// accessLog logs one line per request with the route pattern, never the raw path
// or query string, because sign-in links and payment returns carry tokens there.
func accessLog(logger *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "(no route)"
			}
			logger.Info("request",
				"request_id", requestID(c), "method", c.Request().Method, "route", route,
				"status", c.Response().Status, "bytes", c.Response().Size,
				"duration_ms", float64(time.Since(start).Microseconds())/1000)
			return nil
		}
	}
}

// contentSecurityPolicy allows scripts, styles and images from this origin only,
// so no inline script runs, and forbids framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// stripeCheckoutPolicy adds Stripe Checkout to form-action. The pay form POSTs
// to this origin, which answers with a 303 to checkout.stripe.com. Chromium
// applies form-action to the redirects of a form submission: Debian's Chromium
// 156 stayed on the form page when a POST under form-action 'self' redirected to
// another loopback origin, and followed it once that origin was listed. Only a
// server with a Stripe key sends this policy, because the sandbox checkout is on
// this origin. Redirecting through a GET page was the alternative, at the cost
// of an extra step for the payer.
const stripeCheckoutPolicy = contentSecurityPolicy + " https://checkout.stripe.com"

func securityHeaders(https, stripeCheckout bool) echo.MiddlewareFunc {
	policy := contentSecurityPolicy
	if stripeCheckout {
		policy = stripeCheckoutPolicy
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", policy)
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			if https {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// ipExtractor believes X-Forwarded-For only from the configured trusted proxies;
// without any, the client IP is the TCP peer.
func ipExtractor(trusted []string) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	var opts []echo.TrustOption
	for _, cidr := range trusted {
		_, n, err := net.ParseCIDR(cidr)
		if err == nil { // loadConfig already rejected invalid CIDRs
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	opts = append(opts, echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	return echo.ExtractIPFromXFFHeader(opts...)
}

func readyHandler(a *app) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if err := a.pool.Ping(ctx); err != nil {
			a.logger.Warn("readiness: database unreachable", "error", err)
			return c.String(http.StatusServiceUnavailable, "database unreachable\n")
		}
		runner, err := migrations.NewRunner(a.pool)
		if err != nil {
			return err
		}
		defer runner.Close()
		if err := runner.Check(ctx); err != nil {
			a.logger.Warn("readiness: schema not current", "error", err)
			return c.String(http.StatusServiceUnavailable, "database schema is not current\n")
		}
		return c.String(http.StatusOK, "ready\n")
	}
}

// errorPage is the data of the friendly error page.
type errorPage struct {
	templates.Base
	Heading   string
	Message   string
	HomeURL   string
	RequestID string
}

// errorHandler turns every error into a status code and a safe page. It logs 5xx
// with the request's attributes and never shows err.Error() of an internal error.
func errorHandler(logger *slog.Logger, r *templates.Renderer) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status := http.StatusInternalServerError
		message := "Something went wrong on our side. Please try again in a moment."
		var he *echo.HTTPError
		switch {
		case errors.As(err, &he):
			status = he.Code
			if s, ok := he.Message.(string); ok && status < 500 && s != http.StatusText(status) {
				message = s
			} else if status < 500 {
				message = defaultMessage(status)
			}
		case errors.Is(err, billing.ErrNotFound):
			status, message = http.StatusNotFound, defaultMessage(http.StatusNotFound)
		}
		if status >= 500 {
			logger.Error("request failed", "request_id", requestID(c), "route", c.Path(), "method", c.Request().Method, "error", err)
		}

		surface, home := "portal", "/portal/"
		if strings.HasPrefix(c.Request().URL.Path, "/backoffice") {
			surface, home = "backoffice", "/backoffice/"
		}
		accept := c.Request().Header.Get(echo.HeaderAccept)
		if strings.HasPrefix(c.Request().URL.Path, "/webhooks/") || (accept != "" && !strings.Contains(accept, "html") && !strings.Contains(accept, "*/*")) {
			_ = c.String(status, message+"\n")
			return
		}
		page := errorPage{
			Base:    templates.Base{Title: http.StatusText(status), Surface: surface},
			Heading: http.StatusText(status), Message: message, HomeURL: home, RequestID: requestID(c),
		}
		if tok, ok := c.Get("csrf").(string); ok {
			page.CSRF = tok
		}
		var buf strings.Builder
		if rerr := r.Render(&buf, "errors/error", page); rerr != nil {
			logger.Error("rendering error page", "error", rerr)
			_ = c.String(status, message+"\n")
			return
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.HTML(status, buf.String())
	}
}

func defaultMessage(status int) string {
	switch status {
	case http.StatusNotFound:
		return "We could not find that page. It may have moved, or the address may be mistyped."
	case http.StatusForbidden:
		return "You do not have permission to do that."
	case http.StatusMethodNotAllowed:
		return "That action is not available here."
	}
	return fmt.Sprintf("The request could not be completed (%s).", http.StatusText(status))
}
