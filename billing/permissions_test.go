package billing

import "testing"

func TestAllowedTable(t *testing.T) {
	all := []Action{ActLogActivity, ActSendLoginLink, ActApprovePlan, ActResolveDispute, ActEditCustomer,
		ActWriteOff, ActRefund, ActManageSettings, ActManageUsers, ActImport, ActViewAudit, ActRecomputeScores}
	collector := map[Action]bool{ActLogActivity: true, ActSendLoginLink: true, ActApprovePlan: true,
		ActResolveDispute: true, ActEditCustomer: true, ActRecomputeScores: true}
	for _, a := range all {
		if !Allowed(RoleAdmin, a) {
			t.Errorf("admin may not %s", a)
		}
		if Allowed(RoleViewer, a) {
			t.Errorf("viewer may %s", a)
		}
		if got := Allowed(RoleCollector, a); got != collector[a] {
			t.Errorf("collector %s = %v, want %v", a, got, collector[a])
		}
		if Allowed("owner", a) {
			t.Errorf("unknown role may %s", a)
		}
	}
	if Allowed(RoleAdmin, Action("drop_tables")) {
		t.Error("admin may perform an unknown action")
	}
}

func TestAllowedAmount(t *testing.T) {
	cases := []struct {
		role   string
		action Action
		amount int64
		want   bool
	}{
		{RoleCollector, ActApprovePlan, 50000, true},
		{RoleCollector, ActApprovePlan, 50001, false},
		{RoleCollector, ActResolveDispute, 50001, false},
		{RoleCollector, ActLogActivity, 10_000_000, true},
		{RoleAdmin, ActResolveDispute, 10_000_000, true},
		{RoleViewer, ActApprovePlan, 1, false},
	}
	for _, c := range cases {
		if got := AllowedAmount(c.role, c.action, c.amount, 50000); got != c.want {
			t.Errorf("AllowedAmount(%s, %s, %d) = %v, want %v", c.role, c.action, c.amount, got, c.want)
		}
	}
}
