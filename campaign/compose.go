package campaign

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/smtp"
)

// MailComposer composes notices as signed e-mail messages: it opens the
// person's sealed data, renders the notice in their language, builds the
// MIME message and signs it with DKIM.
type MailComposer struct {
	Keyring  *keyring.Keyring
	Renderer *notice.Renderer
	// Signer signs with DKIM; nil sends unsigned messages.
	Signer *smtp.Signer
	// From is the From header ("ACME Privacy <privacy@acme.example>");
	// ReplyTo, when set, where answers go.
	From, ReplyTo string
	// BounceDomain receives the bounces, at VERP addresses whose tags
	// VERPKey signs.
	BounceDomain string
	VERPKey      []byte
	// VerifyURL is the address of the public verification page.
	VerifyURL string

	Organization *breachdesk.Organization
	Incidents    breachdesk.IncidentService
	Now          func() time.Time

	mu        sync.Mutex
	incidents map[int64]cachedIncident
}

type cachedIncident struct {
	incident *breachdesk.Incident
	at       time.Time
}

// incidentTTL is how long an incident's facts are reused before they are
// read again: edits reach the notices within a minute.
const incidentTTL = time.Minute

// NewMailComposer checks c's addresses, fills in its defaults and returns
// it.
func NewMailComposer(c *MailComposer) (*MailComposer, error) {
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "--mail-from: %q is not an address such as \"ACME Privacy <privacy@acme.example>\"", c.From)
	}
	if c.ReplyTo != "" {
		if _, err := mail.ParseAddress(c.ReplyTo); err != nil {
			return nil, breachdesk.Errorf(breachdesk.EInvalid, "reply-to: %q is not an e-mail address", c.ReplyTo)
		}
	}
	if c.BounceDomain == "" {
		c.BounceDomain = domainOf(from.Address)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.incidents = map[int64]cachedIncident{}
	return c, nil
}

// Compose returns the message of a claimed notice.
func (c *MailComposer) Compose(ctx context.Context, n *breachdesk.ClaimedNotice) (*Mail, error) {
	person, err := c.Keyring.OpenPerson(n.Person)
	if err != nil {
		return nil, err
	}
	if person.Email == "" {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "person %s has no e-mail address", n.Person.ExternalID)
	}
	addr, err := mail.ParseAddress(person.Email)
	if err != nil {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "the e-mail address of person %s is not valid", n.Person.ExternalID)
	}
	msg, m, err := c.Render(ctx, n, person)
	if err != nil {
		return nil, err
	}
	raw, err := smtp.Build(smtp.Header{
		From: c.From, ReplyTo: c.ReplyTo, To: addr.Address,
		Subject: msg.Subject, MessageID: m.MessageID, Date: c.Now(), Language: msg.Language,
		Extra: [][2]string{{"X-Breachdesk-Code", m.Code}},
	}, msg.Text, msg.HTML)
	if err != nil {
		return nil, fmt.Errorf("build notice %d: %w", n.Notice.ID, err)
	}
	if c.Signer != nil {
		if raw, err = c.Signer.Sign(raw); err != nil {
			return nil, fmt.Errorf("sign notice %d: %w", n.Notice.ID, err)
		}
	}
	m.To, m.Domain, m.Raw = addr.Address, domainOf(addr.Address), raw
	return m, nil
}

// Render renders a notice for person as it will be sent, and returns the
// envelope data without the recipient and the raw message.
func (c *MailComposer) Render(ctx context.Context, n *breachdesk.ClaimedNotice, person *breachdesk.AffectedPerson) (*notice.Message, *Mail, error) {
	inc, err := c.incident(ctx, n.Campaign.IncidentID)
	if err != nil {
		return nil, nil, err
	}
	code := c.Keyring.NoticeCode(n.Notice.ID)
	msg, err := c.Renderer.Render(&notice.Data{
		Organization: c.Organization, Incident: inc, Person: person,
		Template: n.Campaign.Template, Code: code, VerifyURL: c.VerifyURL, Date: c.Now(),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("render notice %d: %w", n.Notice.ID, err)
	}
	return msg, &Mail{
		ReturnPath: smtp.VERP(c.VERPKey, c.BounceDomain, n.Notice.ID),
		Code:       code,
		MessageID:  c.messageID(n.Notice),
	}, nil
}

// messageID is the notice's Message-ID: the same on every attempt, so that
// a duplicate delivery can be recognised, and tagged so that IDs cannot be
// enumerated.
func (c *MailComposer) messageID(n *breachdesk.Notice) string {
	if n.MessageID != "" {
		return n.MessageID
	}
	mac := hmac.New(sha256.New, c.VERPKey)
	mac.Write([]byte("message-id\x00" + strconv.FormatInt(n.ID, 10)))
	return fmt.Sprintf("<notice.%d.%d.%s@%s>", n.CampaignID, n.ID, hex.EncodeToString(mac.Sum(nil)[:6]), c.BounceDomain)
}

func (c *MailComposer) incident(ctx context.Context, id int64) (*breachdesk.Incident, error) {
	c.mu.Lock()
	cached, ok := c.incidents[id]
	c.mu.Unlock()
	if ok && time.Since(cached.at) < incidentTTL {
		return cached.incident, nil
	}
	inc, err := c.Incidents.FindIncidentByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("find incident %d: %w", id, err)
	}
	c.mu.Lock()
	c.incidents[id] = cachedIncident{incident: inc, at: time.Now()}
	c.mu.Unlock()
	return inc, nil
}

func domainOf(address string) string {
	_, domain, _ := strings.Cut(address, "@")
	return strings.ToLower(domain)
}
