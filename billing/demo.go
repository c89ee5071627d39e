package billing

import (
	"context"
	"fmt"
)

// DemoContactEmail is the billing contact of the demo customer Northwind Traders.
const DemoContactEmail = "ap@northwind.example"

// SeedDemo loads the demo organization and customers, with invoices dated relative
// to today: one due in 10 days, one inside its early-payment discount window and
// one 40 days overdue. It reports false and changes nothing when the demo data is
// already there, so it is safe to run twice. Run it inside a transaction.
func SeedDemo(ctx context.Context, db DB, orgName, timezone, currency string, today Date) (bool, error) {
	var exists bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM customers WHERE external_id = 'DEMO-NORTHWIND')`).Scan(&exists)
	if err != nil {
		return false, fmt.Errorf("checking demo data: %w", err)
	}
	if exists {
		return false, nil
	}

	_, err = db.Exec(ctx, `
		INSERT INTO organization (name, timezone, currency, address, remit_to)
		VALUES ($1, $2, $3, '100 Market Street, Suite 400, San Francisco, CA 94105', 'Accounts Receivable, 100 Market Street, San Francisco, CA 94105')
		ON CONFLICT (id) DO NOTHING`, orgName, timezone, currency)
	if err != nil {
		return false, fmt.Errorf("inserting organization: %w", err)
	}

	actor := SystemActor("seed")
	for _, d := range demoCustomers(currency, today) {
		id, err := CreateCustomer(ctx, db, d.customer)
		if err != nil {
			return false, err
		}
		for _, ct := range d.contacts {
			ct.CustomerID = id
			if _, err := AddContact(ctx, db, ct); err != nil {
				return false, err
			}
		}
		for _, inv := range d.invoices {
			inv.CustomerID = id
			inv.Source = "demo"
			if _, err := IssueInvoice(ctx, db, inv, actor); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

type demoCustomer struct {
	customer Customer
	contacts []Contact
	invoices []NewInvoice
}

func demoCustomers(currency string, today Date) []demoCustomer {
	usd := func(minor int64) Money { return Money{Amount: minor, Currency: currency} }
	ext := func(s string) *string { return &s }
	limit := int64(5_000_000)
	return []demoCustomer{
		{
			customer: Customer{
				ExternalID: ext("DEMO-NORTHWIND"), Name: "Northwind Traders", Currency: currency,
				Terms:            Terms{NetDays: 30, DiscountRateBP: 200, DiscountDays: 10},
				CreditLimitMinor: &limit,
				LateFee:          LateFeePolicy{Kind: "interest", RateBP: 150, GraceDays: 5},
			},
			contacts: []Contact{
				{Name: "Accounts Payable", Email: DemoContactEmail, Roles: []string{"billing", "accounts_payable"}, ReceivesReminders: true},
			},
			invoices: []NewInvoice{
				{Number: "NW-1001", PONumber: "PO-77120", IssueDate: today.AddDays(-20), Lines: []Line{
					{Description: "Pallet racking, 12 bays", QuantityMilli: 12000, UnitPrice: usd(38500)},
					{Description: "Installation labor (hours)", QuantityMilli: 16000, UnitPrice: usd(9500)},
				}},
				{Number: "NW-1002", PONumber: "PO-77184", IssueDate: today.AddDays(-3), Lines: []Line{
					{Description: "Forklift battery service", QuantityMilli: 1000, UnitPrice: usd(248000)},
				}},
				{Number: "NW-0987", PONumber: "PO-76650", IssueDate: today.AddDays(-70), Lines: []Line{
					{Description: "Dock leveler repair", QuantityMilli: 1000, UnitPrice: usd(131250)},
					{Description: "Replacement hydraulic cylinder", QuantityMilli: 2000, UnitPrice: usd(42075)},
				}},
			},
		},
		{
			customer: Customer{
				ExternalID: ext("DEMO-CONTOSO"), Name: "Contoso Supply Co.", Currency: currency,
				Terms:   Terms{NetDays: 45},
				LateFee: LateFeePolicy{Kind: "flat", FlatMinor: 2500, GraceDays: 10},
			},
			contacts: []Contact{
				{Name: "Dana Whitfield", Email: "payables@contoso.example", Roles: []string{"accounts_payable"}, ReceivesReminders: true},
			},
			invoices: []NewInvoice{
				{Number: "CS-2201", IssueDate: today.AddDays(-50), Lines: []Line{
					{Description: "Quarterly maintenance contract", QuantityMilli: 1000, UnitPrice: usd(450000)},
				}},
				{Number: "CS-2230", IssueDate: today.AddDays(-12), Lines: []Line{
					{Description: "Conveyor belt, 40 ft", QuantityMilli: 2000, UnitPrice: usd(87990)},
				}},
			},
		},
	}
}
