package http

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/notice"
)

// maxTypedCode is the longest code, as typed, that a page shows back.
const maxTypedCode = 40

// verifyView is the verification page: its form (verify), or the answer
// for a code: genuine (verify_genuine) or not (verify_fake).
type verifyView struct {
	Page *publicPage
	// Code is the code as typed, or in canonical form once it parses.
	Code string
	// Notice is the genuine notice of Code, nil when it is not one of
	// ours; Malformed is set when Code cannot even be a code.
	Notice    *breachdesk.Verification
	Malformed bool
	// SentOn is the day Notice was sent, in the page's language.
	SentOn string
	// Letter and ContactHref complete a genuine answer, and Facts shows
	// it: the "facts" fragment, filled by verifyFacts.
	Letter      bool
	ContactHref string
	Facts       template.HTML
}

// handleVerify answers GET /verify: the form for a code and, with
// ?code=, whether the notice that carries it is genuine. An unknown or
// malformed code is an answer, not an error: 200 with the page that says
// the message did not come from us.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request, p *publicPage) {
	v := &verifyView{Page: p, Code: queryValue(r.URL.RawQuery, "code")}
	if v.Code == "" {
		s.render(w, r, p, http.StatusOK, "verify", v)
		return
	}
	if len(v.Code) > maxTypedCode {
		v.Code = v.Code[:maxTypedCode]
	}
	code, err := breachdesk.ParseNoticeCode(v.Code)
	if err != nil {
		v.Malformed = true
		p.Here = "/verify?code=" + url.QueryEscape(v.Code)
		s.renderVerify(w, p, v)
		return
	}
	v.Code = code
	p.Here = "/verify?code=" + code // the canonical form needs no escaping
	req := breachdesk.VerifyRequest{Code: code, Language: p.Lang}
	if s.NoticeCodes != nil {
		if id, ok := s.NoticeCodes.NoticeID(code); ok {
			req.NoticeID = id
		}
	}
	n, err := s.verifyNotice(r, req)
	switch {
	case breachdesk.ErrorCode(err) == breachdesk.ENotFound:
		s.renderVerify(w, p, v)
		return
	case err != nil:
		// Never tell a person a genuine notice is fake because the
		// database did not answer.
		s.Logger.ErrorContext(r.Context(), "verify notice", slog.Any("error", err))
		w.Header().Set("Retry-After", "30")
		s.publicError(w, r, p, http.StatusServiceUnavailable, errorUnavailable)
		return
	}
	v.Notice = n
	if n.Channel == breachdesk.ChannelLetter {
		v.Letter = true
	} else {
		// Recipient comes masked; masking again is harmless and keeps a
		// store's mistake from showing an address.
		n.Recipient = breachdesk.MaskEmail(n.Recipient)
	}
	if n.SentAt != nil {
		v.SentOn = p.cat.Date(*n.SentAt)
	}
	if validSlug(n.IncidentSlug) {
		v.ContactHref = p.Base + "/contact?incident=" + n.IncidentSlug + "&code=" + code
	} else {
		n.IncidentSlug = ""
		v.ContactHref = p.Base + "/contact?code=" + code
	}
	v.Facts = s.site.verifyFacts(p, v)
	s.renderVerify(w, p, v)
}

// The values of a verification answer that change between requests, in
// the order of their markers in the marked pages.
const (
	verifyOrg       = iota // the organization's name, in the layout
	verifySwitcher         // the language switcher's items
	verifyNoticeOrg        // the organization that sent a genuine notice
	verifyFacts            // a genuine notice's facts
	verifyContact          // the address of the contact form for it
	verifyCode             // the code, as typed or in canonical form
	verifyValues
)

// markedKey names one marked verification answer: a page expansion, with
// or without the organization's name, for a malformed code or not.
type markedKey struct {
	page           pageKey
	org, malformed bool
}

// markVerifyPages executes the verification answers, genuine or not, in
// every language, address style and variant, with markers in place of
// their values: requests write them without executing the template.
func (site *publicSite) markVerifyPages() error {
	site.marked = map[markedKey]*markedPage{}
	for key, t := range site.pages {
		if key.name != "verify_genuine" && key.name != "verify_fake" {
			continue
		}
		for _, org := range []bool{false, true} {
			for _, malformed := range []bool{false, true} {
				if malformed && key.name == "verify_genuine" {
					continue
				}
				p := &publicPage{Lang: key.lang, Switcher: template.HTML(marker(verifySwitcher)), cat: site.langs[key.lang]}
				if key.prefixed {
					p.Base = "/" + key.lang
				}
				if org {
					p.Org = marker(verifyOrg)
				}
				v := &verifyView{Page: p, Code: marker(verifyCode), Malformed: malformed}
				if key.name == "verify_genuine" {
					v.Notice = &breachdesk.Verification{Organization: marker(verifyNoticeOrg)}
					v.Facts = template.HTML(marker(verifyFacts))
					v.ContactHref = marker(verifyContact)
				}
				m, err := markPage(t, v, verifyValues)
				if err != nil {
					return fmt.Errorf("public page %s in %s: %w", key.name, key.lang, err)
				}
				site.marked[markedKey{key, org, malformed}] = m
			}
		}
	}
	return nil
}

// renderVerify writes a verification answer, genuine when v.Notice is
// set, from its marked page.
func (s *Server) renderVerify(w http.ResponseWriter, p *publicPage, v *verifyView) {
	buf := s.site.buffer()
	defer s.site.release(buf)
	s.site.writeVerify(buf, p, v)
	s.site.write(w, http.StatusOK, buf.Bytes())
}

// writeVerify writes the page of a verification answer into buf, with
// each value escaped for its place in the page.
func (site *publicSite) writeVerify(buf *bytes.Buffer, p *publicPage, v *verifyView) {
	name := "verify_fake"
	if v.Notice != nil {
		name = "verify_genuine"
	}
	var values [verifyValues]string
	values[verifyOrg] = escapeText(p.Org)
	values[verifySwitcher] = string(site.switcher(p.Lang, p.Here))
	values[verifyCode] = escapeText(v.Code)
	if v.Notice != nil {
		values[verifyNoticeOrg] = escapeText(v.Notice.Organization)
		values[verifyFacts] = string(v.Facts)
		values[verifyContact] = escapeURL(v.ContactHref)
	}
	key := markedKey{pageKey{name, p.Lang, p.Base != ""}, p.Org != "", v.Malformed && v.Notice == nil}
	site.marked[key].writeTo(buf, values[:])
}

// verifyFacts fills the facts of a genuine answer: the incident, with a
// link to its page if it has one, when the notice was sent, how, to whom,
// and the code. Every value is escaped here, as html/template would in
// these places: text in elements, and a slug that validSlug allows in a
// link.
func (site *publicSite) verifyFacts(p *publicPage, v *verifyView) template.HTML {
	n, esc := v.Notice, template.HTMLEscapeString
	incident := esc(n.IncidentTitle)
	if n.IncidentSlug != "" {
		incident = `<a href="` + esc(p.Base+"/incidents/"+n.IncidentSlug) + `">` + incident + `</a>`
	}
	sent := esc(p.T("verify.sending"))
	if v.SentOn != "" {
		sent = esc(v.SentOn)
	}
	channel := p.T("channel.email")
	if v.Letter {
		channel = p.T("channel.letter")
	}
	return template.HTML(notice.Fill(site.fragments[pageKey{"facts", p.Lang, p.Base != ""}],
		"incident", incident, "sent", sent, "channel", esc(channel),
		"recipient", esc(n.Recipient), "code", esc(v.Code)))
}

// queryValue returns the first value of key in an encoded query, or "",
// without building the map of every value that URL.Query builds.
func queryValue(rawQuery, key string) string {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, v, _ := strings.Cut(pair, "=")
		if k != key {
			continue
		}
		if value, err := url.QueryUnescape(v); err == nil {
			return value
		}
		return v
	}
	return ""
}

// verifyNotice asks the verification service, if there is one.
func (s *Server) verifyNotice(r *http.Request, req breachdesk.VerifyRequest) (*breachdesk.Verification, error) {
	if s.VerificationService == nil {
		return nil, errors.New("no verification service")
	}
	return s.VerificationService.VerifyNotice(r.Context(), req)
}
