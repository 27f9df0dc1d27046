package main

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/campaign"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/smtp"
)

// verifyURL is the address of the verification page printed in notices.
func (m *Main) verifyURL() string {
	base := m.Config.PublicURL
	if base == "" {
		base = "http://" + m.Config.PublicAddr
	}
	return strings.TrimSuffix(base, "/") + "/verify"
}

// mailFrom is the From of the notices: --mail-from, else the
// organization's name and DPO address.
func (m *Main) mailFrom(org *breachdesk.Organization) (string, error) {
	if m.Config.MailFrom != "" {
		return m.Config.MailFrom, nil
	}
	if org.DPOEmail == "" {
		return "", breachdesk.Errorf(breachdesk.EInvalid, "--mail-from is required: the organization has no DPO e-mail address to send from (breachdesk org set --dpo-email, or --mail-from \"Name <address>\").")
	}
	return (&mail.Address{Name: org.Name, Address: org.DPOEmail}).String(), nil
}

// fromAddress returns the bare address of a From such as "ACME Privacy
// <privacy@acme.example>", and its domain.
func fromAddress(from string) (address, domain string, err error) {
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return "", "", breachdesk.Errorf(breachdesk.EInvalid, "--mail-from: %q is not an address", from)
	}
	_, domain, _ = strings.Cut(addr.Address, "@")
	return addr.Address, domain, nil
}

// signer returns the DKIM signer the configuration asks for, or nil when
// no key is set.
func (m *Main) signer(from string) (*smtp.Signer, error) {
	c := m.Config
	if c.DKIMKey == "" {
		if c.DKIMEd25519Key != "" {
			return nil, breachdesk.Errorf(breachdesk.EInvalid, "--dkim-ed25519-key signs in addition to an RSA key: give --dkim-key too.")
		}
		return nil, nil
	}
	if c.DKIMSelector == "" {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "--dkim-selector is required with --dkim-key.")
	}
	domain := c.DKIMDomain
	if domain == "" {
		var err error
		if _, domain, err = fromAddress(from); err != nil {
			return nil, err
		}
	}
	rsaKey, err := smtp.LoadKey(c.DKIMKey)
	if err != nil {
		return nil, err
	}
	keys := []smtp.SigningKey{{Selector: c.DKIMSelector, Key: rsaKey}}
	if c.DKIMEd25519Key != "" {
		edKey, err := smtp.LoadKey(c.DKIMEd25519Key)
		if err != nil {
			return nil, err
		}
		selector := c.DKIMEd25519Selector
		if selector == "" {
			return nil, breachdesk.Errorf(breachdesk.EInvalid, "--dkim-ed25519-selector is required with --dkim-ed25519-key.")
		}
		keys = append(keys, smtp.SigningKey{Selector: selector, Key: edKey})
	}
	return smtp.NewSigner(domain, keys...)
}

// mailComposer builds the composer of e-mail notices from the
// configuration.
func (m *Main) mailComposer(ctx context.Context, s *store, k *keyring.Keyring) (*campaign.MailComposer, error) {
	org, err := s.Organizations.FindOrganization(ctx)
	if err != nil {
		return nil, err
	}
	from, err := m.mailFrom(org)
	if err != nil {
		return nil, err
	}
	signer, err := m.signer(from)
	if err != nil {
		return nil, err
	}
	renderer, err := notice.NewRenderer()
	if err != nil {
		return nil, err
	}
	return campaign.NewMailComposer(&campaign.MailComposer{
		Keyring: k, Renderer: renderer, Signer: signer,
		From: from, ReplyTo: org.DPOEmail, BounceDomain: m.Config.BounceDomain, VERPKey: k.Derive("verp"),
		VerifyURL: m.verifyURL(), Organization: org, Incidents: s.Incidents, Now: m.Now,
	})
}

// smtpPool opens the pool of connections to the relay.
func (m *Main) smtpPool(size int) (*smtp.Pool, error) {
	if m.Config.SMTP == "" {
		return nil, breachdesk.Errorf(breachdesk.EInvalid, "--smtp is required: the mail relay, such as smtp://127.0.0.1:25.")
	}
	pool, err := smtp.NewPool(smtp.Config{URL: m.Config.SMTP}, size)
	if err != nil {
		return nil, fmt.Errorf("--smtp: %w", err)
	}
	return pool, nil
}
