package billing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of a dispute opened in the portal.
const (
	MaxDisputeAttachments   = 5
	MaxDisputeAttachmentLen = 10 << 20 // bytes per file
	MaxDisputeMessageLen    = 5000     // characters
)

// DisputeReasons are the reasons a debtor picks from, by code.
var DisputeReasons = []struct{ Code, Label string }{
	{"not_received", "Goods or services not received"},
	{"wrong_amount", "Wrong amount or price"},
	{"wrong_quantity", "Wrong quantity"},
	{"damaged", "Damaged or defective"},
	{"duplicate", "Billed twice"},
	{"already_paid", "Already paid"},
	{"other", "Something else"},
}

// DisputeReasonLabel returns the label of a reason code, or the code itself.
func DisputeReasonLabel(code string) string {
	for _, r := range DisputeReasons {
		if r.Code == code {
			return r.Label
		}
	}
	return code
}

// AttachmentFile is an uploaded file before it is stored.
type AttachmentFile struct {
	Filename string
	Content  []byte
}

// Content types accepted for dispute attachments, by their magic bytes.
var attachmentMagic = []struct {
	contentType string
	magic       []byte
}{
	{"application/pdf", []byte("%PDF-")},
	{"image/png", []byte("\x89PNG\r\n\x1a\n")},
	{"image/jpeg", []byte("\xff\xd8\xff")},
}

// DetectAttachmentType returns the content type of a PDF, PNG or JPEG file judged
// by its content, never by its name, or "" for anything else. The magic bytes and
// http.DetectContentType must agree, so a file that merely starts with a signature
// but sniffs as something else is rejected too.
func DetectAttachmentType(content []byte) string {
	sniffed := http.DetectContentType(content)
	for _, m := range attachmentMagic {
		if bytes.HasPrefix(content, m.magic) && sniffed == m.contentType {
			return m.contentType
		}
	}
	return ""
}

// ValidateAttachment returns a message for the debtor when a file is not
// acceptable, or "".
func ValidateAttachment(f AttachmentFile) string {
	name := f.Filename
	switch {
	case len(f.Content) == 0:
		return fmt.Sprintf("The file %s is empty: choose another file.", name)
	case len(f.Content) > MaxDisputeAttachmentLen:
		return fmt.Sprintf("The file %s is %.1f MB; each file may be at most 10 MB.", name, float64(len(f.Content))/(1<<20))
	case DetectAttachmentType(f.Content) == "":
		return fmt.Sprintf("The file %s is not a PDF, PNG or JPEG file: attach one of those types.", name)
	}
	return ""
}

// NewDispute is a debtor's dispute of an invoice or one of its lines.
type NewDispute struct {
	CustomerID  int64
	InvoiceID   int64
	LineID      int64 // 0 disputes the whole invoice
	Reason      string
	Message     string
	Attachments []AttachmentFile
	Actor       Actor
}

// OpenDispute validates and stores a dispute with its attachments and records it
// on the timeline, visible to the debtor. An open dispute pauses reminders
// for its invoice. Invalid input returns FieldErrors keyed "line", "reason",
// "message" and "attachments" and writes nothing; another customer's invoice
// wraps ErrNotFound. Run it inside a transaction.
func OpenDispute(ctx context.Context, db DB, in NewDispute, today Date) (int64, error) {
	inv, err := DebtorInvoice(ctx, db, in.CustomerID, in.InvoiceID, today)
	if err != nil {
		return 0, err
	}

	errs := FieldErrors{}
	var lineID *int64
	if in.LineID != 0 {
		var ok bool
		err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM invoice_lines WHERE id = $1 AND invoice_id = $2)`,
			in.LineID, in.InvoiceID).Scan(&ok)
		if err != nil {
			return 0, fmt.Errorf("checking invoice line: %w", err)
		}
		if !ok {
			errs["line"] = "Choose one of this invoice's lines, or the whole invoice."
		}
		lineID = &in.LineID
	}
	if DisputeReasonLabel(in.Reason) == in.Reason {
		errs["reason"] = "Choose a reason from the list."
	}
	in.Message = strings.TrimSpace(in.Message)
	switch {
	case in.Message == "":
		errs["message"] = "Tell us what is wrong, so we can put it right."
	case utf8.RuneCountInString(in.Message) > MaxDisputeMessageLen:
		errs["message"] = fmt.Sprintf("Shorten the message to at most %d characters.", MaxDisputeMessageLen)
	}
	if len(in.Attachments) > MaxDisputeAttachments {
		errs["attachments"] = fmt.Sprintf("Attach at most %d files.", MaxDisputeAttachments)
	} else {
		var problems []string
		for _, f := range in.Attachments {
			if msg := ValidateAttachment(f); msg != "" {
				problems = append(problems, msg)
			}
		}
		if len(problems) > 0 {
			errs["attachments"] = strings.Join(problems, " ")
		}
	}
	if len(errs) > 0 {
		return 0, errs
	}

	var id int64
	err = db.QueryRow(ctx, `
		INSERT INTO disputes (customer_id, invoice_id, invoice_line_id, reason, message, source)
		VALUES ($1, $2, $3, $4, $5, 'portal') RETURNING id`,
		in.CustomerID, in.InvoiceID, lineID, in.Reason, in.Message).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("inserting dispute: %w", err)
	}
	names := make([]string, 0, len(in.Attachments))
	for _, f := range in.Attachments {
		sum := sha256.Sum256(f.Content)
		_, err := db.Exec(ctx, `
			INSERT INTO dispute_attachments (dispute_id, filename, content_type, size_bytes, sha256, content, uploaded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			id, cleanFilename(f.Filename), DetectAttachmentType(f.Content), len(f.Content), sum[:], f.Content, in.Actor.String())
		if err != nil {
			return 0, fmt.Errorf("inserting attachment %s: %w", f.Filename, err)
		}
		names = append(names, cleanFilename(f.Filename))
	}

	return id, AppendEvent(ctx, db, Event{
		CustomerID: in.CustomerID, InvoiceID: &in.InvoiceID, Kind: "dispute.opened", Actor: in.Actor.String(),
		Source: "portal", VisibleToDebtor: true,
		Summary: fmt.Sprintf("Dispute opened on invoice %s: %s", inv.Number, DisputeReasonLabel(in.Reason)),
		Details: map[string]any{
			"dispute_id": id, "reason": in.Reason, "message": in.Message, "line_id": lineID,
			"attachments": names, "reminders_paused": true,
		},
	})
}

// cleanFilename keeps the base name of an uploaded file, without path or control
// characters, at most 200 bytes.
func cleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if len(name) > 200 {
		name = name[:200]
	}
	if strings.TrimSpace(name) == "" {
		return "attachment"
	}
	return name
}

// Dispute is a stored dispute with its replies and attachment names.
type Dispute struct {
	ID          int64
	InvoiceID   int64
	LineID      *int64
	Reason      string
	Message     string
	Status      string // "open", "resolved" or "rejected"
	OpenedAt    time.Time
	ResolvedAt  *time.Time
	Attachments []DisputeAttachment
	Replies     []DisputeReply
}

// DisputeAttachment describes a stored attachment without its content.
type DisputeAttachment struct {
	ID          int64
	Filename    string
	ContentType string
	Size        int
}

// DisputeReply is one message on a dispute.
type DisputeReply struct {
	Author    string
	FromStaff bool
	Message   string
	CreatedAt time.Time
}

// InvoiceDisputes returns the disputes of one of the customer's invoices, newest
// first, with attachments and replies.
func InvoiceDisputes(ctx context.Context, db DB, customerID, invoiceID int64) ([]Dispute, error) {
	rows, err := db.Query(ctx, `
		SELECT id, invoice_id, invoice_line_id, reason, message, status, opened_at, resolved_at
		FROM disputes WHERE customer_id = $1 AND invoice_id = $2 ORDER BY opened_at DESC, id DESC`, customerID, invoiceID)
	if err != nil {
		return nil, fmt.Errorf("querying disputes: %w", err)
	}
	var out []Dispute
	for rows.Next() {
		var d Dispute
		if err := rows.Scan(&d.ID, &d.InvoiceID, &d.LineID, &d.Reason, &d.Message, &d.Status, &d.OpenedAt, &d.ResolvedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scanning dispute: %w", err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	for i := range out {
		if err := loadDisputeParts(ctx, db, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func loadDisputeParts(ctx context.Context, db DB, d *Dispute) error {
	rows, err := db.Query(ctx, `
		SELECT id, filename, content_type, size_bytes FROM dispute_attachments WHERE dispute_id = $1 ORDER BY id`, d.ID)
	if err != nil {
		return fmt.Errorf("querying dispute attachments: %w", err)
	}
	for rows.Next() {
		var a DisputeAttachment
		if err := rows.Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size); err != nil {
			rows.Close()
			return fmt.Errorf("scanning dispute attachment: %w", err)
		}
		d.Attachments = append(d.Attachments, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = db.Query(ctx, `
		SELECT author, from_staff, message, created_at FROM dispute_replies WHERE dispute_id = $1 ORDER BY created_at, id`, d.ID)
	if err != nil {
		return fmt.Errorf("querying dispute replies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r DisputeReply
		if err := rows.Scan(&r.Author, &r.FromStaff, &r.Message, &r.CreatedAt); err != nil {
			return fmt.Errorf("scanning dispute reply: %w", err)
		}
		d.Replies = append(d.Replies, r)
	}
	return rows.Err()
}

// DisputeAttachmentContent returns one attachment of the customer's disputes with
// its bytes. Another customer's attachment wraps ErrNotFound like a missing one.
func DisputeAttachmentContent(ctx context.Context, db DB, customerID, attachmentID int64) (DisputeAttachment, []byte, error) {
	var a DisputeAttachment
	var content []byte
	err := db.QueryRow(ctx, `
		SELECT a.id, a.filename, a.content_type, a.size_bytes, a.content
		FROM dispute_attachments a JOIN disputes d ON d.id = a.dispute_id
		WHERE a.id = $1 AND d.customer_id = $2`, attachmentID, customerID).Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &content)
	if err != nil {
		return DisputeAttachment{}, nil, fmt.Errorf("loading attachment %d: %w", attachmentID, notFound(err))
	}
	return a, content, nil
}

// ReplyToDispute adds a message to a dispute of the customer, records it on the
// timeline, visible to the debtor, and returns the dispute's invoice id. Staff
// replies set fromStaff. Another customer's dispute wraps ErrNotFound. Run it
// inside a transaction.
func ReplyToDispute(ctx context.Context, db DB, customerID, disputeID int64, author Actor, fromStaff bool, message string) (int64, error) {
	var invoiceID int64
	var number string
	err := db.QueryRow(ctx, `
		SELECT d.invoice_id, i.number FROM disputes d JOIN invoices i ON i.id = d.invoice_id
		WHERE d.id = $1 AND d.customer_id = $2`, disputeID, customerID).Scan(&invoiceID, &number)
	if err != nil {
		return 0, fmt.Errorf("loading dispute %d: %w", disputeID, notFound(err))
	}

	message = strings.TrimSpace(message)
	switch {
	case message == "":
		return invoiceID, FieldErrors{"message": "Write a reply before sending it."}
	case utf8.RuneCountInString(message) > MaxDisputeMessageLen:
		return invoiceID, FieldErrors{"message": fmt.Sprintf("Shorten the reply to at most %d characters.", MaxDisputeMessageLen)}
	}
	if _, err := db.Exec(ctx, `INSERT INTO dispute_replies (dispute_id, author, from_staff, message) VALUES ($1, $2, $3, $4)`,
		disputeID, author.String(), fromStaff, message); err != nil {
		return 0, fmt.Errorf("inserting dispute reply: %w", err)
	}
	who, source := author.Name, "portal"
	if fromStaff {
		who, source = "Our team", "backoffice"
	}
	return invoiceID, AppendEvent(ctx, db, Event{
		CustomerID: customerID, InvoiceID: &invoiceID, Kind: "dispute.reply", Actor: author.String(), Source: source,
		VisibleToDebtor: true, Summary: fmt.Sprintf("%s replied on the dispute of invoice %s", who, number),
		Details: map[string]any{"dispute_id": disputeID, "message": message, "from_staff": fromStaff},
	})
}
