package billing

import (
	"math/rand"
	"testing"
)

func TestPlanRequestedAllocationsExample(t *testing.T) {
	t.Parallel()
	open := []openInvoice{{ID: 1, Open: 10000}, {ID: 2, Open: 5000}, {ID: 3, Open: 8000}}
	invoices, shares, rest := planRequestedAllocations(9000, open, []requestedShare{{InvoiceID: 3, Amount: 3000}, {InvoiceID: 2, Amount: 2000}})
	wantIDs, wantShares := []int64{3, 2, 1}, []int64{3000, 2000, 4000}
	if len(invoices) != len(wantIDs) {
		t.Fatalf("planned %d invoices, want %d", len(invoices), len(wantIDs))
	}
	for i := range wantIDs {
		if invoices[i].ID != wantIDs[i] || shares[i] != wantShares[i] {
			t.Errorf("share %d = invoice %d: %d, want invoice %d: %d", i, invoices[i].ID, shares[i], wantIDs[i], wantShares[i])
		}
	}
	if rest != 0 {
		t.Errorf("rest = %d, want 0", rest)
	}
}

func TestPlanRequestedAllocationsCapAndCredit(t *testing.T) {
	t.Parallel()
	open := []openInvoice{{ID: 1, Open: 10000}, {ID: 2, Open: 5000}}
	invoices, shares, rest := planRequestedAllocations(20000, open, []requestedShare{{InvoiceID: 2, Amount: 9999}})
	if len(invoices) != 2 || invoices[0].ID != 2 || shares[0] != 5000 || invoices[1].ID != 1 || shares[1] != 10000 {
		t.Errorf("plan = %+v %v, want 5000 on invoice 2 then 10000 on invoice 1", invoices, shares)
	}
	if rest != 5000 {
		t.Errorf("rest = %d, want 5000 as credit", rest)
	}
}

// TestPlanRequestedAllocationsProperties checks random plans: requests are
// honoured in order up to the open balance and the money left, the rest goes
// oldest first, no invoice gets more than its balance and nothing is lost.
func TestPlanRequestedAllocationsProperties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(20261204))
	for run := range 2000 {
		open := make([]openInvoice, 1+rng.Intn(6))
		for i := range open {
			open[i] = openInvoice{ID: int64(i + 1), Open: int64(1 + rng.Intn(10000))}
		}
		var requested []requestedShare
		for _, i := range rng.Perm(len(open))[:rng.Intn(len(open)+1)] {
			requested = append(requested, requestedShare{InvoiceID: open[i].ID, Amount: int64(1 + rng.Intn(12000))})
		}
		amount := int64(1 + rng.Intn(40000))

		invoices, shares, rest := planRequestedAllocations(amount, open, requested)

		got := map[int64]int64{}
		var sum int64
		for i, inv := range invoices {
			if shares[i] <= 0 {
				t.Fatalf("run %d: share %d for invoice %d is not positive", run, shares[i], inv.ID)
			}
			if _, dup := got[inv.ID]; dup {
				t.Fatalf("run %d: invoice %d planned twice", run, inv.ID)
			}
			got[inv.ID] = shares[i]
			sum += shares[i]
		}
		if sum+rest != amount || rest < 0 {
			t.Fatalf("run %d: shares %d plus rest %d differ from amount %d", run, sum, rest, amount)
		}

		budget := amount
		honoured := map[int64]int64{}
		for _, r := range requested {
			inv := open[r.InvoiceID-1]
			want := min(r.Amount, inv.Open, budget)
			if got[inv.ID] < want {
				t.Fatalf("run %d: invoice %d got %d, want at least its request %d", run, inv.ID, got[inv.ID], want)
			}
			honoured[inv.ID] = want
			budget -= want
		}
		full := true
		for _, inv := range open {
			if got[inv.ID] > inv.Open {
				t.Fatalf("run %d: invoice %d got %d, more than its open balance %d", run, inv.ID, got[inv.ID], inv.Open)
			}
			if got[inv.ID] > honoured[inv.ID] && !full {
				t.Fatalf("run %d: invoice %d got rest money while an older invoice is still open", run, inv.ID)
			}
			full = full && got[inv.ID] == inv.Open
		}
		if rest > 0 && !full {
			t.Fatalf("run %d: %d left as credit while an invoice is still open", run, rest)
		}
	}
}
