package outbox

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"
)

// SMTPSender delivers over SMTP to the server named by an SMTP_URL.
//
//	smtp://127.0.0.1:1025                 loopback: plain connection, as for Mailpit
//	smtp://user:pass@mail.example.com:587 STARTTLS is required off loopback
//	smtps://user:pass@mail.example.com    implicit TLS, port 465 by default
type SMTPSender struct {
	host string
	opts []mail.Option
}

// NewSMTPSender parses rawURL and returns a sender that dials per message.
func NewSMTPSender(rawURL string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("invalid SMTP URL: use smtp://host:port or smtps://user:pass@host:465")
	}
	host := u.Hostname()
	opts := []mail.Option{mail.WithTimeout(30 * time.Second)}

	port := 0
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("invalid SMTP port %q", p)
		}
	}
	switch u.Scheme {
	case "smtps":
		if port == 0 {
			port = 465
		}
		opts = append(opts, mail.WithSSL())
	case "smtp":
		if port == 0 {
			port = 587
		}
		if isLoopback(host) {
			opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		} else {
			opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		}
	default:
		return nil, fmt.Errorf("invalid SMTP URL scheme %q: use smtp or smtps", u.Scheme)
	}
	opts = append(opts, mail.WithPort(port))

	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		auth := mail.SMTPAuthAutoDiscover
		if u.Scheme == "smtp" && isLoopback(host) {
			auth = mail.SMTPAuthPlainNoEnc // a local relay without TLS
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	return &SMTPSender{host: host, opts: opts}, nil
}

// Send dials the server, sends msg and closes the connection.
func (s *SMTPSender) Send(ctx context.Context, msg *mail.Msg) error {
	client, err := mail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("creating SMTP client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("sending over SMTP: %w", err)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
