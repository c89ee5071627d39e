package billing

import (
	"reflect"
	"testing"
)

func TestInstallmentChargeKey(t *testing.T) {
	if got := InstallmentChargeKey(42, 3, 1); got != "plan-42-installment-3-try-1" {
		t.Errorf("key = %q", got)
	}
	first, again := InstallmentChargeKey(42, 3, 1), InstallmentChargeKey(42, 3, 1)
	if first != again {
		t.Errorf("the same plan, installment and try gave keys %q and %q", first, again)
	}
	seen := map[string]bool{}
	for _, k := range []string{
		InstallmentChargeKey(42, 3, 1), InstallmentChargeKey(42, 3, 2), InstallmentChargeKey(42, 31, 1),
		InstallmentChargeKey(423, 1, 1), InstallmentChargeKey(4, 23, 1),
	} {
		if seen[k] {
			t.Errorf("key %q made twice for different charges", k)
		}
		seen[k] = true
	}
}

func TestSelectCharges(t *testing.T) {
	d := func(day int) Date { return NewDate(2026, 4, day) }
	usd := func(n int64) Money { return Money{Amount: n, Currency: "USD"} }
	plan := func(states ...InstallmentState) []InstallmentState {
		// A down payment of 500 and three installments of 1000 due on the 1st, 8th and 15th.
		base := []InstallmentState{
			{Seq: 0, DueOn: d(1), Amount: usd(500)},
			{Seq: 1, DueOn: d(1), Amount: usd(1000)},
			{Seq: 2, DueOn: d(8), Amount: usd(1000)},
			{Seq: 3, DueOn: d(15), Amount: usd(1000)},
		}
		for _, s := range states {
			s.DueOn, s.Amount = base[s.Seq].DueOn, base[s.Seq].Amount
			base[s.Seq] = s
		}
		return base
	}
	tests := []struct {
		name    string
		insts   []InstallmentState
		covered int64
		today   Date
		want    []ChargeDecision
	}{
		{"due today", plan(), 500, d(8), []ChargeDecision{{Seq: 2, Try: 1, DueOn: d(8), Amount: usd(1000)}}},
		{"not yet due", plan(), 1500, d(7), nil},
		{"paid by hand", plan(), 2500, d(8), nil},
		{"partly paid charges the rest", plan(), 2000, d(8), []ChargeDecision{{Seq: 2, Try: 1, DueOn: d(8), Amount: usd(500)}}},
		{"down payment never charged", plan(), 0, d(1), []ChargeDecision{{Seq: 1, Try: 1, DueOn: d(1), Amount: usd(1000)}}},
		{"missed run caught up", plan(), 1500, d(10), []ChargeDecision{{Seq: 2, Try: 1, DueOn: d(8), Amount: usd(1000)}}},
		{"too late to catch up", plan(), 1500, d(11), nil},
		{"in flight", plan(InstallmentState{Seq: 2, Tries: 1, LastStatus: AttemptProcessing, LastIntent: true}), 1500, d(8), nil},
		{"pending at gateway", plan(InstallmentState{Seq: 2, Tries: 1, LastStatus: AttemptPending, LastIntent: true}), 1500, d(8), nil},
		{"never reached gateway resumes", plan(InstallmentState{Seq: 2, Tries: 1, LastStatus: AttemptPending}), 1500, d(8),
			[]ChargeDecision{{Seq: 2, Try: 1, DueOn: d(8), Amount: usd(1000), Resume: true}}},
		{"retry waits", plan(InstallmentState{Seq: 2, Tries: 1, LastStatus: AttemptFailed, LastFailedOn: d(8)}), 1500, d(10), nil},
		{"retry after three days", plan(InstallmentState{Seq: 2, Tries: 1, LastStatus: AttemptFailed, LastFailedOn: d(8)}), 1500, d(11),
			[]ChargeDecision{{Seq: 2, Try: 2, DueOn: d(8), Amount: usd(1000)}}},
		{"no third try", plan(InstallmentState{Seq: 2, Tries: 2, LastStatus: AttemptFailed, LastFailedOn: d(11)}), 1500, d(14), nil},
		{"failed one does not block the next", plan(InstallmentState{Seq: 2, Tries: 2, LastStatus: AttemptFailed, LastFailedOn: d(11)}), 1500, d(15),
			[]ChargeDecision{{Seq: 3, Try: 1, DueOn: d(15), Amount: usd(1000)}}},
		{"two due in one run", plan(), 500, d(1).AddDays(7), []ChargeDecision{{Seq: 2, Try: 1, DueOn: d(8), Amount: usd(1000)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SelectCharges(tt.insts, tt.covered, tt.today)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SelectCharges = %+v, want %+v", got, tt.want)
			}
		})
	}
}
