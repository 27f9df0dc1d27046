package smtpsink_test

import (
	"bytes"
	"net/smtp"
	"strings"
	"testing"

	"github.com/breachdesk/breachdesk/internal/smtpsink"
	"github.com/google/go-cmp/cmp"
)

// send delivers msg with the standard library's client, which has nothing
// to do with the code under test elsewhere.
func send(t *testing.T, addr, from string, to []string, msg string) error {
	t.Helper()
	return smtp.SendMail(addr, nil, from, to, []byte(msg))
}

func TestSink(t *testing.T) {
	t.Parallel()
	s := smtpsink.Start(t)
	if !strings.HasPrefix(s.URL(), "smtp+insecure://127.0.0.1:") {
		t.Errorf("URL() = %q", s.URL())
	}
	msgs := []string{
		"Subject: one\r\n\r\nfirst body\r\n.leading dot\r\n..two dots\r\n\r\n",
		"Subject: two\r\nX-Long: " + strings.Repeat("x", 900) + "\r\n\r\nsecond\r\n",
	}
	if err := send(t, s.Addr, "bounce+1@acme.example", []string{"a@example.com"}, msgs[0]); err != nil {
		t.Fatal(err)
	}
	if err := send(t, s.Addr, "bounce+2@acme.example", []string{"b@example.com", "c@example.com"}, msgs[1]); err != nil {
		t.Fatal(err)
	}
	if got := s.Count(t); got != 2 {
		t.Fatalf("Count() = %d, want 2", got)
	}
	got := s.Received(t)
	// Both may be dumped in the same instant: find them by subject.
	for i, want := range []smtpsink.Message{
		{Envelope: smtpsink.Envelope{From: "bounce+1@acme.example", To: []string{"a@example.com"}}, Data: []byte(msgs[0])},
		{Envelope: smtpsink.Envelope{From: "bounce+2@acme.example", To: []string{"b@example.com", "c@example.com"}}, Data: []byte(msgs[1])},
	} {
		var m *smtpsink.Message
		for j := range got {
			if bytes.Contains(got[j].Data, []byte("Subject: "+[]string{"one", "two"}[i])) {
				m = &got[j]
			}
		}
		if m == nil {
			t.Fatalf("message %d not received: %q", i, got)
		}
		if diff := cmp.Diff(want, *m); diff != "" {
			t.Errorf("message %d (-want +got):\n%s", i, diff)
		}
	}
	if n := len(s.Messages(t)); n != 2 {
		t.Errorf("len(Messages()) = %d, want 2", n)
	}
	if n := len(s.Envelopes(t)); n != 2 {
		t.Errorf("len(Envelopes()) = %d, want 2", n)
	}
	// net/smtp quits after each message: two sessions.
	if got := s.Sessions(t); got != 2 {
		t.Errorf("Sessions() = %d, want 2", got)
	}

	s.Restart(t, "-f", "RCPT")
	err := send(t, s.Addr, "bounce+3@acme.example", []string{"d@example.com"}, msgs[0])
	if err == nil || !strings.HasPrefix(err.Error(), "5") {
		t.Errorf("SendMail() after Restart(-f RCPT) = %v, want a 5xx", err)
	}
	if got := s.Count(t); got != 2 {
		t.Errorf("Count() after a refused message = %d, want 2", got)
	}
	s.Stop(t)
	s.Stop(t)
	if err := send(t, s.Addr, "bounce+4@acme.example", []string{"e@example.com"}, msgs[0]); err == nil {
		t.Errorf("SendMail() after Stop = nil error")
	}
}

func TestSinkUnfinished(t *testing.T) {
	t.Parallel()
	s := smtpsink.Start(t, "-q", ".")
	err := send(t, s.Addr, "bounce+1@acme.example", []string{"a@example.com"}, "Subject: x\r\n\r\nbody\r\n")
	if err == nil {
		t.Fatal("SendMail() = nil error, want the connection closed after the final dot")
	}
	// smtp-sink has the message although it never answered.
	if got := s.Count(t); got != 1 {
		t.Errorf("Count() = %d, want 1", got)
	}
}
