package backoffice

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/jackc/pgx/v5"

	"github.com/ledgvero/ledgvero/billing"
)

// settingsPage holds the organization, collection policies and terms templates.
type settingsPage struct {
	page
	Org       billing.Organization
	Settings  billing.CollectionSettings
	Portal    billing.PortalSettings
	Templates []billing.TermsTemplate
	// Form values in display units.
	CollectorLimit, PlanAutoMaxTotal, DiscountPct, LateFeeFlat, LateFeePct string
}

func (h *Handler) settings(c echo.Context) error {
	ctx := c.Request().Context()
	p := settingsPage{page: h.page(c, "Settings")}
	org, err := billing.LoadOrganization(ctx, h.Pool)
	if err != nil && err != billing.ErrNotFound {
		return err
	}
	if err == billing.ErrNotFound {
		org = billing.Organization{Name: h.OrgName, Timezone: h.Timezone.String(), Currency: h.Currency}
	}
	p.Org = org
	if p.Settings, err = billing.LoadCollectionSettings(ctx, h.Pool); err != nil {
		return err
	}
	if p.Portal, err = billing.LoadPortalSettings(ctx, h.Pool); err != nil {
		return err
	}
	if p.Templates, err = billing.ListTermsTemplates(ctx, h.Pool); err != nil {
		return err
	}
	money := func(minor int64) string { return billing.Money{Amount: minor, Currency: org.Currency}.Decimal() }
	p.CollectorLimit = money(p.Settings.CollectorLimitMinor)
	p.PlanAutoMaxTotal = money(p.Portal.PlanAutoMaxTotalMinor)
	p.LateFeeFlat = money(p.Settings.DefaultLateFee.FlatMinor)
	p.DiscountPct = bpString(p.Settings.DefaultDiscount.DiscountRateBP)
	p.LateFeePct = bpString(p.Settings.DefaultLateFee.RateBP)
	return c.Render(http.StatusOK, "backoffice/settings", p)
}

func (h *Handler) saveOrganization(c echo.Context) error {
	o := billing.Organization{
		Name: c.FormValue("name"), Address: c.FormValue("address"), RemitTo: c.FormValue("remit_to"),
		BankDetails: c.FormValue("bank_details"), Timezone: strings.TrimSpace(c.FormValue("timezone")),
		Currency: strings.ToUpper(strings.TrimSpace(c.FormValue("currency"))),
	}
	err := h.inTx(c, func(tx pgx.Tx) error {
		if err := billing.SaveOrganization(c.Request().Context(), tx, o); err != nil {
			return err
		}
		return billing.RecordStaffAction(c.Request().Context(), tx, billing.StaffAction{
			Staff: staff(c), Action: "settings.organization", Summary: "Changed organization details",
			Details: map[string]any{"name": o.Name, "timezone": o.Timezone, "currency": o.Currency},
		})
	})
	if err != nil {
		return h.flashErrors(c, "/backoffice/settings", err)
	}
	return h.redirectWith(c, "/backoffice/settings", "Organization saved. A new time zone or currency applies after the next restart.")
}

func (h *Handler) saveCollectionSettings(c echo.Context) error {
	errs := formErrors{}
	cur := h.Currency
	s := billing.CollectionSettings{
		CollectorLimitMinor: parseMoney(c, "collector_limit", cur, errs).Amount,
		DefaultDiscount: billing.Terms{DiscountRateBP: parsePercentBP(c, "default_discount_rate", errs),
			DiscountDays: parseInt(c, "default_discount_days", 0, errs)},
		DefaultLateFee: billing.LateFeePolicy{Kind: c.FormValue("default_late_fee_kind"),
			FlatMinor: parseMoney(c, "default_late_fee_flat", cur, errs).Amount,
			RateBP:    parsePercentBP(c, "default_late_fee_rate", errs), GraceDays: parseInt(c, "default_late_fee_grace_days", 0, errs)},
	}
	if len(errs) > 0 {
		return h.flashErrors(c, "/backoffice/settings", errs)
	}
	err := h.inTx(c, func(tx pgx.Tx) error {
		if err := billing.SaveCollectionSettings(c.Request().Context(), tx, s); err != nil {
			return err
		}
		return billing.RecordStaffAction(c.Request().Context(), tx, billing.StaffAction{
			Staff: staff(c), Action: "settings.collection", Summary: "Changed collection policies",
			Details: map[string]any{"collector_limit_minor": s.CollectorLimitMinor, "default_late_fee_kind": s.DefaultLateFee.Kind,
				"default_discount_rate_bp": s.DefaultDiscount.DiscountRateBP},
		})
	})
	if err != nil {
		return h.flashErrors(c, "/backoffice/settings", err)
	}
	return h.redirectWith(c, "/backoffice/settings", "Collection policies saved.")
}

func (h *Handler) saveTermsTemplate(c echo.Context) error {
	errs := formErrors{}
	t := billing.TermsTemplate{Name: c.FormValue("name"), Terms: billing.Terms{NetDays: parseInt(c, "net_days", 0, errs),
		DiscountRateBP: parsePercentBP(c, "discount_rate", errs), DiscountDays: parseInt(c, "discount_days", 0, errs)}}
	if len(errs) > 0 {
		return h.flashErrors(c, "/backoffice/settings", errs)
	}
	err := h.inTx(c, func(tx pgx.Tx) error {
		if err := billing.SaveTermsTemplate(c.Request().Context(), tx, t); err != nil {
			return err
		}
		return billing.RecordStaffAction(c.Request().Context(), tx, billing.StaffAction{
			Staff: staff(c), Action: "settings.terms_template", Summary: "Saved terms template " + strings.TrimSpace(t.Name)})
	})
	if err != nil {
		return h.flashErrors(c, "/backoffice/settings", err)
	}
	return h.redirectWith(c, "/backoffice/settings", "Terms template saved.")
}

func (h *Handler) savePortalSettings(c echo.Context) error {
	errs := formErrors{}
	s := billing.PortalSettings{
		PlanAutoMaxTotalMinor:  parseMoney(c, "plan_auto_max_total", h.Currency, errs).Amount,
		PlanAutoMaxInstallment: parseInt(c, "plan_auto_max_installments", 0, errs),
		PlanAutoMaxMonths:      parseInt(c, "plan_auto_max_months", 0, errs),
		PlanMaxInstallments:    parseInt(c, "plan_max_installments", 0, errs),
		PlanMaxFirstDays:       parseInt(c, "plan_max_first_days", 0, errs),
		PlanGraceDays:          parseInt(c, "plan_grace_days", 0, errs),
		PromiseMaxDays:         parseInt(c, "promise_max_days", 0, errs),
		PromiseGraceDays:       parseInt(c, "promise_grace_days", 0, errs),
	}
	if len(errs) == 0 {
		errs = billing.ValidatePortalSettings(s)
	}
	if len(errs) > 0 {
		return h.flashErrors(c, "/backoffice/settings", errs)
	}
	err := h.inTx(c, func(tx pgx.Tx) error {
		if err := billing.SavePortalSettings(c.Request().Context(), tx, s); err != nil {
			return err
		}
		return billing.RecordStaffAction(c.Request().Context(), tx, billing.StaffAction{
			Staff: staff(c), Action: "settings.portal", Summary: "Changed plan auto-approval and portal limits",
			Details: map[string]any{"plan_auto_max_total_minor": s.PlanAutoMaxTotalMinor, "plan_auto_max_installments": s.PlanAutoMaxInstallment,
				"plan_auto_max_months": s.PlanAutoMaxMonths, "plan_max_installments": s.PlanMaxInstallments}})
	})
	if err != nil {
		return h.flashErrors(c, "/backoffice/settings", err)
	}
	return h.redirectWith(c, "/backoffice/settings", "Plan and promise rules saved.")
}
