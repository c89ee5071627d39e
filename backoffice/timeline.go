package backoffice

import (
	"context"
	"strings"

	"github.com/ledgvero/ledgvero/billing"
)

// timelineEntry is one timeline event as the customer page shows it.
type timelineEntry struct {
	billing.Event
	When     string // the issue date for an issued invoice, else the time it was recorded
	Recorded string // the time it was recorded, in the seller's zone
	Reason   string // the "reason" detail, with a dispute reason code shown as its label
}

const timelineTimeLayout = "Jan 2, 2006, 3:04 PM MST"

// timelineEntries loads the newest 500 events of a customer. An
// "invoice.issued" event shows the invoice's issue date, because an imported or
// seeded invoice is recorded at load time, not when it was issued.
func (h *Handler) timelineEntries(ctx context.Context, customerID int64) ([]timelineEntry, error) {
	events, err := billing.Timeline(ctx, h.Pool, customerID, false, 500)
	if err != nil {
		return nil, err
	}
	var issued []int64
	for _, ev := range events {
		if ev.Kind == "invoice.issued" && ev.InvoiceID != nil {
			issued = append(issued, *ev.InvoiceID)
		}
	}
	issueDates, err := billing.IssueDates(ctx, h.Pool, issued)
	if err != nil {
		return nil, err
	}

	entries := make([]timelineEntry, 0, len(events))
	for _, ev := range events {
		ev.OccurredAt = ev.OccurredAt.In(h.Timezone)
		e := timelineEntry{Event: ev, Recorded: ev.OccurredAt.Format(timelineTimeLayout)}
		e.When = e.Recorded
		e.Reason = reasonOf(ev)
		if d, ok := issueDates[invoiceIDOf(ev)]; ok && ev.Kind == "invoice.issued" {
			e.When = d.Format()
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// sourceWords are the timeline sources as staff read them.
var sourceWords = map[string]string{
	"backoffice": "in the back office", "portal": "in the portal", "job": "by a scheduled job",
	"cli": "from the command line", "webhook": "from the payment gateway", "import": "by an import",
	"demo": "with the demo data", "recurring": "by a recurring schedule", "receipt": "from a receipt",
}

// By returns who recorded the event and where, such as "ana@example.com in the
// back office" or "Ledgvero (reminders) by a scheduled job".
func (e timelineEntry) By() string {
	kind, name, _ := strings.Cut(e.Actor, ":")
	recorder := name
	switch kind {
	case "system":
		recorder = "Ledgvero (" + strings.ReplaceAll(name, "-", " ") + ")"
	case "contact", "debtor":
		recorder = "the customer's contact " + name
	case "":
		recorder = e.Actor
	}
	if where, ok := sourceWords[e.Source]; ok {
		return recorder + " " + where
	}
	if e.Source == "" {
		return recorder
	}
	return recorder + " via " + e.Source
}

func invoiceIDOf(ev billing.Event) int64 {
	if ev.InvoiceID == nil {
		return 0
	}
	return *ev.InvoiceID
}

// reasonOf returns an event's "reason" detail as people read it. Dispute events
// store the reason code, so they get its label. Other events store staff's own
// words, which are shown as written.
func reasonOf(ev billing.Event) string {
	reason, _ := ev.Details["reason"].(string)
	if strings.HasPrefix(ev.Kind, "dispute.") {
		return billing.DisputeReasonLabel(reason)
	}
	return reason
}
