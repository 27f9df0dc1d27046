package smtp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		file     string
		wantKind string
		want     *dsnFailure
	}{
		{"dsn-postfix-failed.eml", "failed", &dsnFailure{status: "5.1.1", diagnostic: "550 5.1.1 <m***@example.com>: Recipient address rejected: User unknown in virtual mailbox table"}},
		{"dsn-delayed.eml", "delayed", nil},
		{"dsn-several-recipients.eml", "relayed,failed", &dsnFailure{status: "5.2.2", diagnostic: "552 5.2.2 The email account that you tried to reach is over quota: m***@example.com"}},
		{"out-of-office.eml", "", nil},
		{"report-not-delivery-status.eml", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, kind, err := parseDSN(data)
			if err != nil {
				t.Fatalf("parseDSN() = %v", err)
			}
			if kind != tt.wantKind {
				t.Errorf("parseDSN() actions = %q, want %q", kind, tt.wantKind)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(dsnFailure{})); diff != "" {
				t.Errorf("parseDSN() failure (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDSNInvalid(t *testing.T) {
	tests := []struct {
		name string
		msg  string
	}{
		{"ErrNoStatusPart", "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B--\r\n"},
		{"ErrNoAction", "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; a@b.example\r\n--B--\r\n"},
		{"ErrNoBoundary", "Content-Type: multipart/report; report-type=delivery-status\r\n\r\nhi\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := parseDSN([]byte(tt.msg)); err == nil {
				t.Error("parseDSN() = nil error")
			}
		})
	}
}
