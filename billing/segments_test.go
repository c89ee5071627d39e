package billing

import "testing"

func TestRiskScore(t *testing.T) {
	limit := int64(100000)
	recent, older := 20, 5
	cases := []struct {
		name string
		in   RiskInputs
		want int
	}{
		{"clean", RiskInputs{}, 0},
		{"history capped", RiskInputs{AvgDaysLatePaid: 90}, 30},
		{"all overdue", RiskInputs{OpenMinor: 1000, OverdueMinor: 1000, WeightedDaysLate: 60}, 30},
		{"worse trend", RiskInputs{RecentDaysLatePaid: &recent, OlderDaysLatePaid: &older}, 10},
		{"events capped", RiskInputs{Disputes: 5, BrokenPromises: 9, DefaultedPlans: 3}, 45},
		{"over limit", RiskInputs{OpenMinor: 120000, CreditLimitMinor: &limit}, 10},
		{"everything", RiskInputs{AvgDaysLatePaid: 90, OpenMinor: 200000, OverdueMinor: 200000, WeightedDaysLate: 200,
			Disputes: 9, BrokenPromises: 9, DefaultedPlans: 9, CreditLimitMinor: &limit}, 100},
	}
	for _, c := range cases {
		got, factors := RiskScore(c.in)
		if got != c.want {
			t.Errorf("%s: score %d, want %d (factors %+v)", c.name, got, c.want, factors)
		}
		sum := 0
		for _, f := range factors {
			sum += f.Points
			if f.Detail == "" {
				t.Errorf("%s: factor %s has no explanation", c.name, f.Name)
			}
		}
		if c.want < 100 && sum != got {
			t.Errorf("%s: factors add to %d, score is %d", c.name, sum, got)
		}
	}
}

func TestBandsAndTiers(t *testing.T) {
	if RiskBand(29) != "low" || RiskBand(30) != "medium" || RiskBand(60) != "high" {
		t.Error("risk bands do not split at 30 and 60")
	}
	if ValueTier(0, MediumValueMinor-1) != "low" || ValueTier(MediumValueMinor, 0) != "medium" || ValueTier(HighValueMinor/2, HighValueMinor/2) != "high" {
		t.Error("value tiers do not split at the thresholds")
	}
	if Segment("high", "low") != "high-risk/low-value" {
		t.Error("segment name")
	}
}
