package browsertest

import (
	"bytes"
	"fmt"
	"html"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// csp is the policy of the test pages: as strict as the public pages',
// so that no <script> element could bring axe-core in.
const csp = "default-src 'none'; style-src 'self'"

// The accessible page has a language, a title, a labelled input and dark
// text on white. Its inline script must not run under csp.
const goodPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Check your code</title><link rel="stylesheet" href="/style.css"></head>
<body>
<main>
<h1>Check your code</h1>
<form method="post" action="/check">
<label for="code">Code from your letter</label>
<input id="code" name="code" autocomplete="off">
<button type="submit">Check</button>
</form>
<script>document.documentElement.dataset.scripted = "yes"</script>
</main>
</body>
</html>`

// The inaccessible page has an image without alt text, an input without a
// label and light grey text on white (a contrast of about 1.2:1).
const badPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Broken</title><link rel="stylesheet" href="/style.css"></head>
<body>
<main>
<h1>Broken</h1>
<img src="/logo.png">
<input name="code">
<p class="faint">This text is hard to read.</p>
</main>
</body>
</html>`

const style = `body { color: #1a1a1a; background: #fff; font-family: sans-serif; }
.faint { color: #eee; }
`

// server serves the test pages, each with csp.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", csp)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, body)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /good", page(goodPage))
	mux.Handle("GET /bad", page(badPage))
	mux.HandleFunc("GET /style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, style)
	})
	mux.HandleFunc("POST /check", func(w http.ResponseWriter, r *http.Request) {
		code := html.EscapeString(r.PostFormValue("code"))
		page(`<!doctype html><html lang="en"><head><title>Result</title></head><body><main><h1>Result</h1>`+
			`<p id="result">Checked `+code+`</p></main></body></html>`)(w, r)
	})
	mux.Handle("GET /upload", page(`<!doctype html><html lang="en"><head><title>Upload</title></head><body><main><h1>Upload</h1>`+
		`<form method="post" action="/upload" enctype="multipart/form-data"><label for="file">File</label>`+
		`<input id="file" name="file" type="file"><button type="submit">Send</button></form></main></body></html>`))
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		f, h, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		data, _ := io.ReadAll(f)
		page(`<!doctype html><html lang="en"><head><title>Result</title></head><body><main><h1>Result</h1>`+
			`<p id="result">`+html.EscapeString(h.Filename)+`: `+html.EscapeString(string(data))+`</p></main></body></html>`)(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestBrowser(t *testing.T) {
	srv := server(t)
	b := New(t)

	t.Run("AccessiblePageOK", func(t *testing.T) {
		if got, want := b.Open(t, srv.URL+"/good"), http.StatusOK; got != want {
			t.Fatalf("Open() = %d, want %d", got, want)
		}
		// The inline script is blocked, so the policy is in force, and
		// axe-core still runs.
		scripted, err := run(b, chromedp.Evaluate[bool](`"scripted" in document.documentElement.dataset`))
		if err != nil {
			t.Fatal(err)
		}
		if scripted {
			t.Fatalf("the page's inline script ran: the Content-Security-Policy is not in force")
		}
		for _, v := range b.Axe(t) {
			if v.Serious() {
				t.Errorf("Axe() reports %s (%s) on an accessible page:\n%s", v.ID, v.Impact, Format([]Violation{v}))
			}
		}
		b.RequireAccessible(t)
	})

	t.Run("InaccessiblePageReported", func(t *testing.T) {
		b.Open(t, srv.URL+"/bad")
		violations := b.Axe(t)
		var ids []string
		for _, v := range violations {
			ids = append(ids, v.ID)
		}
		for _, want := range []string{"image-alt", "label", "color-contrast"} {
			if !slices.Contains(ids, want) {
				t.Errorf("Axe() = %v, want %s among them", ids, want)
			}
		}
		for _, v := range violations {
			if v.ID == "image-alt" {
				if got, want := v.Nodes[0].Target, []string{"img"}; !slices.Equal(got, want) {
					t.Errorf("image-alt target = %q, want %q", got, want)
				}
			}
		}

		rec := &recorder{TB: t}
		b.RequireAccessible(rec)
		msg := strings.Join(rec.errors, "\n")
		for _, want := range []string{"serious or critical", "image-alt (critical)", "label (critical)", "color-contrast (serious)", "<img src=\"/logo.png\">"} {
			if !strings.Contains(msg, want) {
				t.Errorf("RequireAccessible() error = %q, want it to contain %q", msg, want)
			}
		}
	})

	t.Run("UploadRoundTrip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "people.csv")
		if err := os.WriteFile(path, []byte("external_id\nK1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		b.Open(t, srv.URL+"/upload")
		b.Upload(t, "#file", path)
		if got, want := b.Submit(t, "button[type=submit]"), http.StatusOK; got != want {
			t.Fatalf("Submit() = %d, want %d", got, want)
		}
		if got, want := b.Text(t, "#result"), "people.csv: external_id K1"; got != want {
			t.Errorf("Text(#result) = %q, want %q", got, want)
		}
	})

	t.Run("FormRoundTrip", func(t *testing.T) {
		b.Open(t, srv.URL+"/good")
		b.Fill(t, "#code", "K7 <QX>")
		if got, want := b.Submit(t, "button[type=submit]"), http.StatusOK; got != want {
			t.Fatalf("Submit() = %d, want %d", got, want)
		}
		if got, want := b.Text(t, "#result"), "Checked K7 <QX>"; got != want {
			t.Errorf("Text(#result) = %q, want %q", got, want)
		}
		if got, want := b.Location(t), srv.URL+"/check"; got != want {
			t.Errorf("Location() = %q, want %q", got, want)
		}
		b.RequireAccessible(t)
	})

	t.Run("ScreenshotPNG", func(t *testing.T) {
		b.Open(t, srv.URL+"/good")
		path := filepath.Join(t.TempDir(), "shots", "good.png")
		b.Screenshot(t, path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("Screenshot() wrote no PNG: %v", err)
		}
		if got, want := img.Bounds().Dx(), 1280; got != want {
			t.Errorf("screenshot width = %d, want %d", got, want)
		}

		b.Viewport(t, 375, 812)
		b.Screenshot(t, path)
		if data, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("Screenshot() wrote no PNG: %v", err)
		}
		if got, want := cfg.Width, 375; got != want {
			t.Errorf("phone screenshot width = %d, want %d", got, want)
		}
	})
}

// recorder is a testing.TB that keeps the errors reported to it instead of
// failing the test, to check what RequireAccessible says.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Logf(string, ...any) {}
