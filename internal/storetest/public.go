package storetest

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
	"github.com/google/go-cmp/cmp"
)

// testPublic covers what the public pages read and write: incident pages,
// inquiries and the verification of notices.
func testPublic(t *testing.T, open OpenFunc) {
	t.Run("IncidentPages", func(t *testing.T) { t.Parallel(); testIncidentPages(t, open) })
	t.Run("CreateInquiries", func(t *testing.T) { t.Parallel(); testCreateInquiries(t, open) })
	t.Run("FindInquiries", func(t *testing.T) { t.Parallel(); testFindInquiries(t, open) })
	t.Run("InquiryReceipts", func(t *testing.T) { t.Parallel(); testInquiryReceipts(t, open) })
	t.Run("VerifyNotice", func(t *testing.T) { t.Parallel(); testVerifyNotice(t, open) })
}

// page returns a valid page of an incident in English and French.
func page(incidentID int64, slug string) *breachdesk.IncidentPage {
	return &breachdesk.IncidentPage{IncidentID: incidentID, Slug: slug, Published: true,
		Content: map[string]*breachdesk.IncidentPageContent{
			"fr": {Title: "Vol de la base clients", Summary: "Un intrus a copié la table des clients.",
				FAQ: []*breachdesk.FAQEntry{{Question: "Mon mot de passe est-il exposé ?", Answer: "Il était chiffré.\n\nChangez-le."}}},
			"en": {Title: "Customer database stolen", Summary: "An intruder copied the customer table."},
		}}
}

func testIncidentPages(t *testing.T, open OpenFunc) {
	ctx := Context()
	clock := &Clock{T: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	s := open(t, clock.Now)
	var incidents []*breachdesk.Incident
	for _, title := range []string{"Customer database stolen", "Laptop lost"} {
		inc := &breachdesk.Incident{Title: title}
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		incidents = append(incidents, inc)
	}
	first, second := incidents[0].ID, incidents[1].ID
	find := func(filter breachdesk.IncidentPageFilter) (*breachdesk.IncidentPage, error) {
		t.Helper()
		return s.IncidentPages.FindIncidentPage(ctx, filter)
	}
	ptr := func(s string) *string { return &s }

	t.Run("OK", func(t *testing.T) {
		p := page(first, "2026-customer-data")
		if err := s.IncidentPages.SetIncidentPage(ctx, p); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"en", "fr"}, p.Languages); diff != "" || !p.UpdatedAt.Equal(clock.T) {
			t.Fatalf("SetIncidentPage() UpdatedAt = %v, want %v; languages (-want +got):\n%s", p.UpdatedAt, clock.T, diff)
		}
		want := page(first, "2026-customer-data")
		want.Languages, want.UpdatedAt = []string{"en", "fr"}, clock.T
		for _, filter := range []breachdesk.IncidentPageFilter{
			{IncidentID: &first}, {Slug: ptr("2026-customer-data")}, {Slug: ptr("2026-customer-data"), PublishedOnly: true},
		} {
			got, err := find(filter)
			if err != nil {
				t.Fatalf("FindIncidentPage(%+v) = %v", filter, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("FindIncidentPage(%+v) mismatch (-want +got):\n%s", filter, diff)
			}
		}
	})

	t.Run("OKReplace", func(t *testing.T) {
		clock.T = clock.T.Add(time.Hour)
		p := page(first, "customer-data")
		delete(p.Content, "en")
		p.Content["pt-BR"] = &breachdesk.IncidentPageContent{Title: "Base de clientes roubada", Summary: "Um intruso copiou a tabela."}
		p.Languages = []string{"pt-BR", "fr"}
		if err := s.IncidentPages.SetIncidentPage(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := find(breachdesk.IncidentPageFilter{IncidentID: &first})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, got); diff != "" || !got.UpdatedAt.Equal(clock.T) {
			t.Fatalf("FindIncidentPage() after replace mismatch (-set +found):\n%s", diff)
		}
		if _, err := find(breachdesk.IncidentPageFilter{Slug: ptr("2026-customer-data")}); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			t.Fatalf("FindIncidentPage(old slug) = %v, want not_found", err)
		}
		entity, id := "incident_page", fmt.Sprint(first)
		entries, n, err := s.Audit.FindAuditEntries(ctx, breachdesk.AuditFilter{Entity: &entity, EntityID: &id})
		if err != nil || n != 2 {
			t.Fatalf("audit entries of the page = %d, %v; want 2", n, err)
		}
		for i, e := range entries {
			if e.Action != breachdesk.AuditIncidentPageSet || (e.Before == "") != (i == 0) || i == 1 && e.After != breachdesk.Digest(p) {
				t.Errorf("audit entry %d = %+v, want %s, with a before only when replacing", i, e, breachdesk.AuditIncidentPageSet)
			}
		}
	})

	t.Run("OKDraftHiddenWhenPublishedOnly", func(t *testing.T) {
		p := page(second, "laptop-lost")
		p.Published = false
		if err := s.IncidentPages.SetIncidentPage(ctx, p); err != nil {
			t.Fatal(err)
		}
		for _, filter := range []breachdesk.IncidentPageFilter{
			{Slug: ptr("laptop-lost"), PublishedOnly: true}, {IncidentID: &second, PublishedOnly: true},
		} {
			if _, err := find(filter); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
				t.Errorf("FindIncidentPage(%+v) of a draft = %v, want not_found", filter, err)
			}
		}
		if got, err := find(breachdesk.IncidentPageFilter{Slug: ptr("laptop-lost")}); err != nil || got.Published || got.IncidentID != second {
			t.Fatalf("FindIncidentPage(draft) = %+v, %v; want the draft", got, err)
		}
	})

	t.Run("ErrSlugTaken", func(t *testing.T) {
		p := page(second, "customer-data")
		err := s.IncidentPages.SetIncidentPage(ctx, p)
		if code := breachdesk.ErrorCode(err); code != breachdesk.EConflict {
			t.Fatalf("SetIncidentPage(taken slug) code = %q (%v), want conflict", code, err)
		}
		if got, err := find(breachdesk.IncidentPageFilter{IncidentID: &second}); err != nil || got.Slug != "laptop-lost" {
			t.Fatalf("page after rejected change = %+v, %v; want it unchanged", got, err)
		}
	})

	t.Run("OKSameSlugAgain", func(t *testing.T) {
		if err := s.IncidentPages.SetIncidentPage(ctx, page(second, "laptop-lost")); err != nil {
			t.Fatalf("SetIncidentPage(its own slug) = %v", err)
		}
	})

	t.Run("ErrIncidentNotFound", func(t *testing.T) {
		err := s.IncidentPages.SetIncidentPage(ctx, page(999_999, "no-incident"))
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("SetIncidentPage(incident 999999) code = %q (%v), want not_found", code, err)
		}
	})

	for _, tt := range []struct {
		name, field string
		edit        func(*breachdesk.IncidentPage)
	}{
		{"ErrSlug", "slug", func(p *breachdesk.IncidentPage) { p.Slug = "Customer Data" }},
		{"ErrNoContent", "content", func(p *breachdesk.IncidentPage) { p.Content = nil }},
		{"ErrLanguageWithoutContent", "languages", func(p *breachdesk.IncidentPage) { p.Languages = []string{"en", "fr", "de"} }},
		{"ErrTitleRequired", "content.en.title", func(p *breachdesk.IncidentPage) { p.Content["en"].Title = "" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := page(first, "another-address")
			tt.edit(p)
			err := s.IncidentPages.SetIncidentPage(ctx, p)
			if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != tt.field {
				t.Fatalf("SetIncidentPage() = %q on %q (%v), want invalid on %q", code, field, err, tt.field)
			}
			if got, err := find(breachdesk.IncidentPageFilter{IncidentID: &first}); err != nil || got.Slug != "customer-data" {
				t.Fatalf("page after rejected change = %+v, %v; want it unchanged", got, err)
			}
		})
	}

	t.Run("ErrFilter", func(t *testing.T) {
		for _, filter := range []breachdesk.IncidentPageFilter{{}, {IncidentID: &first, Slug: ptr("customer-data")}} {
			if _, err := find(filter); breachdesk.ErrorCode(err) != breachdesk.EInvalid {
				t.Errorf("FindIncidentPage(%+v) = %v, want invalid", filter, err)
			}
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		missing := int64(999_999)
		for _, filter := range []breachdesk.IncidentPageFilter{{Slug: ptr("no-such-page")}, {IncidentID: &missing}} {
			if _, err := find(filter); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
				t.Errorf("FindIncidentPage(%+v) = %v, want not_found", filter, err)
			}
		}
	})
}

// sealedInquiry returns an inquiry whose sealed fields are labelled with
// label.
func sealedInquiry(label string, category breachdesk.InquiryCategory, incidentID *int64, emailIndex string) *breachdesk.SealedInquiry {
	q := &breachdesk.SealedInquiry{Category: category, IncidentID: incidentID, Language: "fr",
		Name: []byte("sealed-name-" + label), Email: []byte("sealed-email-" + label), Message: []byte("sealed-message-" + label),
		EmailIndex: []byte("index-" + emailIndex)}
	if category == breachdesk.InquiryDataRequest {
		q.RequestKind = breachdesk.RequestAccess
	}
	return q
}

// messages returns the labels of inquiries, from their sealed messages.
func messages(inquiries []*breachdesk.SealedInquiry) []string {
	var labels []string
	for _, q := range inquiries {
		labels = append(labels, string(q.Message[len("sealed-message-"):]))
	}
	return labels
}

var referencePattern = regexp.MustCompile(`^Q-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)

func testCreateInquiries(t *testing.T, open OpenFunc) {
	ctx := Context()
	// A request received on 31 January is due on the last day of February.
	clock := &Clock{T: time.Date(2026, 1, 31, 10, 30, 0, 0, time.UTC)}
	s := open(t, clock.Now)
	inc := &breachdesk.Incident{Title: "Customer database stolen"}
	if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		_, n, err := s.Inquiries.FindInquiries(ctx, breachdesk.InquiryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("OKBatch", func(t *testing.T) {
		categories := breachdesk.InquiryCategories()
		var batch []*breachdesk.SealedInquiry
		for i := range 300 {
			var incidentID *int64
			if i%3 != 0 {
				incidentID = &inc.ID
			}
			q := sealedInquiry(fmt.Sprint(i), categories[i%len(categories)], incidentID, fmt.Sprint(i%7))
			if i%2 == 0 {
				q.Phone = []byte("sealed-phone")
			}
			q.Code = "BD-TEST"
			batch = append(batch, q)
		}
		batch[5].Reference = "Q-GIVE-N000"
		if err := s.Inquiries.CreateInquiries(ctx, batch); err != nil {
			t.Fatal(err)
		}
		ids, refs := map[int64]bool{}, map[string]bool{}
		due := time.Date(2026, 2, 28, 10, 30, 0, 0, time.UTC)
		for i, q := range batch {
			if q.ID == 0 || ids[q.ID] || refs[q.Reference] || !referencePattern.MatchString(q.Reference) && i != 5 {
				t.Fatalf("inquiry %d: ID %d, reference %q; want a new ID and a new reference", i, q.ID, q.Reference)
			}
			ids[q.ID], refs[q.Reference] = true, true
			if q.Status != breachdesk.InquiryOpen || !q.CreatedAt.Equal(clock.T) || !q.UpdatedAt.Equal(clock.T) {
				t.Fatalf("inquiry %d = %+v, want open, created now", i, q)
			}
			if q.Category == breachdesk.InquiryDataRequest && (q.DueAt == nil || !q.DueAt.Equal(due)) {
				t.Errorf("data request %d due %v, want %v", i, q.DueAt, due)
			}
			if q.Category != breachdesk.InquiryDataRequest && q.DueAt != nil {
				t.Errorf("%s %d due %v, want no deadline", q.Category, i, q.DueAt)
			}
		}
		if batch[5].Reference != "Q-GIVE-N000" {
			t.Errorf("given reference became %q, want it kept", batch[5].Reference)
		}
		if n := count(); n != 300 {
			t.Fatalf("FindInquiries() total = %d, want 300", n)
		}
		for _, i := range []int{0, 1, 2, 5} {
			got, err := s.Inquiries.FindInquiryByReference(ctx, batch[i].Reference)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(batch[i], got); diff != "" {
				t.Fatalf("FindInquiryByReference(%s) mismatch (-created +found):\n%s", batch[i].Reference, diff)
			}
		}
	})

	t.Run("ErrReferenceTaken", func(t *testing.T) {
		a := sealedInquiry("taken-1", breachdesk.InquiryQuestion, nil, "x")
		a.Reference = "Q-TAKE-N000"
		if err := s.Inquiries.CreateInquiries(ctx, []*breachdesk.SealedInquiry{a}); err != nil {
			t.Fatal(err)
		}
		b := sealedInquiry("taken-2", breachdesk.InquiryQuestion, nil, "x")
		c := sealedInquiry("taken-3", breachdesk.InquiryQuestion, nil, "x")
		b.Reference, c.Reference = "Q-TAKE-N001", "Q-TAKE-N000"
		err := s.Inquiries.CreateInquiries(ctx, []*breachdesk.SealedInquiry{b, c})
		if code := breachdesk.ErrorCode(err); code != breachdesk.EConflict {
			t.Fatalf("CreateInquiries(taken reference) code = %q (%v), want conflict", code, err)
		}
		// All or none: the other inquiry of the batch is not stored.
		if _, err := s.Inquiries.FindInquiryByReference(ctx, "Q-TAKE-N001"); breachdesk.ErrorCode(err) != breachdesk.ENotFound {
			t.Errorf("FindInquiryByReference(Q-TAKE-N001) = %v, want not_found", err)
		}
	})

	t.Run("OKEmptyBatch", func(t *testing.T) {
		if err := s.Inquiries.CreateInquiries(ctx, nil); err != nil {
			t.Fatalf("CreateInquiries(nil) = %v", err)
		}
	})

	for _, tt := range []struct {
		name, field string
		edit        func(*breachdesk.SealedInquiry)
	}{
		{"ErrCategoryRequired", "category", func(q *breachdesk.SealedInquiry) { q.Category = "" }},
		{"ErrUnknownCategory", "category", func(q *breachdesk.SealedInquiry) { q.Category = "praise" }},
		{"ErrNameRequired", "name", func(q *breachdesk.SealedInquiry) { q.Name = nil }},
		{"ErrEmailRequired", "email", func(q *breachdesk.SealedInquiry) { q.Email = []byte{} }},
		{"ErrMessageRequired", "message", func(q *breachdesk.SealedInquiry) { q.Message = nil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := count()
			bad := sealedInquiry("bad", breachdesk.InquiryClaim, nil, "y")
			tt.edit(bad)
			batch := []*breachdesk.SealedInquiry{sealedInquiry("good", breachdesk.InquiryClaim, nil, "y"), bad}
			err := s.Inquiries.CreateInquiries(ctx, batch)
			if code, field := breachdesk.ErrorCode(err), breachdesk.ErrorField(err); code != breachdesk.EInvalid || field != tt.field {
				t.Fatalf("CreateInquiries() = %q on %q (%v), want invalid on %q", code, field, err, tt.field)
			}
			if n := count(); n != before {
				t.Fatalf("after a rejected batch %d inquiries, want %d", n, before)
			}
		})
	}

	t.Run("OKMissingIncidentDropped", func(t *testing.T) {
		// An incident that does not exist (deleted, or a stale page) must
		// not fail the batch: the other inquiries are people's too.
		missing := int64(999_999)
		batch := []*breachdesk.SealedInquiry{
			sealedInquiry("kept-1", breachdesk.InquiryQuestion, &inc.ID, "z"),
			sealedInquiry("missing-incident", breachdesk.InquiryQuestion, &missing, "z"),
		}
		if err := s.Inquiries.CreateInquiries(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if batch[0].IncidentID == nil || *batch[0].IncidentID != inc.ID || batch[1].IncidentID != nil {
			t.Fatalf("incidents %v, %v; want %d, none", batch[0].IncidentID, batch[1].IncidentID, inc.ID)
		}
		got, err := s.Inquiries.FindInquiryByReference(ctx, batch[1].Reference)
		if err != nil || got.IncidentID != nil {
			t.Fatalf("stored inquiry of a missing incident: %v, %v; want no incident", got, err)
		}
	})

	t.Run("ErrReferenceNotFound", func(t *testing.T) {
		_, err := s.Inquiries.FindInquiryByReference(ctx, "Q-0000-0000")
		if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
			t.Fatalf("FindInquiryByReference(unknown) code = %q (%v), want not_found", code, err)
		}
	})
}

func testFindInquiries(t *testing.T, open OpenFunc) {
	ctx := Context()
	clock := &Clock{T: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	s := open(t, clock.Now)
	var ids []int64
	for _, title := range []string{"A", "B"} {
		inc := &breachdesk.Incident{Title: title}
		if err := s.Incidents.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inc.ID)
	}
	a, b := &ids[0], &ids[1]
	// One batch per minute; the last is received before the others, as an
	// intake's batches may commit out of order, to show the order is by time.
	for _, batch := range [][]*breachdesk.SealedInquiry{
		{sealedInquiry("1", breachdesk.InquiryQuestion, a, "a"), sealedInquiry("2", breachdesk.InquiryClaim, a, "b")},
		{sealedInquiry("3", breachdesk.InquiryDataRequest, b, "a")},
		{sealedInquiry("4", breachdesk.InquiryComplaint, nil, "c"), sealedInquiry("5", breachdesk.InquiryQuestion, b, "a")},
	} {
		clock.T = clock.T.Add(time.Minute)
		if err := s.Inquiries.CreateInquiries(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	clock.T = clock.T.Add(-time.Hour)
	if err := s.Inquiries.CreateInquiries(ctx, []*breachdesk.SealedInquiry{sealedInquiry("0", breachdesk.InquiryClaim, nil, "d")}); err != nil {
		t.Fatal(err)
	}

	question, open_, closed := breachdesk.InquiryQuestion, breachdesk.InquiryOpen, breachdesk.InquiryClosed
	for _, tt := range []struct {
		name   string
		filter breachdesk.InquiryFilter
		want   []string
		total  int
	}{
		{"OKAllOldestFirst", breachdesk.InquiryFilter{}, []string{"0", "1", "2", "3", "4", "5"}, 6},
		{"OKByIncident", breachdesk.InquiryFilter{IncidentID: a}, []string{"1", "2"}, 2},
		{"OKByCategory", breachdesk.InquiryFilter{Category: &question}, []string{"1", "5"}, 2},
		{"OKByStatus", breachdesk.InquiryFilter{Status: &open_}, []string{"0", "1", "2", "3", "4", "5"}, 6},
		{"OKByStatusNone", breachdesk.InquiryFilter{Status: &closed}, nil, 0},
		{"OKByEmailIndex", breachdesk.InquiryFilter{EmailIndex: []byte("index-a")}, []string{"1", "3", "5"}, 3},
		{"OKEveryFilter", breachdesk.InquiryFilter{IncidentID: b, Category: &question, Status: &open_, EmailIndex: []byte("index-a"), ReceiptPending: true}, []string{"5"}, 1},
		{"OKPage", breachdesk.InquiryFilter{Offset: 1, Limit: 2}, []string{"1", "2"}, 6},
		{"OKPageOfFilter", breachdesk.InquiryFilter{EmailIndex: []byte("index-a"), Offset: 2}, []string{"5"}, 3},
		{"OKPagePastEnd", breachdesk.InquiryFilter{Offset: 10, Limit: 2}, nil, 6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := s.Inquiries.FindInquiries(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, messages(got)); diff != "" || n != tt.total {
				t.Fatalf("FindInquiries(%+v) total = %d, want %d; inquiries (-want +got):\n%s", tt.filter, n, tt.total, diff)
			}
		})
	}
}

func testInquiryReceipts(t *testing.T, open OpenFunc) {
	ctx := Context()
	clock := &Clock{T: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	s := open(t, clock.Now)
	batch := []*breachdesk.SealedInquiry{
		sealedInquiry("1", breachdesk.InquiryQuestion, nil, "a"),
		sealedInquiry("2", breachdesk.InquiryClaim, nil, "b"),
		sealedInquiry("3", breachdesk.InquiryComplaint, nil, "c"),
	}
	if err := s.Inquiries.CreateInquiries(ctx, batch); err != nil {
		t.Fatal(err)
	}
	pending := func() []string {
		t.Helper()
		got, n, err := s.Inquiries.FindInquiries(ctx, breachdesk.InquiryFilter{ReceiptPending: true})
		if err != nil || n != len(got) {
			t.Fatalf("FindInquiries(receipt pending) = %d of %d, %v", len(got), n, err)
		}
		return messages(got)
	}

	t.Run("OKPendingBeforeMailed", func(t *testing.T) {
		if diff := cmp.Diff([]string{"1", "2", "3"}, pending()); diff != "" {
			t.Fatalf("pending receipts (-want +got):\n%s", diff)
		}
	})

	mailed := clock.T.Add(30 * time.Second)
	t.Run("OKMarked", func(t *testing.T) {
		clock.T = clock.T.Add(time.Minute)
		if err := s.Inquiries.MarkInquiryReceipts(ctx, []int64{batch[0].ID, batch[2].ID}, mailed); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"2"}, pending()); diff != "" {
			t.Fatalf("pending receipts after marking (-want +got):\n%s", diff)
		}
		got, err := s.Inquiries.FindInquiryByReference(ctx, batch[0].Reference)
		if err != nil {
			t.Fatal(err)
		}
		if got.ReceiptSentAt == nil || !got.ReceiptSentAt.Equal(mailed) || !got.UpdatedAt.Equal(clock.T) || !got.CreatedAt.Equal(batch[0].CreatedAt) {
			t.Fatalf("marked inquiry = %+v, want receipt sent at %v, updated at %v", got, mailed, clock.T)
		}
	})

	t.Run("OKMarkedAgainKeepsFirst", func(t *testing.T) {
		if err := s.Inquiries.MarkInquiryReceipts(ctx, []int64{batch[0].ID}, mailed.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Inquiries.FindInquiryByReference(ctx, batch[0].Reference)
		if err != nil || got.ReceiptSentAt == nil || !got.ReceiptSentAt.Equal(mailed) {
			t.Fatalf("receipt marked twice = %+v, %v; want the first time %v", got, err, mailed)
		}
	})

	t.Run("OKUnknownAndNone", func(t *testing.T) {
		if err := s.Inquiries.MarkInquiryReceipts(ctx, nil, mailed); err != nil {
			t.Fatalf("MarkInquiryReceipts(none) = %v", err)
		}
		if err := s.Inquiries.MarkInquiryReceipts(ctx, []int64{999_999}, mailed); err != nil {
			t.Fatalf("MarkInquiryReceipts(unknown) = %v", err)
		}
		if diff := cmp.Diff([]string{"2"}, pending()); diff != "" {
			t.Fatalf("pending receipts (-want +got):\n%s", diff)
		}
	})
}

func testVerifyNotice(t *testing.T, open OpenFunc) {
	ctx := Context()
	b := setupCampaigns(t, open)
	if err := b.s.Organizations.SetOrganization(ctx, &breachdesk.Organization{Name: "Marketplace SAS", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	emails := b.start(t, &breachdesk.Campaign{})
	letters := b.start(t, &breachdesk.Campaign{Channel: breachdesk.ChannelLetter})
	code := func(n *breachdesk.Notice) string { return breachdesk.FormatNoticeCode(uint64(1000 + n.ID)) }
	recipient := func(id string) string { return "m***@" + id + ".example" }

	// Every notice is handed over, then: E-FR-1 sent; E-FR-2 queued for a
	// retry; E-US-1 sent and bounced; E-US-2 left in flight; L-FR-1 failed;
	// L-US-1 sent.
	sentAt := b.clock.T
	final := map[string]breachdesk.NoticeState{
		"E-FR-1": breachdesk.NoticeSent, "E-FR-2": breachdesk.NoticeQueued, "E-US-1": breachdesk.NoticeBounced,
		"L-FR-1": breachdesk.NoticeFailed, "L-US-1": breachdesk.NoticeSent,
	}
	notices := map[string]*breachdesk.Notice{}
	for _, c := range []*breachdesk.Campaign{emails, letters} {
		claimed := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w1", CampaignID: &c.ID, Limit: 10})
		var outcomes []breachdesk.NoticeOutcome
		for _, cn := range claimed {
			n := cn.Notice
			notices[n.ExternalID] = n
			outcomes = append(outcomes, breachdesk.NoticeOutcome{NoticeID: n.ID, State: breachdesk.NoticeInFlight,
				Code: code(n), MessageID: fmt.Sprintf("<%d@breachdesk.test>", n.ID), Recipient: recipient(n.ExternalID)})
			switch final[n.ExternalID] {
			case breachdesk.NoticeSent:
				outcomes = append(outcomes, breachdesk.NoticeOutcome{NoticeID: n.ID, State: breachdesk.NoticeSent, At: sentAt})
			case breachdesk.NoticeQueued:
				outcomes = append(outcomes, breachdesk.NoticeOutcome{NoticeID: n.ID, State: breachdesk.NoticeQueued, Error: "421 try later"})
			case breachdesk.NoticeFailed:
				outcomes = append(outcomes, breachdesk.NoticeOutcome{NoticeID: n.ID, State: breachdesk.NoticeFailed, Error: "no such street"})
			case breachdesk.NoticeBounced:
				outcomes = append(outcomes, breachdesk.NoticeOutcome{NoticeID: n.ID, State: breachdesk.NoticeSent, At: sentAt},
					breachdesk.NoticeOutcome{NoticeID: n.ID, State: breachdesk.NoticeBounced, At: sentAt.Add(time.Hour), Error: "550 unknown"})
			}
		}
		if ignored := b.record(t, "w1", outcomes...); ignored != 0 {
			t.Fatalf("%d outcomes ignored, want 0", ignored)
		}
	}
	if len(notices) != 6 {
		t.Fatalf("claimed %d notices, want 6", len(notices))
	}
	verify := func(id string) (*breachdesk.Verification, error) {
		t.Helper()
		n := notices[id]
		return b.s.Verifications.VerifyNotice(ctx, breachdesk.VerifyRequest{Code: code(n), NoticeID: n.ID, Language: n.Language})
	}
	want := func(id, title, slug string) *breachdesk.Verification {
		n := notices[id]
		v := &breachdesk.Verification{Code: code(n), Organization: "Marketplace SAS", IncidentTitle: title, IncidentSlug: slug,
			Channel: breachdesk.ChannelEmail, Recipient: recipient(id), State: breachdesk.NoticeSent, SentAt: &sentAt}
		if id[0] == 'L' {
			v.Channel = breachdesk.ChannelLetter
		}
		return v
	}

	t.Run("OKRecipientRecorded", func(t *testing.T) {
		got := b.notices(t, emails.ID)
		for id, n := range got {
			if n.Recipient != recipient(id) || n.Code != code(n) {
				t.Errorf("notice of %s: recipient %q, code %q; want %q, %q", id, n.Recipient, n.Code, recipient(id), code(n))
			}
		}
	})

	t.Run("OKSentWithoutPage", func(t *testing.T) {
		for _, id := range []string{"E-FR-1", "L-US-1"} {
			got, err := verify(id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want(id, b.inc.Title, ""), got); diff != "" {
				t.Fatalf("VerifyNotice(%s) mismatch (-want +got):\n%s", id, diff)
			}
		}
	})

	t.Run("OKInFlight", func(t *testing.T) {
		got, err := verify("E-US-2")
		if err != nil {
			t.Fatal(err)
		}
		w := want("E-US-2", b.inc.Title, "")
		w.State, w.SentAt = breachdesk.NoticeInFlight, nil
		if diff := cmp.Diff(w, got); diff != "" {
			t.Fatalf("VerifyNotice(in flight) mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OKBounced", func(t *testing.T) {
		got, err := verify("E-US-1")
		if err != nil {
			t.Fatal(err)
		}
		w := want("E-US-1", b.inc.Title, "")
		w.State = breachdesk.NoticeBounced
		if diff := cmp.Diff(w, got); diff != "" {
			t.Fatalf("VerifyNotice(bounced) mismatch (-want +got):\n%s", diff)
		}
	})

	// The notice id is a hint: without it, or with a wrong one, the code
	// alone finds its notice.
	for _, tt := range []struct {
		name string
		hint int64
	}{{"OKWithoutHint", 0}, {"OKHintOfAnotherNotice", notices["E-US-1"].ID}, {"OKHintOfNoNotice", 999_999}} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := b.s.Verifications.VerifyNotice(ctx, breachdesk.VerifyRequest{Code: code(notices["E-FR-1"]), NoticeID: tt.hint})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want("E-FR-1", b.inc.Title, ""), got); diff != "" {
				t.Fatalf("VerifyNotice(hint %d) mismatch (-want +got):\n%s", tt.hint, diff)
			}
		})
	}

	for _, tt := range []struct {
		name, code string
		hint       int64
	}{
		{"ErrQueuedAgain", code(notices["E-FR-2"]), notices["E-FR-2"].ID},
		{"ErrFailed", code(notices["L-FR-1"]), notices["L-FR-1"].ID},
		{"ErrUnknownCode", breachdesk.FormatNoticeCode(0xdeadbeef), 0},
		{"ErrUnknownCodeHintingAGenuineNotice", breachdesk.FormatNoticeCode(0xdeadbeef), notices["E-FR-1"].ID},
		{"ErrEmptyCode", "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.s.Verifications.VerifyNotice(ctx, breachdesk.VerifyRequest{Code: tt.code, NoticeID: tt.hint})
			if code := breachdesk.ErrorCode(err); code != breachdesk.ENotFound {
				t.Fatalf("VerifyNotice(%q) code = %q (%v), want not_found", tt.code, code, err)
			}
		})
	}

	t.Run("OKInquiryLinkedByCode", func(t *testing.T) {
		// The code a person types links their inquiry to their notice and
		// its incident, over the page they wrote from; a code no notice
		// handed over carries links nothing, and the inquiry is kept.
		other := &breachdesk.Incident{Title: "Laptop lost"}
		if err := b.s.Incidents.CreateIncident(ctx, other); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			code             string
			page             *int64
			notice, incident *int64
		}{
			{code(notices["E-FR-1"]), &other.ID, &notices["E-FR-1"].ID, &b.inc.ID},
			{code(notices["E-US-2"]), nil, &notices["E-US-2"].ID, &b.inc.ID},
			{code(notices["L-FR-1"]), &other.ID, nil, &other.ID},
			{breachdesk.FormatNoticeCode(0xdeadbeef), nil, nil, nil},
			{"", &other.ID, nil, &other.ID},
		}
		var batch []*breachdesk.SealedInquiry
		for i, c := range cases {
			q := sealedInquiry(fmt.Sprint("code-", i), breachdesk.InquiryClaim, c.page, "code")
			q.Code = c.code
			batch = append(batch, q)
		}
		if err := b.s.Inquiries.CreateInquiries(ctx, batch); err != nil {
			t.Fatal(err)
		}
		for i, c := range cases {
			stored, err := b.s.Inquiries.FindInquiryByReference(ctx, batch[i].Reference)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []*breachdesk.SealedInquiry{batch[i], stored} {
				if !cmp.Equal(q.NoticeID, c.notice) || !cmp.Equal(q.IncidentID, c.incident) || q.Code != c.code {
					t.Errorf("inquiry with code %q from incident %v: notice %v, incident %v; want %v, %v",
						c.code, c.page, q.NoticeID, q.IncidentID, c.notice, c.incident)
				}
			}
		}
	})

	t.Run("OKRecipientKeptOnRetry", func(t *testing.T) {
		claimed := b.claim(t, breachdesk.ClaimRequest{WorkerID: "w2", CampaignID: &emails.ID, Limit: 10})
		if len(claimed) != 1 || claimed[0].Notice.ExternalID != "E-FR-2" || claimed[0].Notice.Recipient != recipient("E-FR-2") {
			t.Fatalf("claimed again = %d notices, want E-FR-2 with its recipient", len(claimed))
		}
		n := claimed[0].Notice
		b.record(t, "w2", breachdesk.NoticeOutcome{NoticeID: n.ID, State: breachdesk.NoticeInFlight,
			Code: "BD-OTHE-RCOD-E000", Recipient: "x***@other.example"})
		got, err := verify("E-FR-2")
		if err != nil {
			t.Fatal(err)
		}
		if got.Recipient != recipient("E-FR-2") || got.State != breachdesk.NoticeInFlight {
			t.Fatalf("VerifyNotice(retried) = %+v, want in flight to the first recipient", got)
		}
	})

	t.Run("OKDraftPageIgnored", func(t *testing.T) {
		p := page(b.inc.ID, "customer-data")
		p.Published = false
		if err := b.s.IncidentPages.SetIncidentPage(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := verify("E-FR-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want("E-FR-1", b.inc.Title, ""), got); diff != "" {
			t.Fatalf("VerifyNotice() with a draft page mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("OKPublishedPageTitle", func(t *testing.T) {
		p := page(b.inc.ID, "customer-data")
		p.Content["de"] = &breachdesk.IncidentPageContent{Title: "Kundendatenbank gestohlen", Summary: "Ein Eindringling kopierte die Tabelle."}
		p.Languages = []string{"de", "en", "fr"}
		if err := b.s.IncidentPages.SetIncidentPage(ctx, p); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ id, title string }{
			{"E-FR-1", "Vol de la base clients"},    // fr: the language asked for
			{"E-US-1", "Customer database stolen"},  // en-US: its base language
			{"L-US-1", "Customer database stolen"},  // en-US, on a letter
			{"E-US-2", "Kundendatenbank gestohlen"}, // es-US: the page's first language
		} {
			got, err := verify(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if got.IncidentTitle != tt.title || got.IncidentSlug != "customer-data" {
				t.Errorf("VerifyNotice(%s, %s) title %q at %q, want %q at customer-data", tt.id, notices[tt.id].Language, got.IncidentTitle, got.IncidentSlug, tt.title)
			}
		}
	})
}
