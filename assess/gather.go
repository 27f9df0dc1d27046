package assess

import (
	"context"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/breachdesk/breachdesk/rules"
)

// Stores are the services an assessment reads its facts from.
type Stores struct {
	Incidents     breachdesk.IncidentService
	Organizations breachdesk.OrganizationService
	Assessments   breachdesk.AssessmentService
}

// Gather reads what the assessment of an incident needs: the incident, the
// organization (nil when not set up), the population profiles, the
// overrides and the obligation statuses. Returns not_found if the
// incident does not exist.
func Gather(ctx context.Context, s Stores, incidentID int64, set *rules.Set, now time.Time) (Input, error) {
	in := Input{Rules: set, Now: now.UTC()}
	var err error
	if in.Incident, err = s.Incidents.FindIncidentByID(ctx, incidentID); err != nil {
		return in, err
	}
	in.Organization, err = s.Organizations.FindOrganization(ctx)
	if breachdesk.ErrorCode(err) == breachdesk.ENotFound {
		in.Organization, err = nil, nil
	}
	if err != nil {
		return in, err
	}
	if in.Profiles, err = s.Assessments.FindPopulationProfiles(ctx, incidentID); err != nil {
		return in, err
	}
	if in.Overrides, err = s.Assessments.FindAssessmentOverrides(ctx, incidentID); err != nil {
		return in, err
	}
	in.Statuses, err = s.Assessments.FindObligationStatuses(ctx, incidentID)
	return in, err
}
