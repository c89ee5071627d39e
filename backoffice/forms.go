package backoffice

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
)

// formErrors collects problems with submitted fields, keyed by field name.
type formErrors = billing.FieldErrors

// pathID parses the :id route parameter; a bad one is a 404 like a missing record.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, billing.ErrNotFound
	}
	return id, nil
}

// parseMoney reads an optional amount field in currency into errs.
func parseMoney(c echo.Context, field, currency string, errs formErrors) billing.Money {
	v := strings.TrimSpace(c.FormValue(field))
	if v == "" {
		return billing.Money{Currency: currency}
	}
	m, err := billing.ParseMoney(v, currency)
	if err != nil {
		errs[field] = "Enter an amount such as 1250.00."
	}
	return m
}

// parseInt reads an integer field into errs; empty is def.
func parseInt(c echo.Context, field string, def int, errs formErrors) int {
	v := strings.TrimSpace(c.FormValue(field))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		errs[field] = "Enter a whole number."
	}
	return n
}

// parsePercentBP reads a percentage such as "2" or "1.5" as basis points.
func parsePercentBP(c echo.Context, field string, errs formErrors) int64 {
	v := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(c.FormValue(field)), "%"))
	if v == "" {
		return 0
	}
	m, err := billing.ParseMoney(v, "USD") // two decimals: 1.50% is 150 basis points
	if err != nil || m.Amount < 0 {
		errs[field] = "Enter a percentage such as 2 or 1.5."
		return 0
	}
	return m.Amount
}

// parseDate reads a YYYY-MM-DD field into errs.
func parseDate(c echo.Context, field string, errs formErrors) billing.Date {
	v := strings.TrimSpace(c.FormValue(field))
	if v == "" {
		errs[field] = "Enter a date such as 2026-01-31."
		return billing.Date{}
	}
	d, err := billing.ParseDate(v)
	if err != nil {
		errs[field] = "Enter a date such as 2026-01-31."
	}
	return d
}

// flashErrors turns validation errors into an error flash and a redirect, and
// passes other errors on to the central error handler.
func (h *Handler) flashErrors(c echo.Context, url string, err error) error {
	var fe billing.FieldErrors
	if errors.As(err, &fe) {
		msgs := make([]string, 0, len(fe))
		for field, msg := range fe {
			msgs = append(msgs, strings.ReplaceAll(field, "_", " ")+": "+msg)
		}
		return h.redirectWith(c, url, "!Not saved. "+strings.Join(msgs, " "))
	}
	if errors.Is(err, billing.ErrConflict) {
		return h.redirectWith(c, url, "!Not saved: that conflicts with an existing record.")
	}
	return err
}

// badRequest is a 400 whose message names the field and the fix.
func badRequest(msg string) error { return echo.NewHTTPError(http.StatusBadRequest, msg) }

func pathIDValue(v string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, billing.ErrNotFound
	}
	return id, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func isConflict(err error) bool { return errors.Is(err, billing.ErrConflict) }
