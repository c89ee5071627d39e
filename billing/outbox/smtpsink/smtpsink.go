// Package smtpsink is a tiny in-process SMTP server for tests. It accepts every
// message on a loopback port and keeps it in memory, and it can be switched to
// reject mail to simulate an outage. It speaks just enough SMTP for go-mail
// without TLS or authentication.
package smtpsink

import (
	"bufio"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
)

// Message is one received message.
type Message struct {
	From string
	To   []string
	Data string // the raw message: headers, blank line, body
}

// Header returns the value of a header of the message, or "" when it is absent.
func (m Message) Header(name string) string {
	parsed, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		return ""
	}
	return parsed.Header.Get(name)
}

// Sink is a running SMTP server.
type Sink struct {
	ln       net.Listener
	mu       sync.Mutex
	messages []Message
	failing  bool
	wg       sync.WaitGroup
}

// Start listens on a free loopback port and stops when the test ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtpsink: listening: %v", err)
	}
	s := &Sink{ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// URL returns the smtp:// URL of the sink.
func (s *Sink) URL() string { return "smtp://" + s.ln.Addr().String() }

// SetFailing makes the sink answer every MAIL command with a temporary error.
func (s *Sink) SetFailing(failing bool) {
	s.mu.Lock()
	s.failing = failing
	s.mu.Unlock()
}

// Messages returns a copy of every message received so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// To returns the messages addressed to addr.
func (s *Sink) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

func (s *Sink) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(conn)
		}()
	}
}

func (s *Sink) handle(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	reply := func(line string) bool {
		_, err := conn.Write([]byte(line + "\r\n"))
		return err == nil
	}
	if !reply("220 smtpsink ready") {
		return
	}
	var cur Message
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO":
			reply("250-smtpsink")
			reply("250-8BITMIME")
			reply("250 SMTPUTF8")
		case "HELO":
			reply("250 smtpsink")
		case "MAIL":
			s.mu.Lock()
			failing := s.failing
			s.mu.Unlock()
			if failing {
				reply("451 4.3.0 temporarily unavailable")
				continue
			}
			cur = Message{From: addrOf(line)}
			reply("250 OK")
		case "RCPT":
			cur.To = append(cur.To, addrOf(line))
			reply("250 OK")
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = b.String()
			s.mu.Lock()
			s.messages = append(s.messages, cur)
			s.mu.Unlock()
			cur = Message{}
			reply("250 OK queued")
		case "RSET":
			cur = Message{}
			reply("250 OK")
		case "NOOP":
			reply("250 OK")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 command not implemented")
		}
	}
}

func addrOf(line string) string {
	start, end := strings.Index(line, "<"), strings.Index(line, ">")
	if start < 0 || end < start {
		return ""
	}
	return line[start+1 : end]
}
