package campaign

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/internal/safefile"
	"github.com/breachdesk/breachdesk/keyring"
	"github.com/breachdesk/breachdesk/notice"
	"github.com/breachdesk/breachdesk/pdf"
)

// LetterWriter renders the notices of a letter campaign as print-ready PDF
// files, for people with no usable e-mail address: the same content and
// code as the e-mail. A notice is marked in flight before its file is
// written and sent once the file is safely on disk; a crash in between
// makes it uncertain, and it is written again.
type LetterWriter struct {
	CampaignID int64
	// Dir receives one file per person, campaign-C-notice-N.pdf; or, with
	// File set, every letter goes into that one file, each on new pages.
	Dir, File string
	WorkerID  string

	Campaigns breachdesk.CampaignService
	Incidents breachdesk.IncidentService
	Keyring   *keyring.Keyring
	Renderer  *notice.Renderer
	// Organization, VerifyURL as for e-mail.
	Organization *breachdesk.Organization
	VerifyURL    string
	Now          func() time.Time
}

// letterBatch is how many letters are claimed and written at a time.
const letterBatch = 200

// deadAfter is how old a heartbeat makes a worker dead, as for senders.
const deadAfter = 30 * time.Second

// Run writes every queued letter of the campaign and returns how many.
func (w *LetterWriter) Run(ctx context.Context) (int, error) {
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.WorkerID == "" {
		host, _ := os.Hostname()
		w.WorkerID = fmt.Sprintf("%s-%d-letters", host, os.Getpid())
	}
	host, _ := os.Hostname()
	register := func() error {
		return w.Campaigns.RegisterWorker(ctx, &breachdesk.Worker{ID: w.WorkerID, Host: host, PID: os.Getpid()})
	}
	if err := register(); err != nil {
		return 0, err
	}
	// An earlier run that died left its letters in flight: take them back.
	if _, _, err := releaseDead(ctx, w.Campaigns, w.WorkerID, host, w.Now(), deadAfter, slog.New(slog.DiscardHandler)); err != nil {
		return 0, err
	}
	defer w.Campaigns.ReleaseWorker(context.WithoutCancel(ctx), w.WorkerID)
	var all []*notice.Data
	var allIDs []int64
	written := 0
	for ctx.Err() == nil {
		// A heartbeat per batch, so that other senders know this one lives.
		if err := register(); err != nil {
			return written, err
		}
		claimed, err := w.Campaigns.ClaimNotices(ctx, breachdesk.ClaimRequest{
			WorkerID: w.WorkerID, CampaignID: &w.CampaignID, Channel: breachdesk.ChannelLetter, Limit: letterBatch})
		if err != nil {
			return written, err
		}
		if len(claimed) == 0 {
			break
		}
		letters, outcomes, err := w.compose(ctx, claimed)
		if err != nil {
			return written, err
		}
		if _, err := w.Campaigns.RecordNoticeOutcomes(ctx, w.WorkerID, outcomes); err != nil {
			return written, err
		}
		if w.File != "" {
			all = append(all, letters...)
			for _, o := range outcomes {
				allIDs = append(allIDs, o.NoticeID)
			}
			continue
		}
		sent := make([]breachdesk.NoticeOutcome, 0, len(letters))
		for i, d := range letters {
			path := filepath.Join(w.Dir, fmt.Sprintf("campaign-%d-notice-%d.pdf", w.CampaignID, outcomes[i].NoticeID))
			if err := w.write(path, []*notice.Data{d}); err != nil {
				return written, err
			}
			sent = append(sent, breachdesk.NoticeOutcome{NoticeID: outcomes[i].NoticeID, State: breachdesk.NoticeSent, At: w.Now()})
		}
		if _, err := w.Campaigns.RecordNoticeOutcomes(ctx, w.WorkerID, sent); err != nil {
			return written, err
		}
		written += len(sent)
	}
	if w.File != "" && len(all) > 0 {
		if err := w.write(w.File, all); err != nil {
			return written, err
		}
		sent := make([]breachdesk.NoticeOutcome, len(allIDs))
		for i, id := range allIDs {
			sent[i] = breachdesk.NoticeOutcome{NoticeID: id, State: breachdesk.NoticeSent, At: w.Now()}
		}
		for start := 0; start < len(sent); start += 1000 {
			if _, err := w.Campaigns.RecordNoticeOutcomes(ctx, w.WorkerID, sent[start:min(start+1000, len(sent))]); err != nil {
				return written, err
			}
		}
		written = len(sent)
	}
	return written, ctx.Err()
}

// compose opens each claimed person and returns their letter data and the
// in-flight marks to record before anything is written.
func (w *LetterWriter) compose(ctx context.Context, claimed []*breachdesk.ClaimedNotice) ([]*notice.Data, []breachdesk.NoticeOutcome, error) {
	letters := make([]*notice.Data, 0, len(claimed))
	outcomes := make([]breachdesk.NoticeOutcome, 0, len(claimed))
	incidents := map[int64]*breachdesk.Incident{}
	for _, n := range claimed {
		inc, ok := incidents[n.Campaign.IncidentID]
		if !ok {
			var err error
			if inc, err = w.Incidents.FindIncidentByID(ctx, n.Campaign.IncidentID); err != nil {
				return nil, nil, err
			}
			incidents[n.Campaign.IncidentID] = inc
		}
		person, err := w.Keyring.OpenPerson(n.Person)
		if err != nil {
			return nil, nil, err
		}
		code := w.Keyring.NoticeCode(n.Notice.ID)
		letters = append(letters, &notice.Data{Organization: w.Organization, Incident: inc, Person: person,
			Template: n.Campaign.Template, Code: code, VerifyURL: w.VerifyURL, Date: w.Now()})
		outcomes = append(outcomes, breachdesk.NoticeOutcome{NoticeID: n.Notice.ID, State: breachdesk.NoticeInFlight,
			Code: code, MessageID: fmt.Sprintf("letter-%d-%d", n.Notice.CampaignID, n.Notice.ID), Recipient: breachdesk.MaskName(person.Name), At: w.Now()})
	}
	return letters, outcomes, nil
}

// write renders letters into one PDF file, written through a temporary
// file so that a crash never leaves half a letter.
func (w *LetterWriter) write(path string, letters []*notice.Data) error {
	doc, err := w.Renderer.Letters(letters)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := pdf.Render(&buf, doc); err != nil {
		return err
	}
	return safefile.WriteFile(path, buf.Bytes(), 0o600)
}
