package portal

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/ledgvero/ledgvero/billing"
	"github.com/ledgvero/ledgvero/templates"
)

// maxDisputeBody bounds a dispute upload: five files of 10 MB plus the form.
// The CSRF middleware parses the multipart body before this handler runs, so
// the server-wide 55 MB body limit in cmd/ledgvero/http.go bounds the request
// there. This cap applies where that middleware is absent.
const maxDisputeBody = billing.MaxDisputeAttachments*billing.MaxDisputeAttachmentLen + 1<<20

// disputePage opens a dispute on an invoice and shows the invoice's disputes.
type disputePage struct {
	templates.Base
	InvoiceID int64
	Number    string
	Open      string
	Lines     []option
	Reasons   []option
	Message   string
	Errors    disputeErrors
	Disputes  []disputeView
	HasOpen   bool // an open dispute exists, so reminders for the invoice are paused
}

type disputeErrors struct {
	Line        string
	Reason      string
	Message     string
	Attachments string
}

type disputeView struct {
	ID          int64
	Status      string
	Reason      string
	Message     string
	Opened      string
	Attachments []attachmentLink
	Replies     []replyView
	Open        bool
}

type attachmentLink struct {
	URL  string
	Name string
	Size string
}

type replyView struct {
	Who     string
	When    string
	Message string
	Staff   bool
}

func (h *Handler) disputeForm(c echo.Context) error {
	return h.renderDispute(c, http.StatusOK, nil)
}

// renderDispute renders the dispute page; edit fills in submitted values and errors.
func (h *Handler) renderDispute(c echo.Context, status int, edit func(*disputePage)) error {
	d := c.Get("debtor").(debtor)
	inv, err := h.invoiceDetail(c, d)
	if err != nil {
		return err
	}
	disputes, err := billing.InvoiceDisputes(c.Request().Context(), h.Pool, d.CustomerID, inv.ID)
	if err != nil {
		return err
	}

	page := disputePage{Base: h.base(c, "Dispute invoice "+inv.Number), InvoiceID: inv.ID, Number: inv.Number, Open: inv.Open.String()}
	page.Lines = append(page.Lines, option{Value: "", Label: "The whole invoice"})
	for _, l := range inv.Lines {
		page.Lines = append(page.Lines, option{Value: strconv.FormatInt(l.ID, 10),
			Label: fmt.Sprintf("Line %d: %s (%s)", l.Position, l.Description, l.Amount)})
	}
	page.Reasons = append(page.Reasons, option{Value: "", Label: "Choose a reason"})
	for _, r := range billing.DisputeReasons {
		page.Reasons = append(page.Reasons, option{Value: r.Code, Label: r.Label})
	}
	for _, dp := range disputes {
		v := disputeView{
			ID: dp.ID, Status: dp.Status, Reason: billing.DisputeReasonLabel(dp.Reason), Message: dp.Message,
			Opened: dp.OpenedAt.In(h.Timezone).Format("Jan 2, 2006, 3:04 PM MST"), Open: dp.Status == "open",
		}
		page.HasOpen = page.HasOpen || v.Open
		for _, a := range dp.Attachments {
			v.Attachments = append(v.Attachments, attachmentLink{
				URL: fmt.Sprintf("/portal/dispute-attachments/%d", a.ID), Name: a.Filename, Size: humanSize(a.Size),
			})
		}
		for _, r := range dp.Replies {
			who := "You"
			if r.FromStaff {
				who = "Our team"
			}
			v.Replies = append(v.Replies, replyView{Who: who, Staff: r.FromStaff, Message: r.Message,
				When: r.CreatedAt.In(h.Timezone).Format("Jan 2, 2006, 3:04 PM MST")})
		}
		page.Disputes = append(page.Disputes, v)
	}
	if edit != nil {
		edit(&page)
	}
	return c.Render(status, "portal/dispute", page)
}

func humanSize(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", max(1, n/1024))
}

// openDispute stores a dispute from the multipart form. Every file is read whole
// (at most 10 MB each, and the body is capped) and judged by its content.
func (h *Handler) openDispute(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	id, err := invoiceID(c)
	if err != nil {
		return err
	}
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, maxDisputeBody)
	var tooLarge *http.MaxBytesError
	if err := req.ParseMultipartForm(8 << 20); errors.As(err, &tooLarge) {
		return h.renderDispute(c, http.StatusRequestEntityTooLarge, func(p *disputePage) {
			p.Errors.Attachments = "The files are too large together: attach at most 5 files of 10 MB each."
		})
	} else if err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read. Reload the page and try again.")
	}

	in := billing.NewDispute{
		CustomerID: d.CustomerID, InvoiceID: id, Reason: c.FormValue("reason"), Message: c.FormValue("message"),
		Actor: billing.Actor{Kind: "contact", Name: d.Email},
	}
	var fe disputeErrors
	if raw := c.FormValue("line"); raw != "" {
		if in.LineID, err = strconv.ParseInt(raw, 10, 64); err != nil {
			fe.Line = "Choose one of this invoice's lines, or the whole invoice."
		}
	}
	if req.MultipartForm != nil {
		in.Attachments, fe.Attachments = readAttachments(req.MultipartForm.File["attachments"])
	}

	if fe == (disputeErrors{}) {
		ctx := req.Context()
		err = billing.InTx(ctx, h.Pool, func(tx pgx.Tx) error {
			_, err := billing.OpenDispute(ctx, tx, in, billing.Today(h.Now(), h.Timezone))
			return err
		})
		var errs billing.FieldErrors
		switch {
		case err == nil:
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/portal/invoices/%d?done=dispute", id))
		case errors.As(err, &errs):
			fe = disputeErrors{Line: errs["line"], Reason: errs["reason"], Message: errs["message"], Attachments: errs["attachments"]}
		default:
			return err
		}
	}
	return h.renderDispute(c, http.StatusUnprocessableEntity, func(p *disputePage) {
		p.Errors, p.Message = fe, in.Message
		for i := range p.Reasons {
			p.Reasons[i].Selected = p.Reasons[i].Value == in.Reason
		}
		for i := range p.Lines {
			p.Lines[i].Selected = in.LineID != 0 && p.Lines[i].Value == strconv.FormatInt(in.LineID, 10)
		}
		p.Flash, p.FlashError = "Your dispute was not saved. Check the fields below; attach the files again.", true
	})
}

// readAttachments reads the uploaded files, skipping empty file inputs, and
// returns a message when there are too many or one is too large to read.
func readAttachments(headers []*multipart.FileHeader) ([]billing.AttachmentFile, string) {
	var files []billing.AttachmentFile
	var problems []string
	for _, fh := range headers {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		if fh.Size > billing.MaxDisputeAttachmentLen {
			problems = append(problems, fmt.Sprintf("The file %s is %.1f MB; each file may be at most 10 MB.", fh.Filename, float64(fh.Size)/(1<<20)))
			continue
		}
		f, err := fh.Open()
		if err != nil {
			problems = append(problems, fmt.Sprintf("The file %s could not be read: attach it again.", fh.Filename))
			continue
		}
		content, err := io.ReadAll(io.LimitReader(f, billing.MaxDisputeAttachmentLen+1))
		f.Close()
		if err != nil {
			problems = append(problems, fmt.Sprintf("The file %s could not be read: attach it again.", fh.Filename))
			continue
		}
		files = append(files, billing.AttachmentFile{Filename: fh.Filename, Content: content})
	}
	if len(files) > billing.MaxDisputeAttachments {
		problems = append(problems, fmt.Sprintf("Attach at most %d files.", billing.MaxDisputeAttachments))
	}
	return files, strings.Join(problems, " ")
}

// disputeAttachment serves an attachment of the debtor's own disputes as a
// download, so a browser never renders it inline on this origin.
func (h *Handler) disputeAttachment(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	a, content, err := billing.DisputeAttachmentContent(c.Request().Context(), h.Pool, d.CustomerID, id)
	if err != nil {
		return err
	}
	return download(c, a.ContentType, safeFilename(strings.TrimSuffix(a.Filename, extOf(a.Filename)))+extOf(a.Filename), content)
}

func extOf(name string) string {
	if i := strings.LastIndex(name, "."); i >= 0 && len(name)-i <= 5 {
		return "." + safeFilename(name[i+1:])
	}
	return ""
}

// replyDispute adds the debtor's reply to one of their disputes.
func (h *Handler) replyDispute(c echo.Context) error {
	d := c.Get("debtor").(debtor)
	disputeID, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	ctx := c.Request().Context()
	var invoiceID int64
	err = billing.InTx(ctx, h.Pool, func(tx pgx.Tx) error {
		var err error
		invoiceID, err = billing.ReplyToDispute(ctx, tx, d.CustomerID, disputeID,
			billing.Actor{Kind: "contact", Name: d.Email}, false, c.FormValue("message"))
		return err
	})
	var fe billing.FieldErrors
	if errors.As(err, &fe) {
		c.SetParamNames("id")
		c.SetParamValues(strconv.FormatInt(invoiceID, 10))
		return h.renderDispute(c, http.StatusUnprocessableEntity, func(p *disputePage) {
			p.Flash, p.FlashError = fe["message"], true
		})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/portal/invoices/%d/dispute", invoiceID))
}
