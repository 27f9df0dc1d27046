package main

import (
	"fmt"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/spf13/cobra"
)

func (m *Main) incidentPageCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "page",
		Short: "Set or show an incident's public page: summary and questions per language",
		Long: `An incident's public page, /incidents/SLUG on the public listener, tells the
affected people what happened and answers their questions, in their language.
It is written in a YAML or JSON file:

  slug: 2026-customer-data
  published: true
  languages: [fr, en]        # the first is shown when the visitor's is missing
  content:
    fr:
      title: Vol de données clients
      summary: |
        Le 20 novembre 2026, ...
      faq:
        - question: Mon mot de passe est-il concerné ?
          answer: ...
    en: ...`,
	}
	cmd.AddCommand(m.incidentPageSetCommand(), m.incidentPageShowCommand())
	return cmd
}

func (m *Main) incidentPageSetCommand() *cobra.Command {
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "set INCIDENT -f FILE",
		Short: "Create or replace an incident's public page from a file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if file == "" {
				return usageErrorf("-f FILE is required (a JSON or YAML page file, or - for standard input)")
			}
			doc, err := m.readDocument(file)
			if err != nil {
				return err
			}
			if err := doc.Reject("incident_id", "updated_at"); err != nil {
				return err
			}
			var page breachdesk.IncidentPage
			if err := doc.Decode(&page); err != nil {
				return err
			}
			page.IncidentID = id
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			if err := s.IncidentPages.SetIncidentPage(cmd.Context(), &page); err != nil {
				return doc.Locate(err)
			}
			return m.printIncidentPage(&page, asJSON)
		},
	}
	fileFlag(cmd, &file)
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (m *Main) incidentPageShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show INCIDENT",
		Short: "Show an incident's public page",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			page, err := s.IncidentPages.FindIncidentPage(cmd.Context(), breachdesk.IncidentPageFilter{IncidentID: &id})
			if err != nil {
				return err
			}
			return m.printIncidentPage(page, asJSON)
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (m *Main) printIncidentPage(p *breachdesk.IncidentPage, asJSON bool) error {
	if asJSON {
		return m.printJSON(p)
	}
	state := "draft (not shown)"
	if p.Published {
		state = "published"
	}
	fmt.Fprintf(m.Stdout, "Page of incident %d: /incidents/%s, %s\n", p.IncidentID, p.Slug, state)
	for _, lang := range p.Languages {
		c := p.Content[lang]
		fmt.Fprintf(m.Stdout, "  %s: %s (%d questions)\n", lang, strings.TrimSpace(c.Title), len(c.FAQ))
	}
	return nil
}
