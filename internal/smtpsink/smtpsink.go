// Package smtpsink runs Postfix's smtp-sink, a real SMTP server that
// captures what it receives, on a free loopback port for a test, so that
// the smtp package's client is checked against a server it did not write.
//
// smtp-sink dumps each mail transaction to a file of its own (-d); Received
// reads these files back, strips what smtp-sink adds (its X-Client-Addr,
// X-Mail-Args, X-Rcpt-Args... records and its three-line Received header,
// and the empty line it appends) and restores the CRLF line endings it
// turned into LF, so that a test gets the message as the client sent it,
// after the server's dot-unstuffing.
package smtpsink

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Require skips the test unless Postfix's smtp-sink is installed, and fails
// it under CI (CI set), where the SMTP client would otherwise go untested
// against a real server.
func Require(tb testing.TB) {
	tb.Helper()
	if _, err := binary(); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("smtp-sink is not installed under CI: the SMTP client would go untested (install Debian's postfix): %v", err)
		}
		tb.Skipf("SMTP tests skipped: smtp-sink is not installed; install Debian's postfix to run them (%v)", err)
	}
}

// binary finds smtp-sink, which Debian installs in /usr/sbin, a directory
// that is not on every user's PATH.
func binary() (string, error) {
	if path, err := exec.LookPath("smtp-sink"); err == nil {
		return path, nil
	}
	const path = "/usr/sbin/smtp-sink"
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("smtp-sink is neither on PATH nor at %s", path)
	}
	return path, nil
}

// Sink is a running smtp-sink. Addr is its loopback host:port and Dir the
// directory it dumps each mail transaction into.
type Sink struct {
	Addr string
	Dir  string

	mu     sync.Mutex
	cmd    *exec.Cmd
	waited chan struct{}
	// counters is the file smtp-sink -c writes its running counters to.
	counters string
	stderr   *bytes.Buffer
	// probes counts the sessions Start opened itself to see whether the
	// sink was listening; Sessions leaves them out.
	probes int
}

// Start runs smtp-sink on a free loopback port with the extra options args
// (such as "-r", "RCPT" to answer RCPT with 4xx, or "-q", "DATA" to
// disconnect after DATA), waits until it accepts connections, and stops it
// when the test ends. It always runs with -c (counters, for Sessions) and
// -d (a file per transaction in Dir, for Received).
func Start(tb testing.TB, args ...string) *Sink {
	tb.Helper()
	Require(tb)
	// smtp-sink opens the dump files after it has dropped root to nobody,
	// which cannot enter a test's 0700 temporary directory: use a
	// directory of its own that everyone may write to.
	dir, err := os.MkdirTemp("", "smtpsink-")
	if err != nil {
		tb.Fatalf("smtpsink: %v", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		tb.Fatalf("smtpsink: %v", err)
	}
	s := &Sink{Addr: freeAddr(tb), Dir: dir, counters: filepath.Join(tb.TempDir(), "counters")}
	tb.Cleanup(func() { s.Stop(tb) })
	s.start(tb, args)
	return s
}

// Restart stops the sink and runs a new smtp-sink on the same address and
// dump directory with the options args, as a server that is restarted with
// another configuration. The counters start again from zero; the messages
// received so far are kept.
func (s *Sink) Restart(tb testing.TB, args ...string) {
	tb.Helper()
	s.Stop(tb)
	s.start(tb, args)
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtpsink: pick a free port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func (s *Sink) start(tb testing.TB, args []string) {
	tb.Helper()
	bin, err := binary()
	if err != nil {
		tb.Fatal(err)
	}
	var argv []string
	if os.Geteuid() == 0 {
		// smtp-sink refuses to run as root without a user to switch to.
		argv = append(argv, "-u", "nobody")
	}
	argv = append(argv, "-c", "-d", filepath.Join(s.Dir, "%Y%m%d%H%M%S."))
	argv = append(argv, args...)
	argv = append(argv, "inet:"+s.Addr, "64")

	counters, err := os.Create(s.counters)
	if err != nil {
		tb.Fatalf("smtpsink: %v", err)
	}
	defer counters.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, argv...)
	cmd.Stdout = counters
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("smtpsink: start %s %s: %v", bin, strings.Join(argv, " "), err)
	}
	waited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(waited)
	}()
	s.mu.Lock()
	s.cmd, s.waited, s.stderr, s.probes = cmd, waited, &stderr, 0
	s.mu.Unlock()

	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-waited:
			tb.Fatalf("smtpsink: %s %s exited: %s", bin, strings.Join(argv, " "), s.stderrText())
		default:
		}
		if ok := s.probe(); ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("smtpsink: smtp-sink does not accept connections on %s after 10s: %s", s.Addr, s.stderrText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// probe tells whether the sink accepts a connection. It reads the greeting
// and quits, so that the session ends cleanly; Sessions does not count it.
func (s *Sink) probe() bool {
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	s.mu.Lock()
	s.probes++
	s.mu.Unlock()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "220") {
		return true // listening, if odd; the test's own traffic will tell
	}
	fmt.Fprint(c, "QUIT\r\n")
	r.ReadString('\n')
	return true
}

func (s *Sink) stderrText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stderr == nil {
		return ""
	}
	return strings.TrimSpace(s.stderr.String())
}

// URL returns the relay URL of the sink for smtp.Config: smtp+insecure,
// since smtp-sink offers no STARTTLS.
func (s *Sink) URL() string {
	return "smtp+insecure://" + s.Addr
}

// Stop stops smtp-sink and waits for it to exit. It may be called more than
// once.
func (s *Sink) Stop(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	cmd, waited := s.cmd, s.waited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-waited
	}
}

// Envelope is what the client said in MAIL FROM and RCPT TO.
type Envelope struct {
	From string
	To   []string
}

// Message is one mail transaction smtp-sink received: its envelope and the
// message as the client sent it.
type Message struct {
	Envelope
	Data []byte
}

// Received returns the transactions received so far that ended with the
// final "." (smtp-sink writes a transaction's file as it goes and ends it
// with an empty line of its own only then), oldest first as far as the
// files' times tell.
func (s *Sink) Received(tb testing.TB) []Message {
	tb.Helper()
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		tb.Fatalf("smtpsink: %v", err)
	}
	type file struct {
		name string
		mod  time.Time
	}
	var files []file
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			tb.Fatalf("smtpsink: %v", err)
		}
		files = append(files, file{e.Name(), info.ModTime()})
	}
	slices.SortFunc(files, func(a, b file) int {
		if c := a.mod.Compare(b.mod); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var msgs []Message
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(s.Dir, f.name))
		if errors.Is(err, fs.ErrNotExist) {
			// smtp-sink removes the file of a transaction the client
			// abandoned (a killed sender) between ReadDir and here.
			continue
		} else if err != nil {
			tb.Fatalf("smtpsink: %v", err)
		}
		if m, ok := parseDump(data); ok {
			msgs = append(msgs, m)
		}
	}
	return msgs
}

// Messages returns the messages received so far, as the client sent them.
func (s *Sink) Messages(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, m := range s.Received(tb) {
		out = append(out, m.Data)
	}
	return out
}

// Envelopes returns the envelopes of the messages received so far, in the
// order of Messages.
func (s *Sink) Envelopes(tb testing.TB) []Envelope {
	tb.Helper()
	var out []Envelope
	for _, m := range s.Received(tb) {
		out = append(out, m.Envelope)
	}
	return out
}

// Count returns how many messages were received so far.
func (s *Sink) Count(tb testing.TB) int {
	tb.Helper()
	return len(s.Received(tb))
}

// countersLine matches one update of smtp-sink -c.
var countersLine = regexp.MustCompile(`sess=(\d+) quit=(\d+) mesg=(\d+)`)

// Sessions returns how many SMTP sessions (connections) have ended since
// the sink was (re)started, as smtp-sink -c counts them, leaving out the
// connections Start made to see whether it was up. smtp-sink counts a
// session when it sees the connection close, a moment after the client
// closed it: Sessions waits until the counters have not moved for 200ms.
func (s *Sink) Sessions(tb testing.TB) int {
	tb.Helper()
	var last []byte
	changed := time.Now()
	for deadline := changed.Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		data, err := os.ReadFile(s.counters)
		if err != nil {
			tb.Fatalf("smtpsink: %v", err)
		}
		if !bytes.Equal(data, last) {
			last, changed = data, time.Now()
		} else if time.Since(changed) >= 200*time.Millisecond {
			break
		}
	}
	m := countersLine.FindAllSubmatch(last, -1)
	if len(m) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(string(m[len(m)-1][1]))
	s.mu.Lock()
	defer s.mu.Unlock()
	return n - s.probes
}

// parseDump reads one smtp-sink dump file: records of its own ("X-...:"
// lines ending with a three-line Received header), then the message with
// LF line endings, then an empty line it adds when the transaction ends. It
// returns false for a transaction that has not ended (or never will: the
// client went away before the final ".").
func parseDump(data []byte) (Message, bool) {
	var m Message
	// A finished dump ends with the empty line smtp-sink adds.
	if !bytes.HasSuffix(data, []byte("\n\n")) {
		return m, false
	}
	lines := bytes.SplitAfter(data[:len(data)-1], []byte("\n"))
	// SplitAfter leaves an empty element after the last "\n".
	lines = lines[:len(lines)-1]
	i := 0
	for ; i < len(lines); i++ {
		line := string(lines[i])
		switch {
		case strings.HasPrefix(line, "X-Mail-Args: "):
			m.From = envelopeAddr(strings.TrimPrefix(line, "X-Mail-Args: "))
		case strings.HasPrefix(line, "X-Rcpt-Args: "):
			m.To = append(m.To, envelopeAddr(strings.TrimPrefix(line, "X-Rcpt-Args: ")))
		case strings.HasPrefix(line, "Received: "):
			i++
			for i < len(lines) && len(lines[i]) > 0 && (lines[i][0] == '\t' || lines[i][0] == ' ') {
				i++
			}
			goto body
		}
	}
	return m, false
body:
	rest := lines[i:]
	var b bytes.Buffer
	b.Grow(len(data) + len(rest))
	for _, line := range rest {
		line = bytes.TrimSuffix(line, []byte("\n"))
		b.Write(line)
		b.WriteString("\r\n")
	}
	m.Data = b.Bytes()
	return m, true
}

// envelopeAddr returns the address in MAIL or RCPT arguments such as
// "<a@b.example> BODY=8BITMIME".
func envelopeAddr(args string) string {
	args = strings.TrimSpace(args)
	if f := strings.Fields(args); len(f) > 0 {
		args = f[0]
	}
	return strings.TrimSuffix(strings.TrimPrefix(args, "<"), ">")
}

// DKIMPython returns a Python that can import Debian's python3-dkim and
// python3-nacl (for Ed25519), which check our signatures independently
// of the Go library that makes them. It skips the test if there is none,
// and fails it under CI.
func DKIMPython(tb testing.TB) string {
	tb.Helper()
	// Debian's packages install into the system Python, which a pyenv or
	// a virtual environment on PATH may hide.
	for _, python := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(python, "-c", "import dkim, nacl").Run(); err == nil {
			return python
		}
	}
	if os.Getenv("CI") != "" {
		tb.Fatal("no python3 with the dkim and nacl modules under CI: the DKIM signatures would go unchecked (install python3-dkim and python3-nacl)")
	}
	tb.Skip("DKIM verification skipped: install python3-dkim and python3-nacl")
	return ""
}

// VerifyDKIM checks every DKIM signature of msg with python3-dkim,
// against the records given as "name=value" (the public keys offline,
// without DNS). It returns python's report and whether all verified.
func VerifyDKIM(t testing.TB, msg []byte, signatures int, records map[string]string) (string, bool) {
	t.Helper()
	const script = `
import sys, dkim
count = int(sys.argv[1])
records = dict(a.split("=", 1) for a in sys.argv[2:])
def dnsfunc(name, timeout=5):
    value = records.get(name.decode().rstrip("."))
    return value.encode() if value else None
msg = sys.stdin.buffer.read()
d = dkim.DKIM(msg)
results = []
for i in range(count):
    try:
        results.append(d.verify(idx=i, dnsfunc=dnsfunc))
    except dkim.DKIMException as e:
        results.append("error: %s" % e)
print(results)
sys.exit(0 if count > 0 and all(r is True for r in results) else 1)
`
	args := []string{"-c", script, fmt.Sprint(signatures)}
	for name, value := range records {
		args = append(args, name+"="+value)
	}
	cmd := exec.Command(DKIMPython(t), args...)
	cmd.Stdin = bytes.NewReader(msg)
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("python: %v", err)
	}
	return strings.TrimSpace(string(out)), err == nil
}
