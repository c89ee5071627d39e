package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

func TestAdminSavesSettings(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.signIn(t, "admin@example.com", billing.RoleAdmin)
	ctx := context.Background()

	status, _ := post(t, admin, ts.URL+"/backoffice/settings/collection", url.Values{
		"collector_limit": {"2500.00"}, "default_late_fee_kind": {"flat"}, "default_late_fee_flat": {"25.00"}})
	if status != http.StatusSeeOther {
		t.Fatalf("collection settings: status %d", status)
	}
	s, err := billing.LoadCollectionSettings(ctx, ts.pool)
	if err != nil {
		t.Fatal(err)
	}
	if s.CollectorLimitMinor != 250000 || s.DefaultLateFee.Kind != "flat" || s.DefaultLateFee.FlatMinor != 2500 {
		t.Errorf("saved %+v", s)
	}

	status, _ = post(t, admin, ts.URL+"/backoffice/settings/portal", url.Values{
		"plan_auto_max_total": {"1000.00"}, "plan_auto_max_installments": {"3"}, "plan_auto_max_months": {"3"},
		"plan_max_installments": {"12"}, "plan_max_first_days": {"30"}, "plan_grace_days": {"5"},
		"promise_max_days": {"60"}, "promise_grace_days": {"2"}})
	if status != http.StatusSeeOther {
		t.Fatalf("portal settings: status %d", status)
	}
	p, err := billing.LoadPortalSettings(ctx, ts.pool)
	if err != nil {
		t.Fatal(err)
	}
	if p.PlanAutoMaxTotalMinor != 100000 || p.PlanAutoMaxInstallment != 3 || p.PlanMaxInstallments != 12 {
		t.Errorf("saved %+v", p)
	}

	// Invalid input changes nothing, and the flash names the wrong field.
	status, _ = post(t, admin, ts.URL+"/backoffice/settings/portal", url.Values{
		"plan_auto_max_installments": {"30"}, "plan_max_installments": {"12"}})
	if status != http.StatusSeeOther {
		t.Fatalf("invalid portal settings: status %d", status)
	}
	_, body := get(t, admin, ts.URL+"/backoffice/settings")
	if !strings.Contains(body, "plan auto max installments") {
		t.Errorf("no error naming the field in the flash")
	}
	if again, _ := billing.LoadPortalSettings(ctx, ts.pool); again != p {
		t.Errorf("invalid input changed the settings to %+v", again)
	}

	status, _ = post(t, admin, ts.URL+"/backoffice/settings/organization", url.Values{"name": {"Acme"}, "timezone": {"Mars/Olympus"}, "currency": {"USD"}})
	if status != http.StatusSeeOther {
		t.Fatalf("organization: status %d", status)
	}
	_, body = get(t, admin, ts.URL+"/backoffice/settings")
	if !strings.Contains(body, "Unknown time zone") {
		t.Error("no error for an unknown time zone")
	}
}
