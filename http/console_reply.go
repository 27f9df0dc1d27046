package http

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/notice"
)

// ReplySealer seals the staff's replies to inquiries and opens them
// (keyring.Keyring).
type ReplySealer interface {
	SealInquiryReply(r *breachdesk.InquiryReply) *breachdesk.SealedInquiryReply
	OpenInquiryReply(s *breachdesk.SealedInquiryReply) (*breachdesk.InquiryReply, error)
}

// inquiryView is an inquiry's page: the inquiry, the replies it got, and
// the form to answer it.
type inquiryView struct {
	*inquiryRow
	Replies []*breachdesk.InquiryReply
	// Answer is the form to answer, for those who may.
	Answer *answerForm
}

// answerForm is the form that answers an inquiry: a templated reply in
// the person's language, which the user edits before sending.
type answerForm struct {
	// Templates are the templated replies to choose from; Template the
	// one chosen, "" for a reply written from scratch.
	Templates []string
	Template  string
	// Language is the language the reply is written and mailed in.
	Language string
	Body     string
	// Meaning is the chosen template in the console's language, when the
	// reply is in another, so that the user knows what it says.
	Meaning string
	// Problem is the key of what is wrong with the last answer sent.
	Problem string
}

// inquiryPage reads what the page of the inquiry row shows besides the
// inquiry: its replies, and the answer form with the template chosen.
func (s *Server) inquiryPage(r *http.Request, p *consolePage, row *inquiryRow, template string) (*inquiryView, error) {
	v := &inquiryView{inquiryRow: row}
	if s.InquiryReplyService == nil || s.ReplySealer == nil {
		return v, nil
	}
	sealed, err := s.InquiryReplyService.FindInquiryReplies(r.Context(), row.ID)
	if err != nil {
		return nil, err
	}
	for _, sr := range sealed {
		reply, err := s.ReplySealer.OpenInquiryReply(sr)
		if err != nil {
			return nil, err
		}
		v.Replies = append(v.Replies, reply)
	}
	v.Answer, err = s.answerForm(r, p, row, template)
	return v, err
}

// answerForm returns the form that answers row's inquiry, filled with the
// template chosen, or nil for a user who may not answer or when the
// services of replies are not set up.
func (s *Server) answerForm(r *http.Request, p *consolePage, row *inquiryRow, template string) (*answerForm, error) {
	if s.InquiryReplyService == nil || s.ReplySealer == nil || !p.User.Role.Can(breachdesk.PermInquiriesManage) {
		return nil, nil
	}
	lang, err := s.replyLanguage(r, row.Inquiry)
	if err != nil {
		return nil, err
	}
	form := &answerForm{Templates: notice.ReplyTemplates(), Language: lang}
	if slices.Contains(form.Templates, template) {
		form.Template = template
		form.Body, _, _ = s.consoleSite.notices.ReplyTemplate(lang, template)
		if meaning, mlang, _ := s.consoleSite.notices.ReplyTemplate(p.Lang, template); mlang != lang {
			form.Meaning = meaning
		}
	}
	return form, nil
}

// replyLanguage is the language a reply to q is written in: the
// person's, else the organization's, among the notices' languages.
func (s *Server) replyLanguage(r *http.Request, q *breachdesk.Inquiry) (string, error) {
	orgLang := ""
	if s.OrganizationService != nil {
		org, err := s.OrganizationService.FindOrganization(r.Context())
		if err != nil && breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			return "", err
		}
		if org != nil {
			orgLang = org.Language
		}
	}
	return notice.PickLanguage(q.Language, orgLang), nil
}

// handleInquiryPage answers GET /inquiries/{reference}?template=: the
// inquiry with its message and replies, and what the user may do with
// it; template fills the answer with that templated reply.
func (s *Server) handleInquiryPage(w http.ResponseWriter, r *http.Request, p *consolePage) {
	p.Nav = "inquiries"
	row, ok := s.consoleInquiry(w, r, p)
	if !ok {
		return
	}
	v, err := s.inquiryPage(r, p, row, r.URL.Query().Get("template"))
	if err != nil {
		s.consoleFailed(w, r, p, "inquiry page", err)
		return
	}
	s.renderConsole(w, r, p, http.StatusOK, "inquiry", v)
}

// answerInquiry stores the posted answer to row's inquiry, to be mailed,
// and marks the inquiry answered; a wrong answer shows the form again
// with what is wrong.
func (s *Server) answerInquiry(w http.ResponseWriter, r *http.Request, p *consolePage, row *inquiryRow) {
	form, err := s.answerForm(r, p, row, "")
	if err != nil {
		s.consoleFailed(w, r, p, "answer inquiry", err)
		return
	}
	if form == nil { // the services of replies are not set up
		s.renderConsoleError(w, r, p, http.StatusNotFound, consoleNotFound)
		return
	}
	reply := &breachdesk.InquiryReply{Reference: row.Reference, Language: form.Language,
		Template: r.PostForm.Get("template"), Body: r.PostForm.Get("body"), Author: p.User.Login}
	reply.Normalize()
	if !slices.Contains(form.Templates, reply.Template) {
		reply.Template = ""
	}
	if err := reply.Validate(); err != nil && breachdesk.ErrorField(err) != "body" {
		s.consoleFailed(w, r, p, "answer inquiry", err) // nothing the user typed
		return
	} else if err != nil {
		// The page again, with its replies, and the answer as typed.
		v, err := s.inquiryPage(r, p, row, "")
		if err != nil {
			s.consoleFailed(w, r, p, "answer inquiry", err)
			return
		}
		v.Answer.Template, v.Answer.Body, v.Answer.Problem = reply.Template, reply.Body, "replies.invalid_body"
		s.renderConsole(w, r, p, http.StatusUnprocessableEntity, "inquiry", v)
		return
	}
	if _, err := s.InquiryReplyService.AnswerInquiry(r.Context(), row.Reference, s.ReplySealer.SealInquiryReply(reply)); err != nil {
		s.consoleFailed(w, r, p, "answer inquiry", err)
		return
	}
	if s.ReplyStored != nil {
		s.ReplyStored()
	}
	http.Redirect(w, r, "/inquiries/"+url.PathEscape(row.Reference)+"#replies", http.StatusSeeOther)
}
