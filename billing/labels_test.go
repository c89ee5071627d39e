package billing_test

import (
	"testing"

	"github.com/ledgvero/ledgvero/billing"
)

func TestLabelsCoverEveryCode(t *testing.T) {
	methods := []string{billing.MethodCard, billing.MethodACH, billing.MethodWire, billing.MethodCheck, billing.MethodCash, billing.MethodOther}
	for _, m := range methods {
		if got := billing.PaymentMethodLabel(m); got == m {
			t.Errorf("PaymentMethodLabel(%q) = %q, want a label", m, got)
		}
	}
	statuses := []string{billing.PaymentPending, billing.PaymentProcessing, billing.PaymentSucceeded,
		billing.PaymentFailed, billing.PaymentRefunded, billing.PaymentDisputed}
	for _, s := range statuses {
		if got := billing.PaymentStatusLabel(s); got == s {
			t.Errorf("PaymentStatusLabel(%q) = %q, want a label", s, got)
		}
	}
	for _, r := range billing.DisputeReasons {
		if got := billing.DisputeReasonLabel(r.Code); got == r.Code {
			t.Errorf("DisputeReasonLabel(%q) = %q, want a label", r.Code, got)
		}
	}
}

func TestLabelsKeepUnknownCode(t *testing.T) {
	if got := billing.PaymentMethodLabel("barter"); got != "barter" {
		t.Errorf("PaymentMethodLabel(barter) = %q, want the code back", got)
	}
	if got := billing.PaymentStatusLabel("lost"); got != "lost" {
		t.Errorf("PaymentStatusLabel(lost) = %q, want the code back", got)
	}
	if got := billing.DisputeReasonLabel("because"); got != "because" {
		t.Errorf("DisputeReasonLabel(because) = %q, want the code back", got)
	}
}
