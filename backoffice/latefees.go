package backoffice

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/collect"
)

// lateFeeRow is one late fee or interest charge in the customer page's late-fee
// table, with its waiver form or the waiver that closed it.
type lateFeeRow struct {
	ID            int64
	InvoiceNumber string // the invoice the fee was charged on
	Charge        string // "Late fee" or "Interest, period 2"
	Rule          string
	ChargedOn     string
	Amount        string
	Waived        bool
	WaivedOn      string
	WaivedBy      string
	WaiveReason   string
	Reason        string // the reason submitted with a rejected waiver, shown again
	ReasonError   string // the error message for a rejected reason
}

func (h *Handler) lateFeeRows(ctx context.Context, customerID int64) ([]lateFeeRow, error) {
	fees, err := collect.CustomerLateFees(ctx, h.Pool, customerID)
	if err != nil {
		return nil, err
	}
	rows := make([]lateFeeRow, 0, len(fees))
	for _, f := range fees {
		r := lateFeeRow{ID: f.ID, InvoiceNumber: f.Number, Charge: "Late fee", Rule: f.Rule,
			ChargedOn: f.AccruedOn.Format(), Amount: f.Amount.String()}
		if f.Kind == "interest" {
			r.Charge = "Interest, period " + strconv.Itoa(f.Period)
		}
		if f.WaivedAt != nil {
			r.Waived = true
			r.WaivedOn = f.WaivedAt.In(h.Timezone).Format("Jan 2, 2006")
			r.WaivedBy = strings.TrimPrefix(f.WaivedBy, "staff:")
			r.WaiveReason = f.WaiveReason
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// waiveLateFee waives one late fee of the customer through collect.WaiveLateFee,
// which credits the unpaid part of the fee invoice and writes the timeline entry.
// An empty reason shows the page again with the error at the reason field.
func (h *Handler) waiveLateFee(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	feeID, err := pathID(c, "fee")
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if reason == "" {
		return h.renderWaiveError(c, id, feeID, "", "Enter why the fee is waived, for example \"first late payment in five years\".")
	}

	u := staff(c)
	err = h.inTx(c, func(tx pgx.Tx) error {
		var owner int64
		var amount billing.Money
		err := tx.QueryRow(ctx, `SELECT customer_id, amount_minor, currency FROM late_fees WHERE id = $1 FOR UPDATE`, feeID).
			Scan(&owner, &amount.Amount, &amount.Currency)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && owner != id) {
			return echo.NewHTTPError(http.StatusNotFound)
		}
		if err != nil {
			return err
		}
		if err := collect.WaiveLateFee(ctx, tx, feeID, reason, billing.StaffActor(u)); err != nil {
			return err
		}
		return billing.RecordStaffAction(ctx, tx, billing.StaffAction{Staff: u, Action: "late_fee.waived", CustomerID: id,
			SkipTimeline: true, Summary: "Waived a late fee of " + amount.String() + ": " + reason,
			Details: map[string]any{"late_fee_id": feeID, "reason": reason}})
	})
	if errors.Is(err, billing.ErrNotFound) {
		// The fee belongs to this customer, so WaiveLateFee found it already waived.
		return h.redirectWith(c, customerURL(id), "!That late fee was already waived.")
	}
	var fe billing.FieldErrors
	if errors.As(err, &fe) {
		return h.renderWaiveError(c, id, feeID, reason, fe["reason"])
	}
	if err != nil {
		return err
	}
	return h.redirectWith(c, customerURL(id), "Late fee waived.")
}

// renderWaiveError shows the customer page again with status 422, the waiver
// form of feeID open and msg under its reason field.
func (h *Handler) renderWaiveError(c echo.Context, customerID, feeID int64, reason, msg string) error {
	p, err := h.loadCustomerPage(c, customerID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.LateFees, func(r lateFeeRow) bool { return r.ID == feeID })
	if i < 0 {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	if p.LateFees[i].Waived {
		return h.redirectWith(c, customerURL(customerID), "!That late fee was already waived.")
	}
	p.LateFees[i].Reason, p.LateFees[i].ReasonError = reason, msg
	p.Flash, p.FlashError = "Not saved. Give a reason for waiving the late fee.", true
	return c.Render(http.StatusUnprocessableEntity, "backoffice/customer", p)
}
