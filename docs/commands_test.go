package docs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// docTimeout bounds the commands of one markdown file.
const docTimeout = 5 * time.Minute

// TestDocsCommands runs the commands of the documentation as written: every
// fenced block whose info string is exactly sh, in README.md and docs/*.md,
// one bash script per file, in a fresh directory holding a prebuilt
// ./breachdesk and links to the sources. A line that is only a
// `./breachdesk serve` or `./breachdesk worker` command runs in the
// background; serve is waited for until /healthz answers.
func TestDocsCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the docs' commands build and run breachdesk")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files := docFiles(t, root)
	bin := buildBreachdesk(t, root)
	env := docEnv(t)
	for _, name := range files {
		// Sequential on purpose: the docs use the default ports 8080 and 8081.
		t.Run(filepath.Base(name), func(t *testing.T) {
			runDoc(t, root, name, bin, env)
		})
	}
}

// docFiles returns README.md and docs/*.md, relative to root.
func docFiles(t *testing.T, root string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"README.md"}
	for _, m := range matches {
		rel, err := filepath.Rel(root, m)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.ToSlash(rel))
	}
	slices.Sort(files[1:])
	return files
}

// buildBreachdesk builds ./cmd/breachdesk once, into the test's temporary
// directory, and returns the binary's path.
func buildBreachdesk(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "breachdesk")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/breachdesk")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/breachdesk: %v\n%s", err, out)
	}
	return bin
}

// docEnv returns the environment the docs' commands run in, less HOME and
// TMPDIR, which each file gets fresh: nothing of the test's own
// environment leaks in but PATH, the go command's caches and the
// PostgreSQL server to use.
func docEnv(t *testing.T) []string {
	t.Helper()
	path := os.Getenv("PATH")
	if !slices.Contains(filepath.SplitList(path), "/usr/sbin") {
		path += string(filepath.ListSeparator) + "/usr/sbin" // smtp-sink
	}
	env := []string{"PATH=" + path, "LANG=C.UTF-8"}

	// The go command's own defaults depend on HOME, which differs here: pass
	// the resolved values so that `go build` in a doc uses the warm cache.
	out, err := exec.Command("go", "env", "-json", "GOCACHE", "GOPATH", "GOMODCACHE", "GOFLAGS").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	var goenv map[string]string
	if err := json.Unmarshal(out, &goenv); err != nil {
		t.Fatalf("go env: %v", err)
	}
	for _, k := range []string{"GOCACHE", "GOPATH", "GOMODCACHE", "GOFLAGS"} {
		if goenv[k] != "" {
			env = append(env, k+"="+goenv[k])
		}
	}

	if dsn := os.Getenv("BREACHDESK_TEST_POSTGRES"); dsn != "" {
		pg, err := postgresEnv(dsn)
		if err != nil {
			t.Fatalf("BREACHDESK_TEST_POSTGRES: %v", err)
		}
		env = append(env, pg...)
	}
	return env
}

// postgresEnv turns a postgres:// URL into the PG* variables that psql,
// createdb and pgx read.
func postgresEnv(dsn string) ([]string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("%q is not a postgres:// URL", u.Redacted())
	}
	var env []string
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	host := u.Hostname()
	if h := u.Query().Get("host"); h != "" {
		host = h // a Unix socket's directory: postgres://user@/db?host=/run/postgresql
	}
	add("PGHOST", host)
	add("PGPORT", u.Port())
	add("PGUSER", u.User.Username())
	password, _ := u.User.Password()
	add("PGPASSWORD", password)
	add("PGDATABASE", strings.TrimPrefix(u.Path, "/"))
	add("PGSSLMODE", u.Query().Get("sslmode"))
	return env, nil
}

var (
	usesPostgres = regexp.MustCompile(`postgres:|\b(createdb|dropdb|psql|pg_dump|pg_restore)\b`)
	usesSMTPSink = regexp.MustCompile(`\bsmtp-sink\b`)
)

// smtpSink is where Debian's postfix package installs smtp-sink.
const smtpSink = "/usr/sbin/smtp-sink"

// runDoc runs the sh blocks of one markdown file, named relative to root.
func runDoc(t *testing.T, root, name, bin string, env []string) {
	md, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	blocks, skips, err := shBlocks(string(md))
	if err != nil {
		t.Fatalf("%s:%v", name, err)
	}
	for _, s := range skips {
		t.Logf("%s:%d: block not run: %s", name, s.Line, s.Reason)
	}
	if len(blocks) == 0 {
		t.Skipf("%s has no sh block to run", name)
	}
	var text strings.Builder
	for _, b := range blocks {
		text.WriteString(strings.Join(b.Lines, "\n") + "\n")
	}
	if usesPostgres.MatchString(text.String()) && os.Getenv("BREACHDESK_TEST_POSTGRES") == "" {
		need(t, name+" uses PostgreSQL: set BREACHDESK_TEST_POSTGRES=postgres://...")
	}
	if usesSMTPSink.MatchString(text.String()) {
		if _, err := os.Stat(smtpSink); err != nil {
			need(t, name+" uses smtp-sink: install postfix ("+err.Error()+")")
		}
	}

	tmp := t.TempDir()
	work := filepath.Join(tmp, "work")
	logs := filepath.Join(tmp, "logs")
	for _, dir := range []string{work, logs, filepath.Join(tmp, "home"), filepath.Join(tmp, "tmp")} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	linkSources(t, root, work)
	copyFile(t, bin, filepath.Join(work, "breachdesk"))

	at := filepath.Join(tmp, "at")
	preamble := filepath.Join(tmp, "preamble.sh")
	script := filepath.Join(tmp, "script.sh")
	if err := os.WriteFile(preamble, []byte(docPreamble(name, logs, at)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte(docScript(preamble, blocks)), 0o644); err != nil {
		t.Fatal(err)
	}

	out, err := os.Create(filepath.Join(tmp, "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	timeout := docTimeout
	if deadline, ok := t.Deadline(); ok && time.Until(deadline)-30*time.Second < timeout {
		// Fail here, with the line, rather than in go test's panic, which
		// would leave serve running.
		timeout = time.Until(deadline) - 30*time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-eo", "pipefail", script)
	cmd.Dir = work
	cmd.Env = append(slices.Clip(env), "HOME="+filepath.Join(tmp, "home"), "TMPDIR="+filepath.Join(tmp, "tmp"))
	// A file rather than a pipe: background jobs that keep the output open
	// must not keep Wait waiting.
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	start := time.Now()
	runErr := cmd.Run()
	if cmd.Process != nil {
		// Whatever the script left running: serve, worker, and the jobs it
		// started with &.
		killGroup(t, cmd.Process.Pid)
	}
	elapsed := time.Since(start).Round(time.Millisecond)

	output, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s, in %v:\n%s", name, elapsed, output)
	if runErr == nil {
		return
	}
	showLogs(t, logs)
	line, lines := lastLine(at), strings.Split(string(md), "\n")
	where := fmt.Sprintf("%s:%d", name, line)
	if line > 0 && line <= len(lines) {
		where += ": " + strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(lines[line-1]), `\`))
	}
	if ctx.Err() != nil {
		t.Fatalf("%s: timed out after %v (the command still running is the last one traced above)", where, timeout.Round(time.Second))
	}
	t.Fatalf("%s: %v (the failing command is the last one traced above)", where, runErr)
}

// need skips the test, or fails it in CI, where every tool is installed.
func need(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// linkSources links go.mod, go.sum and the repository's top-level source
// directories and Go files into dir, so that the go command builds there.
func linkSources(t *testing.T, root, dir string) {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		source := name == "go.mod" || name == "go.sum" || strings.HasSuffix(name, ".go") || e.IsDir()
		if !source || strings.HasPrefix(name, ".") {
			continue
		}
		if err := os.Symlink(filepath.Join(root, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// killGroup stops every process of the process group pgid: SIGTERM, so
// that serve and worker stop as they would in production, and SIGKILL to
// what is still running 10 s later. It returns once none is left running,
// so that the next file finds the ports free.
func killGroup(t *testing.T, pgid int) {
	t.Helper()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		if err := syscall.Kill(-pgid, sig); err != nil {
			if !errors.Is(err, syscall.ESRCH) {
				t.Errorf("kill process group %d: %v", pgid, err)
			}
			return
		}
		for range 100 {
			if !groupRunning(pgid) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("process group %d still running 10 s after %v", pgid, sig)
	}
	t.Errorf("process group %d still running 10 s after SIGKILL", pgid)
}

// groupRunning reports whether a process of group pgid is running. Zombies
// do not count: killed orphans stay zombies where nothing reaps them.
func groupRunning(pgid int) bool {
	if runtime.GOOS != "linux" {
		return false
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // it ended
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) >= 3 && fields[0] != "Z" && fields[2] == strconv.Itoa(pgid) {
			return true
		}
	}
	return false
}

// showLogs logs the output of the serve and worker processes a file started.
func showLogs(t *testing.T, dir string) {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, path := range logs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Error(err)
			continue
		}
		t.Logf("output of %s:\n%s", strings.TrimSuffix(filepath.Base(path), ".log"), b)
	}
}

// lastLine returns the markdown line of the last command the script started,
// which the preamble writes to the file at, or 0.
func lastLine(at string) int {
	b, _ := os.ReadFile(at)
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// shBlock is a fenced block to run.
type shBlock struct {
	// Line is the markdown line of the block's first line of content.
	Line  int
	Lines []string
}

// skippedBlock is an sh block preceded by a skip marker.
type skippedBlock struct {
	Line   int // the line of the opening fence
	Reason string
}

var skipMarker = regexp.MustCompile(`^<!--\s*docs-test:\s*(.*?)\s*-->$`)

// shBlocks returns the fenced blocks of a markdown text whose info string is
// exactly sh, and those a `<!-- docs-test: skip: REASON -->` line right
// before them keeps from running. A marker without a reason, a marker not
// followed by an sh block and an unclosed fence are errors, which start with
// the line number.
func shBlocks(md string) ([]shBlock, []skippedBlock, error) {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var (
		blocks []shBlock
		skips  []skippedBlock
	)
	skipReason, markerLine := "", 0
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if m := skipMarker.FindStringSubmatch(trimmed); m != nil {
			directive, reason, _ := strings.Cut(m[1], ":")
			if strings.TrimSpace(directive) != "skip" {
				return nil, nil, fmt.Errorf("%d: unknown docs-test marker %q: the only one is <!-- docs-test: skip: REASON -->", i+1, trimmed)
			}
			if skipReason = strings.TrimSpace(reason); skipReason == "" {
				return nil, nil, fmt.Errorf("%d: a skip marker needs a reason: <!-- docs-test: skip: REASON -->", i+1)
			}
			markerLine = i + 1
			continue
		}
		indent := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
		fence, info, ok := openingFence(trimmed)
		marked := markerLine != 0 && markerLine == i // the marker is on the line right before
		if marked && (!ok || info != "sh") {
			return nil, nil, fmt.Errorf("%d: a skip marker must be on the line right before an sh block", markerLine)
		}
		markerLine = 0
		if !ok {
			continue
		}
		start := i
		var content []string
		for i++; ; i++ {
			if i == len(lines) {
				return nil, nil, fmt.Errorf("%d: the block opened here is not closed", start+1)
			}
			if isClosingFence(strings.TrimSpace(lines[i]), fence) {
				break
			}
			content = append(content, trimIndent(lines[i], indent))
		}
		switch {
		case info != "sh":
		case marked:
			skips = append(skips, skippedBlock{Line: start + 1, Reason: skipReason})
		default:
			blocks = append(blocks, shBlock{Line: start + 2, Lines: content})
		}
	}
	if markerLine != 0 {
		return nil, nil, fmt.Errorf("%d: a skip marker must be on the line right before an sh block", markerLine)
	}
	return blocks, skips, nil
}

// openingFence reports whether line (trimmed) opens a fenced block, with its
// fence (``` or ~~~, or longer) and info string.
func openingFence(line string) (fence, info string, ok bool) {
	if !strings.HasPrefix(line, "```") && !strings.HasPrefix(line, "~~~") {
		return "", "", false
	}
	n := len(line) - len(strings.TrimLeft(line, line[:1]))
	fence, info = line[:n], strings.TrimSpace(line[n:])
	if fence[0] == '`' && strings.Contains(info, "`") {
		return "", "", false // inline code, not a fence
	}
	return fence, info, true
}

func isClosingFence(line, fence string) bool {
	return len(line) >= len(fence) && strings.Trim(line, fence[:1]) == ""
}

// trimIndent removes up to n leading spaces, the indentation of a block's
// fence inside a list item.
func trimIndent(line string, n int) string {
	for n > 0 && strings.HasPrefix(line, " ") {
		line, n = line[1:], n-1
	}
	return line
}

var (
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	hereDoc    = regexp.MustCompile(`<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)['"]?`)
)

// docScript returns the bash script of the blocks: line 1 sources the
// preamble, and every line of a block is on the same line as in the markdown
// file, so that bash's LINENO is the markdown line. Lines that start serve
// or worker become calls of the preamble's __bd_background.
func docScript(preamble string, blocks []shBlock) string {
	lines := []string{"source " + shellQuote(preamble)}
	for _, b := range blocks {
		for len(lines) < b.Line-1 {
			lines = append(lines, "")
		}
		heredocEnd, continued := "", false
		for j, line := range b.Lines {
			n := b.Line + j
			switch {
			case heredocEnd != "":
				if strings.TrimLeft(line, "\t") == heredocEnd {
					heredocEnd = ""
				}
			case !continued:
				logical := line
				for k := j; strings.HasSuffix(b.Lines[k], `\`) && k+1 < len(b.Lines); k++ {
					logical = strings.TrimSuffix(logical, `\`) + " " + b.Lines[k+1]
				}
				if kind, addr, public, ok := backgroundCommand(logical); ok {
					line = fmt.Sprintf("__bd_background %s %d %s %s %s", kind, n, orEmpty(addr), orEmpty(public), line)
				}
				if m := hereDoc.FindStringSubmatch(line); m != nil {
					heredocEnd = m[2]
				}
			}
			continued = heredocEnd == "" && strings.HasSuffix(line, `\`)
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func orEmpty(word string) string {
	if word == "" {
		return "''"
	}
	return word
}

// backgroundCommand reports whether line is only a `./breachdesk serve` or
// `./breachdesk worker` command, possibly after variable assignments, with
// global flags before the command, and before a comment, and returns serve's console and public addresses as the
// shell words that give them (--addr, --public-addr, or BREACHDESK_ADDR and
// BREACHDESK_PUBLIC_ADDR assigned on the line), or "" when not given.
func backgroundCommand(line string) (kind, addr, public string, ok bool) {
	words, ok := shellWords(line)
	if !ok {
		return "", "", "", false
	}
	for len(words) > 0 && assignment.MatchString(words[0]) {
		name, value, _ := strings.Cut(words[0], "=")
		switch name {
		case "BREACHDESK_ADDR":
			addr = value
		case "BREACHDESK_PUBLIC_ADDR":
			public = value
		}
		words = words[1:]
	}
	if len(words) == 0 || words[0] != "./breachdesk" {
		return "", "", "", false
	}
	// Global flags may come first: --db FILE, --key-file=FILE.
	words = words[1:]
	for len(words) > 0 && strings.HasPrefix(words[0], "-") {
		if strings.Contains(words[0], "=") || len(words) == 1 {
			words = words[1:]
		} else {
			words = words[2:]
		}
	}
	if len(words) == 0 || (words[0] != "serve" && words[0] != "worker") {
		return "", "", "", false
	}
	kind = words[0]
	if kind == "worker" {
		return kind, "", "", true
	}
	flags := []struct {
		name  string
		value *string
	}{{"--addr", &addr}, {"--public-addr", &public}}
	for i, w := range words {
		for _, f := range flags {
			if w == f.name && i+1 < len(words) {
				*f.value = words[i+1]
			}
			// --addr=X, or "--addr=X" whose quote opens again before X.
			for _, quote := range []string{"", `"`, "'"} {
				if rest, found := strings.CutPrefix(w, quote+f.name+"="); found {
					*f.value = quote + rest
				}
			}
		}
	}
	return kind, addr, public, true
}

// shellWords splits a shell command line into its words as written, quotes
// and all, up to a comment. It reports false when the line is more than one
// simple command: an unclosed quote, a trailing backslash, or an unquoted
// operator or redirection (; & | < > ( )).
func shellWords(line string) ([]string, bool) {
	var (
		words  []string
		word   strings.Builder
		inWord bool
		quote  byte
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' && i+1 < len(line) {
				word.WriteByte(c)
				i++
				c = line[i]
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '\\':
			if i+1 == len(line) {
				return nil, false
			}
			word.WriteByte(c)
			i++
			c = line[i]
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
			continue
		case c == '#' && !inWord:
			return words, true
		case strings.IndexByte(";&|<>()", c) >= 0:
			return nil, false
		}
		word.WriteByte(c)
		inWord = true
	}
	if quote != 0 {
		return nil, false
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, true
}

// shellQuote quotes s as one shell word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// docPreamble returns the bash the script of the markdown file name sources
// first: __bd_background, which runs serve and worker in the background, a
// trace of each command with its markdown line.
func docPreamble(name, logs, at string) string {
	return fmt.Sprintf("__bd_file=%s\n__bd_logs=%s\n__bd_at=%s\n", shellQuote(name), shellQuote(logs), shellQuote(at)) +
		preambleBody
}

const preambleBody = `__bd_serve_pid=


# __bd_stop PID stops a background serve or worker: SIGTERM, and SIGKILL
# after 10 s.
__bd_stop() {
	local i
	kill -TERM "$1" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# __bd_healthy HOST:PORT reports whether GET /healthz answers 200 there.
__bd_healthy() {
	local host=${1%:*} port=${1##*:}
	host=${host#[}
	host=${host%]}
	case $host in
	'' | 0.0.0.0) host=127.0.0.1 ;;
	::) host=::1 ;;
	esac
	(
		exec 3<>"/dev/tcp/$host/$port" || exit 1
		printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" >&3
		IFS= read -r -t 5 status <&3 || exit 1
		[[ $status == HTTP/1.?' 200'* ]]
	) 2>/dev/null
}

# __bd_background KIND LINE ADDR PUBLIC_ADDR COMMAND... is what a line of the
# docs that is only a "./breachdesk serve" or "./breachdesk worker" command
# becomes: it runs COMMAND (with its variable assignments) in the
# background, its output in a log file. For serve, it first stops the serve
# started before, and then waits until /healthz answers on both addresses.
__bd_background() {
	local kind=$1 line=$2 addr=$3 public=$4 log pid status i
	shift 4
	log="$__bd_logs/$kind at line $line.log"
	if [[ $kind == serve ]]; then
		if [[ -n $__bd_serve_pid ]]; then
			echo "harness: stopping the serve started before (pid $__bd_serve_pid)"
			__bd_stop "$__bd_serve_pid"
		fi
		addr=${addr:-${BREACHDESK_ADDR:-127.0.0.1:8080}}
		public=${public:-${BREACHDESK_PUBLIC_ADDR:-127.0.0.1:8081}}
		for i in "$addr" "$public"; do
			if __bd_healthy "$i"; then
				echo "harness: $__bd_file:$line: another server already answers on $i: stop it first"
				return 1
			fi
		done
	fi
	env "$@" >"$log" 2>&1 </dev/null &
	pid=$!
	echo "harness: $kind running in the background (pid $pid)"
	[[ $kind == serve ]] || return 0
	__bd_serve_pid=$pid
	for ((i = 0; i < 300; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			status=0
			wait "$pid" || status=$?
			echo "harness: $__bd_file:$line: serve exited with status $status before answering on $addr and $public; its output:"
			cat "$log"
			return 1
		fi
		if __bd_healthy "$addr" && __bd_healthy "$public"; then
			return 0
		fi
		sleep 0.1
	done
	echo "harness: $__bd_file:$line: serve did not answer /healthz on $addr and $public within 30 s; its output:"
	cat "$log"
	return 1
}

# Each command of the docs is traced with its markdown line and the seconds
# since the start before it runs.
trap 'printf "%s\n" "$LINENO" >"$__bd_at"; printf "+ %s:%s [%ss]: %s\n" "$__bd_file" "$LINENO" "$SECONDS" "$BASH_COMMAND" >&2' DEBUG
`

func TestShBlocks(t *testing.T) {
	tests := []struct {
		name   string
		md     string
		blocks []shBlock
		skips  []skippedBlock
		err    string
	}{
		{
			name:   "OK",
			md:     "# T\n\n```sh\necho a\necho b\n```\n\ntext\n```sh\necho c\n```\n",
			blocks: []shBlock{{Line: 4, Lines: []string{"echo a", "echo b"}}, {Line: 10, Lines: []string{"echo c"}}},
		},
		{
			name:   "OKOnlyShInfo",
			md:     "```bash\na\n```\n```sh title\nb\n```\n```text\nc\n```\n```console\n$ d\n```\n```\ne\n```\n```sh\nf\n```\n",
			blocks: []shBlock{{Line: 17, Lines: []string{"f"}}},
		},
		{
			name:   "OKIndentedInList",
			md:     "- rotate:\n\n  ```sh\n  a --b\n    c\n  ```\n",
			blocks: []shBlock{{Line: 4, Lines: []string{"a --b", "  c"}}},
		},
		{
			name:   "OKLongerFenceAndTilde",
			md:     "````md\n```sh\nnot run\n```\n````\n~~~sh\nrun\n~~~\n",
			blocks: []shBlock{{Line: 7, Lines: []string{"run"}}},
		},
		{
			name:   "OKEmptyBlock",
			md:     "```sh\n```\n",
			blocks: []shBlock{{Line: 2}},
		},
		{
			name:   "OKSkip",
			md:     "a\n<!-- docs-test: skip: needs a real relay -->\n```sh\nsend\n```\n```sh\nrun\n```\n",
			blocks: []shBlock{{Line: 7, Lines: []string{"run"}}},
			skips:  []skippedBlock{{Line: 3, Reason: "needs a real relay"}},
		},
		{
			name: "ErrSkipWithoutReason",
			md:   "<!-- docs-test: skip -->\n```sh\nsend\n```\n",
			err:  "1: a skip marker needs a reason",
		},
		{
			name: "ErrSkipEmptyReason",
			md:   "x\n<!-- docs-test: skip:   -->\n```sh\nsend\n```\n",
			err:  "2: a skip marker needs a reason",
		},
		{
			name: "ErrSkipNotRightBefore",
			md:   "<!-- docs-test: skip: why -->\n\n```sh\nsend\n```\n",
			err:  "1: a skip marker must be on the line right before an sh block",
		},
		{
			name: "ErrSkipBeforeText",
			md:   "<!-- docs-test: skip: why -->\n```text\nout\n```\n",
			err:  "1: a skip marker must be on the line right before an sh block",
		},
		{
			name: "ErrSkipAtEnd",
			md:   "a\n<!-- docs-test: skip: why -->\n",
			err:  "2: a skip marker must be on the line right before an sh block",
		},
		{
			name: "ErrUnknownMarker",
			md:   "<!-- docs-test: run-twice -->\n```sh\na\n```\n",
			err:  "1: unknown docs-test marker",
		},
		{
			name: "ErrUnclosed",
			md:   "a\n```sh\necho\n",
			err:  "2: the block opened here is not closed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks, skips, err := shBlocks(tt.md)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("shBlocks() error = %v, want %q...", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("shBlocks() error = %v", err)
			}
			if diff := cmp.Diff(tt.blocks, blocks); diff != "" {
				t.Errorf("shBlocks() blocks differ (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.skips, skips); diff != "" {
				t.Errorf("shBlocks() skips differ (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackgroundCommand(t *testing.T) {
	tests := []struct {
		line               string
		kind, addr, public string
		ok                 bool
	}{
		{line: "./breachdesk serve", kind: "serve", ok: true},
		{line: "  ./breachdesk serve --smtp smtp://127.0.0.1:2525 --public-url https://notice.acme.example", kind: "serve", ok: true},
		{line: "./breachdesk serve --addr 127.0.0.1:9090 --public-addr=127.0.0.1:9091", kind: "serve", addr: "127.0.0.1:9090", public: "127.0.0.1:9091", ok: true},
		{line: "./breachdesk serve --public-addr :9091 --addr=:9090", kind: "serve", addr: ":9090", public: ":9091", ok: true},
		{line: `./breachdesk serve --addr "$ADDR" "--public-addr=$HOST:9091"`, kind: "serve", addr: `"$ADDR"`, public: `"$HOST:9091"`, ok: true},
		{line: "./breachdesk serve --smtp-addr 127.0.0.1:2526 --smtp-addr=:2527", kind: "serve", ok: true},
		{line: "BREACHDESK_ADDR=127.0.0.1:9090 BREACHDESK_PUBLIC_ADDR='127.0.0.1:9091' ./breachdesk serve", kind: "serve", addr: "127.0.0.1:9090", public: "'127.0.0.1:9091'", ok: true},
		{line: "BREACHDESK_ADDR=127.0.0.1:9090 ./breachdesk serve --addr 127.0.0.1:9092", kind: "serve", addr: "127.0.0.1:9092", ok: true},
		{line: "BREACHDESK_SMTP=smtp://127.0.0.1:2525 ./breachdesk worker", kind: "worker", ok: true},
		{line: "./breachdesk worker --concurrency 4   # sends every active campaign", kind: "worker", ok: true},
		{line: "./breachdesk --db demo.db serve --addr 127.0.0.1:9090", kind: "serve", addr: "127.0.0.1:9090", ok: true},
		{line: "./breachdesk --db=postgres:///breachdesk --key-file bd.key worker", kind: "worker", ok: true},
		{line: "./breachdesk --db demo.db campaign send 1"},
		{line: "./breachdesk --db serve"},
		{line: "./breachdesk serve --public-url 'https://x.example/#top'", kind: "serve", ok: true},
		{line: "./breachdesk serve &"},
		{line: "./breachdesk serve > serve.log 2>&1"},
		{line: "./breachdesk serve | tee log"},
		{line: "./breachdesk serve; echo done"},
		{line: "./breachdesk serve && echo done"},
		{line: "./breachdesk serve --public-url 'unclosed"},
		{line: "breachdesk serve"},
		{line: "go run ./cmd/breachdesk serve"},
		{line: "./breachdesk service"},
		{line: "./breachdesk campaign send 1"},
		{line: "echo ./breachdesk serve"},
		{line: "# ./breachdesk serve"},
		{line: ""},
	}
	for _, tt := range tests {
		kind, addr, public, ok := backgroundCommand(tt.line)
		if kind != tt.kind || addr != tt.addr || public != tt.public || ok != tt.ok {
			t.Errorf("backgroundCommand(%q) = %q, %q, %q, %v; want %q, %q, %q, %v",
				tt.line, kind, addr, public, ok, tt.kind, tt.addr, tt.public, tt.ok)
		}
	}
}

func TestDocScript(t *testing.T) {
	blocks := []shBlock{
		{Line: 3, Lines: []string{"./breachdesk org set --name A", "./breachdesk serve --addr 127.0.0.1:9090"}},
		{Line: 8, Lines: []string{
			"cat > run.sh <<'EOF'",
			"./breachdesk serve",
			"EOF",
			"./breachdesk serve \\",
			"    --public-addr 127.0.0.1:9091",
			"BREACHDESK_SMTP=smtp://127.0.0.1:2525 ./breachdesk worker",
		}},
	}
	want := strings.Join([]string{
		"source '/tmp/it'\\''s/preamble.sh'",
		"",
		"./breachdesk org set --name A",
		"__bd_background serve 4 127.0.0.1:9090 '' ./breachdesk serve --addr 127.0.0.1:9090",
		"",
		"",
		"",
		"cat > run.sh <<'EOF'",
		"./breachdesk serve",
		"EOF",
		"__bd_background serve 11 '' 127.0.0.1:9091 ./breachdesk serve \\",
		"    --public-addr 127.0.0.1:9091",
		"__bd_background worker 13 '' '' BREACHDESK_SMTP=smtp://127.0.0.1:2525 ./breachdesk worker",
	}, "\n") + "\n"
	if diff := cmp.Diff(want, docScript("/tmp/it's/preamble.sh", blocks)); diff != "" {
		t.Errorf("docScript() differs (-want +got):\n%s", diff)
	}
}

func TestPostgresEnv(t *testing.T) {
	got, err := postgresEnv("postgres://postgres:s3cr%40t@127.0.0.1:5433/test?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PGHOST=127.0.0.1", "PGPORT=5433", "PGUSER=postgres", "PGPASSWORD=s3cr@t", "PGDATABASE=test", "PGSSLMODE=disable"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("postgresEnv() differs (-want +got):\n%s", diff)
	}
	got, err = postgresEnv("postgres://postgres@localhost/test")
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"PGHOST=localhost", "PGUSER=postgres", "PGDATABASE=test"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("postgresEnv() differs (-want +got):\n%s", diff)
	}
	got, err = postgresEnv("postgres://postgres@/test?host=/run/postgresql")
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"PGHOST=/run/postgresql", "PGUSER=postgres", "PGDATABASE=test"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("postgresEnv() differs (-want +got):\n%s", diff)
	}
	if _, err := postgresEnv("mysql://root@localhost/test"); err == nil {
		t.Error("postgresEnv(mysql://...) error = nil, want one")
	}
}
