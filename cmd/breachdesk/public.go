package main

import (
	"context"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/campaign"
	"github.com/breachdesk/breachdesk/importer"
	"github.com/breachdesk/breachdesk/intake"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/breachdesk/breachdesk/lookup"
	"github.com/breachdesk/breachdesk/metrics"
	"github.com/breachdesk/breachdesk/smtp"
	"golang.org/x/time/rate"

	bdhttp "github.com/breachdesk/breachdesk/http"
)

// publicMailPoll is how often serve looks again for the settings it needs
// to send mail, when they are missing at start.
const publicMailPoll = 30 * time.Second

// publicConnections is how many connections to the relay the receipts,
// the replies to inquiries and the notices sent again share.
const publicConnections = 4

// startPublic gives srv what the public pages need and starts the work
// behind them: the intake that stores inquiries, and the mailing of their
// receipts, of the staff's replies and of notices asked for again, all
// counted in reg (nil: not counted). stop, called once srv is closed,
// stores what was handed in and stops the rest.
func (m *Main) startPublic(ctx context.Context, s *store, srv *bdhttp.Server, reg *metrics.Registry) (stop func(), err error) {
	k, err := m.openKeyring(ctx, s)
	if err != nil {
		return nil, err
	}
	if srv.PublicLimits, err = m.publicLimits(); err != nil {
		return nil, err
	}
	srv.VerificationService, srv.NoticeCodes = s.Verifications, k
	// The console's look-up needs the same keyring, opened here once.
	srv.PersonFinder = &lookup.Finder{People: s.People, Incidents: s.Incidents, Campaigns: s.Campaigns, Keys: k}
	srv.InquiryOpener, srv.ReplySealer = k, k
	srv.PeopleImporter = &importer.Importer{People: s.People, Keyring: k, Observer: reg}
	srv.IncidentPageService = s.IncidentPages
	// Every process of one install derives the same key, so that a form
	// served by one is accepted by another and after a restart.
	srv.PublicKey = k.Derive("public-forms")

	in := &intake.Intake{Inquiries: s.Inquiries, Keyring: k, Logger: m.logger, Observer: reg}
	srv.InquiryIntake = in
	mailer := &intake.Mailer{Store: inquiryMailStore{s.Inquiries, s.InquiryReplies}, Organizations: s.Organizations, Keyring: k, VerifyURL: m.verifyURL(), Logger: m.logger, Now: m.Now, Observer: reg}
	mailer.Init()
	in.Stored = mailer.Wake
	srv.ReplyStored = mailer.Wake
	resender := &campaign.Resender{People: s.People, Campaigns: s.Campaigns, Keyring: k, Logger: m.logger, Now: m.Now, Observer: reg}
	resender.Init()
	srv.NoticeResender = resender

	var pool *smtp.Pool
	if m.Config.SMTP == "" {
		m.logger.Warn("no mail relay (--smtp is empty): inquiries are stored but their receipts and replies wait, and \"am I affected?\" mails nothing")
	} else if pool, err = m.smtpPool(publicConnections); err != nil {
		return nil, err
	}
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	in.Start(work)
	var wg sync.WaitGroup
	if pool != nil {
		wg.Go(func() {
			composer := m.waitForMail(work, s, k)
			if composer == nil {
				return
			}
			mailVia(mailer, composer, pool)
			resender.Composer, resender.Messenger = composer, pool
			wg.Go(func() { mailer.Run(work) })
			wg.Go(func() { resender.Run(work) })
		})
	}
	return func() {
		in.Close()
		cancel()
		wg.Wait()
		if pool != nil {
			pool.Close()
		}
	}, nil
}

// mailVia has mailer send like the notices composer builds, From the
// same address, signed with the same keys, through pool.
func mailVia(mailer *intake.Mailer, composer *campaign.MailComposer, pool intake.Messenger) {
	address, domain, _ := fromAddress(composer.From) // checked by NewMailComposer
	mailer.Renderer, mailer.Messenger, mailer.Signer = composer.Renderer, pool, composer.Signer
	mailer.From, mailer.ReturnPath, mailer.Domain = composer.From, address, domain
}

// inquiryMailStore is the store of the inquiries and of their replies,
// which the mailer reads together.
type inquiryMailStore struct {
	breachdesk.InquiryService
	breachdesk.InquiryReplyService
}

// waitForMail returns the composer of the mail the public pages send,
// once the settings it needs are there: an install starts serving before
// its organization is set up, and mails from the moment it is. Returns nil
// when ctx ends first. A setting that is wrong, not missing, is logged
// and waited on the same way: a server that stopped for it would take the
// verification page down with it.
func (m *Main) waitForMail(ctx context.Context, s *store, k *keyring.Keyring) *campaign.MailComposer {
	logged := ""
	for {
		composer, err := m.mailComposer(ctx, s, k)
		if err == nil {
			if logged != "" {
				m.logger.Info("the public pages mail receipts and notices again from now on", slog.String("from", composer.From))
			}
			return composer
		}
		if msg := err.Error(); msg != logged && ctx.Err() == nil {
			m.logger.Warn("the public pages cannot mail yet: inquiries are stored and their receipts and replies wait; \"am I affected?\" mails nothing",
				slog.String("reason", logReason(err)))
			logged = msg
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(publicMailPoll):
		}
	}
}

// logReason is what the operator's log says of err: the message of an
// application error, which tells what to do, else the whole error.
func logReason(err error) string {
	if breachdesk.ErrorCode(err) == breachdesk.EInternal {
		return err.Error()
	}
	return breachdesk.ErrorMessage(err)
}

// publicLimits returns the public pages' limits from the configuration.
func (m *Main) publicLimits() (bdhttp.PublicLimits, error) {
	var l bdhttp.PublicLimits
	var err error
	if l.PerClient, err = parseRate("--public-client-rate", m.Config.PublicClientRate); err != nil {
		return l, err
	}
	if l.Global, err = parseRate("--public-rate", m.Config.PublicRate); err != nil {
		return l, err
	}
	for _, p := range strings.FieldsFunc(m.Config.TrustedProxies, func(r rune) bool { return r == ',' || r == ' ' }) {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return l, breachdesk.Errorf(breachdesk.EInvalid, "--trusted-proxies: %q is neither an address nor a prefix such as 10.0.0.0/8", p)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		l.TrustedProxies = append(l.TrustedProxies, prefix)
	}
	return l, nil
}

// parseRate reads a rate in requests per second: empty takes the
// default, "inf" lifts the limit.
func parseRate(flag, v string) (rate.Limit, error) {
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	switch {
	case err == nil && math.IsInf(f, 1):
		return rate.Inf, nil
	case err != nil || f <= 0 || math.IsNaN(f):
		return 0, breachdesk.Errorf(breachdesk.EInvalid, "%s: %q is not a number of requests per second above 0, or inf", flag, v)
	}
	return rate.Limit(f), nil
}
