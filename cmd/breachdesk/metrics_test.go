package main

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	netsmtp "net/smtp"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/metricstest"
	"github.com/breachdesk/breachdesk/internal/smtpsink"
)

// scrapeUntil scrapes url until ready accepts the samples, and returns
// them; it fails the test after 30 seconds.
func scrapeUntil(t *testing.T, url string, ready func(metricstest.Samples) bool) metricstest.Samples {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(url); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s := metricstest.Parse(t, bytes.NewReader(body))
				if ready(s) {
					return s
				}
				if time.Now().After(deadline) {
					t.Fatalf("GET %s: the samples never became what the test waits for:\n%s", url, body)
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s did not answer in 30 s", url)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkNoPersonalData fails the test if a label value of the scrape at
// url holds an '@', or its text holds one of secrets.
func checkNoPersonalData(t *testing.T, url string, secrets ...string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, v := range metricstest.Parse(t, bytes.NewReader(body)).LabelValues() {
		if strings.Contains(v, "@") {
			t.Errorf("a label value holds an '@': %q", v)
		}
	}
	lower := strings.ToLower(string(body))
	for _, s := range secrets {
		if s != "" && strings.Contains(lower, strings.ToLower(s)) {
			t.Errorf("the scrape holds %q", s)
		}
	}
}

// TestServeMetrics: serve counts what its pages, its intake, its mailer,
// its console import and its bounce listener do, and reads where things
// stand from the store; the console answers the scrape without a session,
// the public listener does not, and nothing in it is personal.
func TestServeMetrics(t *testing.T) {
	smtpsink.Require(t)
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			p := setupPublic(t, c)
			bounceAddr := freeLoopback(t)
			srv, stop := c.serve(append(p.mailArgs, "--smtp-addr", bounceAddr, "--public-client-rate", "inf")...)
			metricsURL := srv.URL() + "/metrics"
			person := p.people[0]
			n := p.notices[person["external_id"]]

			pc := newPublicClient(t, srv.PublicURL())
			if status, _ := pc.get("/en/verify?code=" + n.Code); status != http.StatusOK {
				t.Fatalf("GET /en/verify = %d", status)
			}
			if status, _ := pc.submit("/en/affected", url.Values{"email": {person["email"]}}); status != http.StatusOK {
				t.Fatalf("POST /en/affected = %d", status)
			}
			status, done := pc.submit("/en/contact?code="+n.Code, url.Values{
				"category": {"claim"}, "name": {person["name"]}, "email": {person["email"]}, "code": {n.Code},
				"message": {"My address was in the stolen table."}})
			ref := regexp.MustCompile(`Q-[0-9A-Z]{4}-[0-9A-Z]{4}`).FindString(done)
			if status != http.StatusOK || ref == "" {
				t.Fatalf("POST /en/contact = %d, reference %q", status, ref)
			}
			awaitMessage(t, p.sink, person["email"], ref)

			// A bounce for another person's notice, to the listener of serve.
			other := p.notices[p.people[1]["external_id"]]
			var returnPath string
			for _, m := range p.sink.Received(t) {
				if strings.Contains(string(m.Data), other.MessageID) {
					returnPath = m.From
				}
			}
			if err := netsmtp.SendMail(bounceAddr, nil, "", []string{returnPath}, dsn(returnPath)); err != nil {
				t.Fatalf("delivering the bounce: %v", err)
			}

			// An import through the console, by the DPO.
			c.mustRun("dpo password 2026\n", "user", "add", "--login", "dana@example.com", "--name", "Dana", "--role", "dpo", "--password-stdin")
			console := signIn(t, srv.URL(), "dana@example.com", "dpo password 2026")
			_, form, _ := fetch(t, console, "GET", srv.URL()+"/incidents/"+p.incident+"/people", nil)
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField("csrf", formToken(t, form))
			fw, _ := mw.CreateFormFile("file", "more.csv")
			io.WriteString(fw, "external_id,name,email,phone,postal_address,country,region,language,data_categories\n"+
				"M1,Mia Meyer,mia.meyer@example.net,,,DE,,de,\nM2,Bad Row,not an address,,,DE,,,\n")
			mw.Close()
			resp, err := console.Post(srv.URL()+"/incidents/"+p.incident+"/people", mw.FormDataContentType(), &body)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("the console import = %d", resp.StatusCode)
			}

			s := scrapeUntil(t, metricsURL, func(s metricstest.Samples) bool {
				mailed, _ := s.Get("breachdesk_inquiry_mails_total", "kind", "receipt", "result", "mailed")
				resent, _ := s.Get("breachdesk_notices_resent_total")
				bounced, _ := s.Get("breachdesk_notices_bounced_total")
				open, _ := s.Get("breachdesk_inquiries", "status", "open")
				return mailed == 1 && resent == 1 && bounced == 1 && open == 1
			})
			for _, c := range []struct {
				name   string
				labels []string
				want   float64
			}{
				{"breachdesk_http_requests_total", []string{"listener", "public", "route", "GET /en/verify", "status", "200"}, 1},
				{"breachdesk_http_requests_total", []string{"listener", "public", "route", "POST /en/contact", "status", "200"}, 1},
				{"breachdesk_http_requests_total", []string{"listener", "public", "route", "POST /en/affected", "status", "200"}, 1},
				{"breachdesk_http_requests_total", []string{"listener", "console", "route", "POST /incidents/{id}/people", "status", "200"}, 1},
				{"breachdesk_inquiries_received_total", []string{"category", "claim"}, 1},
				{"breachdesk_import_rows_total", []string{"result", "imported"}, 1},
				{"breachdesk_import_rows_total", []string{"result", "rejected"}, 1},
				{"breachdesk_campaigns", []string{"status", "done"}, 1},
				{"breachdesk_inquiry_receipts_pending", nil, 0},
				{"breachdesk_state_up", nil, 1},
			} {
				if got, ok := s.Get(c.name, c.labels...); !ok || got != c.want {
					t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
				}
			}
			if got := s.Sum("breachdesk_incidents"); got != 1 {
				t.Errorf("breachdesk_incidents adds up to %v, want the one incident", got)
			}
			var secrets []string
			for _, row := range p.people {
				_, domain, _ := strings.Cut(row["email"], "@")
				secrets = append(secrets, row["email"], row["name"], domain, p.notices[row["external_id"]].Code)
			}
			checkNoPersonalData(t, metricsURL, append(secrets, ref, "mia.meyer", "example.net", "marketplace.example")...)

			if status, body := pc.get("/metrics"); status != http.StatusNotFound || strings.Contains(body, "breachdesk_") {
				t.Errorf("GET /metrics on the public listener = %d:\n%s", status, body)
			}
			if code, logs := stop(); code != ExitOK {
				t.Fatalf("serve exit %d: %s", code, logs)
			}
		})
	}
}

// TestWorkerMetrics: a worker started with BREACHDESK_METRICS_ADDR sends a
// campaign to a real SMTP server and its /metrics counts every notice.
func TestWorkerMetrics(t *testing.T) {
	smtpsink.Require(t)
	for name, c := range backends(t) {
		t.Run(name, func(t *testing.T) {
			c.t = t
			c.mustRun("", "org", "set", "--name", "Marketplace SAS", "--country", "FR", "--dpo-email", "dpo@marketplace.example")
			generated := c.mustRun("", "gen", "subjects", "20", "--seed", "17", "--countries", "FR,DE")
			id := strings.TrimSpace(c.mustRun(intrusionFile, "incident", "create", "-f", "-"))
			c.mustRun("", append(c.keyArgs(), "subjects", "import", id, c.file("people.csv", generated))...)
			campaignID := strings.TrimSpace(c.mustRun("", "campaign", "create", id))
			c.mustRun("", "campaign", "resume", campaignID)
			sink := smtpsink.Start(t)
			addr := freeLoopback(t)

			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan int, 1)
			var stderr bytes.Buffer
			go func() {
				m := NewMain()
				m.Stdout, m.Stderr = io.Discard, &stderr
				m.Getenv = func(name string) string {
					if name == "BREACHDESK_METRICS_ADDR" {
						return addr
					}
					return ""
				}
				code := m.Run(ctx, append(append([]string{"--db", c.db, "worker"}, c.keyArgs()...), "--smtp", sink.URL(), "--mail-from", mailFrom))
				m.Close()
				done <- code
			}()
			defer func() {
				cancel()
				if code := <-done; code != ExitOK {
					t.Errorf("worker exit %d:\n%s", code, stderr.String())
				}
			}()

			s := scrapeUntil(t, "http://"+addr+"/metrics", func(s metricstest.Samples) bool {
				sent, _ := s.Get("breachdesk_notices_sent_total")
				return sent == 20
			})
			if got := sink.Count(t); got != 20 {
				t.Errorf("the sink received %d messages, want 20", got)
			}
			if got, _ := s.Get("breachdesk_smtp_handover_duration_seconds_count", "outcome", "sent"); got != 20 {
				t.Errorf("hand-overs timed: %v, want 20", got)
			}
			if got, _ := s.Get("breachdesk_notices_failed_total"); got != 0 {
				t.Errorf("breachdesk_notices_failed_total = %v, want 0", got)
			}
			if resp, err := http.Get("http://" + addr + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("GET /healthz on --metrics-addr: %v, %v", resp, err)
			} else {
				resp.Body.Close()
			}
			var secrets []string
			for _, row := range people(t, generated) {
				_, domain, _ := strings.Cut(row["email"], "@")
				secrets = append(secrets, row["email"], domain)
			}
			checkNoPersonalData(t, "http://"+addr+"/metrics", secrets...)
			for _, n := range c.notices(campaignID) {
				if n.State != breachdesk.NoticeSent {
					t.Errorf("notice %d is %s, want sent", n.ID, n.State)
				}
			}
		})
	}
}

// TestMetricsAddrSetting: --metrics-addr is a setting of worker, shown by
// config, and not a flag of serve, which answers /metrics on --addr.
func TestMetricsAddrSetting(t *testing.T) {
	c := backends(t)["SQLite"]
	if out := c.mustRun("", "config", "--metrics-addr", "127.0.0.1:9464"); !regexp.MustCompile(`(?m)^metrics-addr\s+127\.0\.0\.1:9464$`).MatchString(out) {
		t.Errorf("config --metrics-addr:\n%s", out)
	}
	if r := c.run("", "serve", "--metrics-addr", "127.0.0.1:9464"); r.code != ExitUsage {
		t.Errorf("serve --metrics-addr: exit %d, want a usage error\n%s", r.code, r.stderr)
	}
	if r := c.run("", "worker", "--help"); !strings.Contains(r.stdout, "--metrics-addr") || !strings.Contains(r.stdout, "BREACHDESK_METRICS_ADDR") {
		t.Errorf("worker --help lacks --metrics-addr:\n%s", r.stdout)
	}
}
