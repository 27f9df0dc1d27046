package smtp

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// qpCases are texts that test the edges of quoted-printable.
var qpCases = []string{
	"",
	"plain",
	"trailing space \nand tab\t\nend ",
	"=?utf-8?q?x?= = ==",
	".\n.leading dot\n..\nFrom the start\nFrom\nFromage\n",
	strings.Repeat("a", 75) + "\n" + strings.Repeat("b", 76) + "\n" + strings.Repeat("c", 200),
	strings.Repeat("é", 100),
	strings.Repeat("x ", 60) + "\n",
	strings.Repeat("=", 40),
	"bare\rcarriage\r\r\nreturn\r",
	"crlf\r\nand lf\nmixed\r\n\r\n",
	strings.Repeat("a", 74) + ".b",
	strings.Repeat("a", 74) + " \n",
	strings.Repeat("Παραβίαση δεδομένων ", 10),
	"\x00\x01\x7f control",
}

func FuzzWriteQP(f *testing.F) {
	for _, s := range qpCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		writeQP(&b, s)
		out := b.Bytes()
		for i, line := range bytes.Split(out, []byte("\r\n")) {
			if len(line) > 76 {
				t.Fatalf("line %d has %d characters: %q", i+1, len(line), line)
			}
			if bytes.ContainsAny(line, "\r\n") {
				t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
			}
			if n := len(line); n > 0 && (line[n-1] == ' ' || line[n-1] == '\t') {
				t.Fatalf("line %d ends with a blank: %q", i+1, line)
			}
			if bytes.HasPrefix(line, []byte(".")) || bytes.HasPrefix(line, []byte("From ")) {
				t.Fatalf("line %d starts with %q", i+1, line[:1])
			}
			for _, c := range line {
				if c < ' ' && c != '\t' || c > '~' {
					t.Fatalf("line %d has the byte %#x", i+1, c)
				}
			}
		}
		got, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(out)))
		if err != nil {
			t.Fatalf("decode %q: %v", out, err)
		}
		want := strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
		if string(got) != want {
			t.Fatalf("writeQP(%q) decodes to %q, want %q (encoded %q)", s, got, want, out)
		}
	})
}
