package backoffice

import (
	"errors"
	"net/http"
	"path/filepath"

	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/billing/importer"
)

// importsPage uploads a CSV through the importer and shows its validation report.
type importsPage struct {
	page
	Presets []string
	Report  *importer.Report
	Outcome string // "dry_run", "imported", "invalid" or empty before an upload
}

func (h *Handler) importForm(c echo.Context) error {
	return c.Render(http.StatusOK, "backoffice/imports", importsPage{page: h.page(c, "Import"), Presets: importer.Presets()})
}

func (h *Handler) importUpload(c echo.Context) error {
	ctx := c.Request().Context()
	p := importsPage{page: h.page(c, "Import"), Presets: importer.Presets()}
	preset := c.FormValue("preset")
	if !contains(p.Presets, preset) {
		return badRequest("preset: pick one of the listed file layouts")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		// The server's body limit for this route (see cmd/ledgvero/http.go) caps the file size.
		return badRequest("file: choose a CSV file to upload")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()

	u := staff(c)
	rep, err := importer.Import(ctx, h.Pool, f, preset, importer.Options{
		FileName: filepath.Base(fh.Filename), DryRun: c.FormValue("dry_run") == "on",
		SkipInvalid: c.FormValue("skip_invalid") == "on", Location: h.Timezone, Today: h.today(),
		DefaultCurrency: h.Currency, Actor: billing.StaffActor(u), Source: "backoffice", MaxProblems: 500,
	})
	switch {
	case errors.Is(err, importer.ErrInvalid):
		p.Outcome = "invalid"
	case err != nil:
		// A wrong header or an unreadable file: the importer's message names the
		// column or line and contains no secrets, so it is shown as it is.
		p.Flash, p.FlashError = "Nothing was imported: "+err.Error(), true
		return c.Render(http.StatusUnprocessableEntity, "backoffice/imports", p)
	case rep.DryRun:
		p.Outcome = "dry_run"
	default:
		p.Outcome = "imported"
	}
	p.Report = &rep
	if rep.Committed {
		err := billing.RecordStaffAction(ctx, h.Pool, billing.StaffAction{Staff: u, Action: "import.committed",
			Summary: "Imported " + rep.File + " (" + preset + ")",
			Details: map[string]any{"rows": rep.Rows, "rejected": rep.Rejected, "invoices_created": rep.Invoices.Created,
				"customers_created": rep.Customers.Created, "payments_created": rep.Payments.Created}})
		if err != nil {
			return err
		}
	}
	return c.Render(http.StatusOK, "backoffice/imports", p)
}
