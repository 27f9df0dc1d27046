package http

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/breachdesk/breachdesk"
)

// Limits that keep slow or oversized requests from tying up the server.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	// MaxBodyBytes caps a JSON request body.
	MaxBodyBytes = 1 << 20
	// shutdownTimeout bounds how long Close waits for requests in flight.
	shutdownTimeout = 15 * time.Second
)

// Server serves the console and API on Addr and the public pages on
// PublicAddr. Set the services and addresses, then call Open.
type Server struct {
	console, public     *http.Server
	consoleLn, publicLn net.Listener

	// Addr is where the staff console and the JSON API listen.
	Addr string
	// PublicAddr is where the pages for affected people listen.
	PublicAddr string

	Logger *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time

	OrganizationService  breachdesk.OrganizationService
	IncidentService      breachdesk.IncidentService
	IncidentEventService breachdesk.IncidentEventService
	AuditService         breachdesk.AuditService
	APITokenService      breachdesk.APITokenService
	// RegulatorReportService lists the stored report versions, and
	// ReportGenerator writes reports.
	RegulatorReportService breachdesk.RegulatorReportService
	ReportGenerator        ReportGenerator

	// VerificationService answers the verification page, and
	// IncidentPageService the incidents' public pages.
	VerificationService breachdesk.VerificationService
	IncidentPageService breachdesk.IncidentPageService
	// NoticeCodes turns a code into the ID of the notice it designates,
	// as the keyring does, so that the notice is read by its primary key;
	// nil leaves VerificationService to find it by the code alone.
	NoticeCodes NoticeCodeDecoder
	// InquiryIntake stores what people send through the contact form,
	// and NoticeResender mails again the notices of an address given on
	// the "am I affected?" page.
	InquiryIntake  InquiryIntake
	NoticeResender NoticeResender

	// StaffService holds the console's accounts and sessions, and
	// InquiryService the inquiries the console lists.
	StaffService   breachdesk.StaffService
	InquiryService breachdesk.InquiryService
	// PersonFinder looks people up for customer service, and
	// TalkingPointsService gives what agents say about each incident.
	PersonFinder         PersonFinder
	TalkingPointsService breachdesk.TalkingPointsService
	// PeopleImporter imports the affected-people files uploaded in the
	// console.
	PeopleImporter PeopleImporter
	// InquiryOpener opens the inquiries the console shows.
	InquiryOpener InquiryOpener
	// InquiryReplyService stores the answers written in the console,
	// which ReplySealer seals; ReplyStored, when set, is called after
	// each, to have it mailed at once.
	InquiryReplyService breachdesk.InquiryReplyService
	ReplySealer         ReplySealer
	ReplyStored         func()
	// CampaignService gives the console the campaigns, their progress,
	// and pause and resume.
	CampaignService breachdesk.CampaignService
	// Assessor assesses incidents for their pages, and AssessmentService
	// records the obligations done or waived.
	Assessor          Assessor
	AssessmentService breachdesk.AssessmentService

	// PublicKey is the PublicKeySize-byte key that signs the tokens of
	// the public forms. Every process serving the same public address
	// needs the same key; when it is empty, Open draws a random one, good
	// for one process until it stops.
	PublicKey []byte
	// SecureCookies marks the cookies of both listeners Secure, with the
	// __Host- prefix, even on plain HTTP, for when a proxy in front
	// terminates TLS.
	SecureCookies bool
	// PublicLimits bounds the public pages' traffic; its zero fields take
	// the values of DefaultPublicLimits.
	PublicLimits PublicLimits
	// Metrics, when set, counts the requests of both listeners and
	// answers GET /metrics on the console's.
	Metrics Metrics

	site    *publicSite
	csrfKey []byte

	consoleSite *consoleSite
	// passwordSlots bounds the password checks running at once.
	passwordSlots chan struct{}
}

// InquiryIntake takes the inquiries of the public contact form.
type InquiryIntake interface {
	// SubmitInquiry stores q durably, filling in its ID, Reference and
	// Status, and arranges for its receipt to be mailed, before it
	// returns; the person is told their message was received only after
	// it returns nil. q is normalised and valid.
	SubmitInquiry(ctx context.Context, q *breachdesk.Inquiry) error
}

// NoticeCodeDecoder turns a verification code into the ID of the notice
// it designates (keyring.Keyring.NoticeID).
type NoticeCodeDecoder interface {
	NoticeID(code string) (int64, bool)
}

// NoticeResender mails the notices of an address again, when a person
// asks whether they are affected. The page's answer must not depend on
// whether the address is affected, so RequestResend returns nothing and
// never blocks: it queues the request and does its work, or nothing, in
// the background.
type NoticeResender interface {
	// RequestResend asks for the notices sent to email (normalised, with
	// a valid syntax) to be mailed again, in language when a notice has
	// no language of its own.
	RequestResend(email, language string)
}

// NewServer returns a server with a discarding logger and the real clock.
func NewServer() *Server {
	return &Server{Logger: slog.New(slog.DiscardHandler), Now: time.Now}
}

// Open starts listening on both addresses and serves in the background.
// An address ending in :0 gets a free port; see URL and PublicURL.
func (s *Server) Open() (err error) {
	if err := s.preparePublic(); err != nil {
		return err
	}
	if s.consoleLn, err = net.Listen("tcp", s.Addr); err != nil {
		return fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	if s.publicLn, err = net.Listen("tcp", s.PublicAddr); err != nil {
		s.consoleLn.Close()
		return fmt.Errorf("listen on %s: %w", s.PublicAddr, err)
	}
	s.console = s.newHTTPServer(ListenerConsole, s.logRequests(securityHeaders(s.consoleRoutes())))
	s.public = s.newHTTPServer(ListenerPublic, s.publicRoutes())
	for srv, ln := range map[*http.Server]net.Listener{s.console: s.consoleLn, s.public: s.publicLn} {
		go func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				s.Logger.Error("server stopped", slog.String("addr", ln.Addr().String()), slog.Any("error", err))
			}
		}()
	}
	return nil
}

// preparePublic checks the public key and parses the public pages.
func (s *Server) preparePublic() (err error) {
	switch len(s.PublicKey) {
	case PublicKeySize:
		s.csrfKey = s.PublicKey
	case 0:
		s.csrfKey = make([]byte, PublicKeySize)
		rand.Read(s.csrfKey)
		s.Logger.Warn("no public key: the public forms' tokens are good only until this process stops, and only on it")
	default:
		return fmt.Errorf("public key: %d bytes, want %d", len(s.PublicKey), PublicKeySize)
	}
	s.site, err = newPublicSite()
	if err != nil {
		return err
	}
	return s.prepareConsole()
}

// prepareConsole parses the console's pages and bounds password checks:
// each argon2id check takes 64 MiB and most of a core for a tenth of a
// second, so a burst of sign-ins waits rather than exhausting memory.
func (s *Server) prepareConsole() (err error) {
	s.passwordSlots = make(chan struct{}, max(1, runtime.NumCPU()/2))
	s.consoleSite, err = newConsoleSite()
	return err
}

// newHTTPServer returns the server of one listener; its requests are
// counted outside the recovery from panics, so that a panic counts as the
// 500 it is answered with.
func (s *Server) newHTTPServer(listener string, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           s.countRequests(listener, s.recoverPanics(h)),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
}

// Close stops accepting connections and waits for requests in flight to
// finish, up to a bound. It is safe to call more than once.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range []*http.Server{s.console, s.public} {
		if srv != nil {
			errs = append(errs, srv.Shutdown(ctx))
		}
	}
	return errors.Join(errs...)
}

// URL returns the base URL of the console listener.
func (s *Server) URL() string { return "http://" + s.consoleLn.Addr().String() }

// PublicURL returns the base URL of the public listener.
func (s *Server) PublicURL() string { return "http://" + s.publicLn.Addr().String() }

// handleHealthz answers that the process is up.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// securityHeaders sets the headers every answer carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote, for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap gives http.ResponseController the writer underneath, for the
// streams that flush and outlive the write timeout.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// logRequests logs one line per request: method, path, status, size and
// duration. Query strings and bodies are never logged, as they can carry
// personal data.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return s.logRequestsAt(slog.LevelInfo, next)
}

// logRequestsAt logs requests at level, and costs nothing when the
// logger leaves that level out.
func (s *Server) logRequestsAt(level slog.Level, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.Logger.Enabled(r.Context(), level) {
			next.ServeHTTP(w, r)
			return
		}
		start := s.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.Logger.Log(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
			slog.Duration("duration", s.Now().Sub(start)))
	})
}

// recoverPanics turns a panic in a handler into an internal error answer
// instead of a dropped connection, and logs it.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Error(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
