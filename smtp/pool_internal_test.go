package smtp

import "testing"

func TestNeedsDotWriter(t *testing.T) {
	tests := []struct {
		msg  string
		want bool
	}{
		{"Subject: a\r\n\r\nbody\r\n", false},
		{"Subject: a\r\n\r\nbody =2E\r\nnext.\r\n", false},
		{".Subject: a\r\n\r\nbody\r\n", true},
		{"Subject: a\r\n\r\n.\r\n", true},
		{"Subject: a\r\n\r\nx\r\n..y\r\n", true},
		{"Subject: a\n\r\nbody\r\n", true},
		{"Subject: a\r\n\r\nbare\rCR\r\n", true},
		{"Subject: a\r\n\r\nCR\rthen LF\nlater\r\n", true},
		{"Subject: a\r\n\r\nno end", true},
		{"Subject: a\r\n\r\nends with CR\r", true},
	}
	for _, tc := range tests {
		if got := needsDotWriter([]byte(tc.msg)); got != tc.want {
			t.Errorf("needsDotWriter(%q) = %v, want %v", tc.msg, got, tc.want)
		}
	}
}
