package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of a Ledgvero process, read once from the environment.
type Config struct {
	Env             string         // LEDGVERO_ENV: "development" or "production"
	Addr            string         // LEDGVERO_ADDR: host:port the HTTP server listens on
	BaseURL         string         // LEDGVERO_BASE_URL: public URL used in e-mailed links
	DatabaseURL     string         // DATABASE_URL: PostgreSQL connection URL
	SessionSecret   []byte         // SESSION_SECRET: signs session cookies, at least 32 bytes
	SessionIdle     time.Duration  // SESSION_IDLE_TIMEOUT: a session unused this long ends
	SessionMax      time.Duration  // SESSION_MAX_LIFETIME: a session ends this long after login
	LogFormat       string         // LOG_FORMAT: "text" or "json"
	LogLevel        slog.Level     // LOG_LEVEL: debug, info, warn or error
	OrgName         string         // ORG_NAME: the seller's name on pages and e-mails
	OrgTimezone     *time.Location // ORG_TIMEZONE: IANA zone for due dates and "today"
	OrgCurrency     string         // ORG_CURRENCY: ISO 4217 code of the seller's currency
	SMTPURL         string         // SMTP_URL: outgoing mail server
	MailFrom        string         // MAIL_FROM: sender address of every e-mail
	StripeSecretKey string         // STRIPE_SECRET_KEY: empty selects the payment sandbox
	StripeWebhook   string         // STRIPE_WEBHOOK_SECRET: verifies webhook signatures
	TrustedProxies  []string       // TRUSTED_PROXIES: CIDRs whose X-Forwarded-For is believed
	ShutdownTimeout time.Duration  // SHUTDOWN_TIMEOUT: how long a stop waits for in-flight work
	// RequireAdminTOTP (REQUIRE_ADMIN_TOTP, default false) makes admins enroll an
	// authenticator app before they reach any other back-office page.
	RequireAdminTOTP bool
	SandboxACHDelay  time.Duration // SANDBOX_ACH_DELAY: how long a sandbox bank payment takes to settle or fail, default 30s
	ReminderHour     int           // REMINDER_HOUR: hour of the day (0-23, in ORG_TIMEZONE) of the daily reminder run, default 9
}

// Production reports whether the process runs with production rules.
func (c Config) Production() bool { return c.Env == "production" }

// Sandbox reports whether payments go to the built-in sandbox instead of Stripe.
func (c Config) Sandbox() bool { return c.StripeSecretKey == "" }

// Development defaults for the secrets. Production refuses to start with them.
const (
	devSessionSecret = "ledgvero-development-session-secret-not-for-production"
	devWebhookSecret = "whsec_ledgvero_sandbox"
)

// loadConfig reads the environment. getenv is os.Getenv outside tests. It returns
// every problem at once, each naming its variable, and the names of the variables
// that fell back to a development default.
func loadConfig(getenv func(string) string) (Config, []string, error) {
	var errs []error
	var warnings []string
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		if def != "" {
			warnings = append(warnings, name)
		}
		return def
	}
	dur := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" {
			warnings = append(warnings, name)
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: invalid duration %q: use a positive Go duration such as 30m or 12h", name, v))
			return def
		}
		return d
	}

	c := Config{
		Env:             str("LEDGVERO_ENV", "development"),
		Addr:            str("LEDGVERO_ADDR", "127.0.0.1:8080"),
		DatabaseURL:     str("DATABASE_URL", ""),
		SessionIdle:     dur("SESSION_IDLE_TIMEOUT", 30*time.Minute),
		SessionMax:      dur("SESSION_MAX_LIFETIME", 12*time.Hour),
		LogFormat:       str("LOG_FORMAT", "text"),
		OrgName:         str("ORG_NAME", "Acme Industrial Supply"),
		OrgCurrency:     strings.ToUpper(str("ORG_CURRENCY", "USD")),
		SMTPURL:         str("SMTP_URL", ""),
		MailFrom:        str("MAIL_FROM", ""),
		StripeSecretKey: str("STRIPE_SECRET_KEY", ""),
		StripeWebhook:   str("STRIPE_WEBHOOK_SECRET", ""),
		ShutdownTimeout: dur("SHUTDOWN_TIMEOUT", 20*time.Second),
		SandboxACHDelay: dur("SANDBOX_ACH_DELAY", 30*time.Second),
	}
	if c.Env != "development" && c.Env != "production" {
		errs = append(errs, fmt.Errorf("LEDGVERO_ENV: invalid value %q: use development or production", c.Env))
	}
	prod := c.Production()
	secret := func(name, value, def string) string {
		if value != "" {
			return value
		}
		if prod {
			errs = append(errs, fmt.Errorf("%s: missing: production needs a secret of its own", name))
			return ""
		}
		warnings = append(warnings, name)
		return def
	}

	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL: missing: set a PostgreSQL URL such as postgres://user@127.0.0.1:5432/ledgvero"))
	}
	c.BaseURL = strings.TrimRight(str("LEDGVERO_BASE_URL", ""), "/")
	if c.BaseURL == "" {
		if prod {
			errs = append(errs, errors.New("LEDGVERO_BASE_URL: missing: production needs the public URL for e-mailed links"))
		}
		c.BaseURL = "http://" + strings.Replace(c.Addr, "127.0.0.1", "localhost", 1)
		warnings = append(warnings, "LEDGVERO_BASE_URL")
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("LEDGVERO_BASE_URL: invalid URL %q: use a URL such as https://pay.example.com", c.BaseURL))
	}

	c.SessionSecret = []byte(secret("SESSION_SECRET", getenv("SESSION_SECRET"), devSessionSecret))
	if len(c.SessionSecret) > 0 && len(c.SessionSecret) < 32 {
		errs = append(errs, errors.New("SESSION_SECRET: too short: use at least 32 random bytes, for example `openssl rand -hex 32`"))
	}
	if c.SMTPURL == "" {
		if prod {
			errs = append(errs, errors.New("SMTP_URL: missing: production needs a mail server such as smtp://user:pass@mail.example.com:587"))
		}
		c.SMTPURL = "smtp://127.0.0.1:1025"
		warnings = append(warnings, "SMTP_URL")
	} else if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		errs = append(errs, fmt.Errorf("SMTP_URL: invalid URL: use smtp://host:port or smtps://user:pass@host:465"))
	}
	if c.MailFrom == "" {
		c.MailFrom = "billing@ledgvero.localhost"
		warnings = append(warnings, "MAIL_FROM")
	}
	if c.StripeSecretKey == "" && prod {
		errs = append(errs, errors.New("STRIPE_SECRET_KEY: missing: production takes real payments; the sandbox moves no money"))
	}
	c.StripeWebhook = secret("STRIPE_WEBHOOK_SECRET", c.StripeWebhook, devWebhookSecret)

	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("LOG_FORMAT: invalid value %q: use text or json", c.LogFormat))
	}
	if err := c.LogLevel.UnmarshalText([]byte(str("LOG_LEVEL", "info"))); err != nil {
		errs = append(errs, fmt.Errorf("LOG_LEVEL: invalid value %q: use debug, info, warn or error", getenv("LOG_LEVEL")))
	}
	tz, err := time.LoadLocation(str("ORG_TIMEZONE", "America/New_York"))
	if err != nil {
		errs = append(errs, fmt.Errorf("ORG_TIMEZONE: unknown time zone %q: use an IANA name such as America/Chicago", getenv("ORG_TIMEZONE")))
	}
	c.OrgTimezone = tz
	if len(c.OrgCurrency) != 3 {
		errs = append(errs, fmt.Errorf("ORG_CURRENCY: invalid code %q: use an ISO 4217 code such as USD", c.OrgCurrency))
	}
	if v := str("TRUSTED_PROXIES", ""); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("TRUSTED_PROXIES: invalid CIDR %q: use a list such as 10.0.0.0/8,192.168.1.10/32", p))
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	switch v := strings.ToLower(str("REQUIRE_ADMIN_TOTP", "false")); v {
	case "true", "1", "yes":
		c.RequireAdminTOTP = true
	case "false", "0", "no":
	default:
		errs = append(errs, fmt.Errorf("REQUIRE_ADMIN_TOTP: invalid value %q: use true or false", v))
	}
	c.ReminderHour = 9
	if v := str("REMINDER_HOUR", ""); v != "" {
		h, err := strconv.Atoi(v)
		if err != nil || h < 0 || h > 23 {
			errs = append(errs, fmt.Errorf("REMINDER_HOUR: invalid hour %q: use a whole number from 0 to 23", v))
		}
		c.ReminderHour = h
	}
	if len(errs) > 0 {
		return Config{}, nil, errors.Join(errs...)
	}
	slices.Sort(warnings)
	return c, slices.Compact(warnings), nil
}
