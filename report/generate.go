package report

import (
	"context"
	"slices"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/assess"
	"github.com/breachdesk/breachdesk/rules"
)

// Generator writes reports from what the stores hold and keeps each
// version it writes. The command line and the API share it.
type Generator struct {
	Stores  assess.Stores
	Reports breachdesk.RegulatorReportService
	Rules   *rules.Set
	Now     func() time.Time
}

// Options choose the report Generate writes.
type Options struct {
	// Authority is the code of the authority, such as CNIL.
	Authority string
	// Phase is initial, followup or final; empty means initial for the
	// first version and followup after it.
	Phase string
	// CaseReference is the authority's reference for the case; empty
	// keeps the previous version's.
	CaseReference string
	// Draft writes the report without storing a version.
	Draft bool
	// Version, when above 0, writes a stored version again, as it was.
	Version int
}

// Generate writes the report of an incident to an authority. Unless it
// is a draft or an earlier version, the report is stored as the next
// version, with its digest on the timeline; the same facts in the same
// phase make no new version. Returns not_found if the incident or the
// version does not exist, and invalid for an unknown authority or phase,
// or a follow-up with nothing to follow.
func (g *Generator) Generate(ctx context.Context, incidentID int64, opt Options) (*Report, error) {
	a, err := FindAuthority(opt.Authority)
	if err != nil {
		return nil, err
	}
	if opt.Phase != "" && !slices.Contains(breachdesk.ReportPhases(), opt.Phase) {
		return nil, breachdesk.FieldErrorf("phase", "%q is not one of initial, followup, final", opt.Phase)
	}
	versions, _, err := g.Reports.FindRegulatorReports(ctx, breachdesk.RegulatorReportFilter{IncidentID: incidentID, Authority: &a.Code})
	if err != nil {
		return nil, err
	}
	if opt.Version > 0 {
		return storedVersion(versions, opt.Version, a.Code, incidentID)
	}
	var latest *breachdesk.RegulatorReport
	if len(versions) > 0 {
		latest = versions[len(versions)-1]
	}
	if opt.Phase != "" && opt.Phase != breachdesk.ReportPhaseInitial && latest == nil {
		return nil, breachdesk.FieldErrorf("phase", "incident %d has no earlier %s report for a %s to follow: write the initial one first", incidentID, a.Code, opt.Phase)
	}
	caseRef := opt.CaseReference
	if caseRef == "" && latest != nil {
		caseRef = latest.CaseReference
	}

	now := g.Now().UTC()
	in, err := assess.Gather(ctx, g.Stores, incidentID, g.Rules, now)
	if err != nil {
		return nil, err
	}
	res := assess.Run(in)
	body := Build(a, Input{Incident: in.Incident, Organization: in.Organization, Profiles: in.Profiles, Assessment: res, Now: now})
	content := body.Content()
	// Without a phase, the first version is the initial notification;
	// after it, the same facts are the same version again, and new facts
	// a follow-up.
	phase := opt.Phase
	switch {
	case phase != "":
	case latest == nil:
		phase = breachdesk.ReportPhaseInitial
	case latest.Digest == breachdesk.ReportDigest(content) && latest.CaseReference == caseRef:
		phase = latest.Phase
	default:
		phase = breachdesk.ReportPhaseFollowUp
	}
	v := &breachdesk.RegulatorReport{IncidentID: incidentID, Authority: a.Code, Phase: phase, Language: a.Language,
		CaseReference: caseRef, Content: content}
	if opt.Draft {
		v.Normalize()
		if err := v.Validate(); err != nil {
			return nil, err
		}
		v.CreatedAt = now
		r, err := New(v, latest)
		if err != nil {
			return nil, err
		}
		r.Draft = true
		return r, nil
	}
	if err := g.Reports.CreateRegulatorReport(ctx, v); err != nil {
		return nil, err
	}
	// The version before v: the latest stored before, unless v is that
	// one again (the facts had not changed).
	previous, unchanged := latest, latest != nil && latest.Version == v.Version
	if unchanged {
		previous = nil
		if len(versions) > 1 {
			previous = versions[len(versions)-2]
		}
	}
	r, err := New(v, previous)
	if err != nil {
		return nil, err
	}
	r.Unchanged = unchanged
	return r, nil
}

func storedVersion(versions []*breachdesk.RegulatorReport, n int, authority string, incidentID int64) (*Report, error) {
	for i, v := range versions {
		if v.Version == n {
			var previous *breachdesk.RegulatorReport
			if i > 0 {
				previous = versions[i-1]
			}
			return New(v, previous)
		}
	}
	return nil, breachdesk.Errorf(breachdesk.ENotFound, "incident %d has no version %d of its %s report", incidentID, n, authority)
}
