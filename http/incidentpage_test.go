package http_test

import "testing"

func TestIncidentPage(t *testing.T) {
	t.Parallel()
	b := setupPublic(t)
	for _, tt := range []publicScenario{
		{name: "Found", url: "/en/incidents/" + pageSlug, status: 200,
			contains: []string{`<article lang="en">`, "<h1>Customer names exposed</h1>",
				`<p class="text">On 1 November some names were visible.</p>`,
				`<p class="text">No password was exposed &lt;script&gt;alert(1)&lt;/script&gt;.</p>`,
				"<h2 lang=\"en\">Questions and answers</h2>", "<details>\n<summary>Must I change my password?</summary>",
				`<p class="text">No.</p>`, `<p class="text">But you may.</p>`,
				"Last updated on 20 November 2026.", `href="/en/contact?incident=2026-customer-data"`},
			notContains: []string{"<script>", "not available in your language"},
			headers:     map[string]string{"Cache-Control": "public, max-age=60"}},
		{name: "FoundInFrench", url: "/fr/incidents/" + pageSlug, status: 200,
			contains:    []string{`<article lang="fr">`, "<h1>Noms de clients exposés</h1>", "Le 1er novembre, des noms étaient visibles.", "Dernière mise à jour le 20 novembre 2026."},
			notContains: []string{"Questions et réponses"}},
		{name: "FallsBackToFirstLanguage", url: "/de/incidents/" + pageSlug, status: 200,
			contains: []string{`<html lang="de">`, `<article lang="en">`, "<h1>Customer names exposed</h1>",
				`<p class="note" lang="de">Diese Seite ist noch nicht in Ihrer Sprache verfügbar`}},
		{name: "ErrDraft", url: "/en/incidents/" + draftSlug, status: 404,
			contains: []string{"Page not found"}, notContains: []string{"Draft", "Not yet."}},
		{name: "ErrUnknown", url: "/en/incidents/2026-nothing-here", status: 404, contains: []string{"Page not found"}},
		{name: "ErrBadSlug", url: "/en/incidents/BAD_slug", status: 404},
		{name: "ErrService", url: "/en/incidents/" + failingSlug, status: 503,
			contains: []string{"Temporarily unavailable"}, notContains: []string{"disk on fire", "/var/lib"}},
	} {
		t.Run(tt.name, func(t *testing.T) { b.run(t, tt) })
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.filters) != 6 {
		t.Errorf("FindIncidentPage called %d times, want 6 (never for a malformed address)", len(b.filters))
	}
	for _, f := range b.filters {
		if !f.PublishedOnly || f.Slug == nil || f.IncidentID != nil {
			t.Errorf("FindIncidentPage(%+v): want by slug, published only", f)
		}
	}
}
