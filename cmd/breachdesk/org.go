package main

import (
	"fmt"
	"strings"

	"github.com/breachdesk/breachdesk"
	"github.com/spf13/cobra"
)

func (m *Main) orgCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "org",
		Short: "Set or show the organization (the controller)",
	}
	cmd.AddCommand(m.orgSetCommand(), m.orgShowCommand())
	return cmd
}

// orgFlags maps each org set flag to the organization field it sets, so
// that an invalid value is reported by the flag the user typed.
func orgFlags(org *breachdesk.Organization) map[string]*string {
	return map[string]*string{
		"name": &org.Name, "country": &org.Country, "dpo-name": &org.DPOName,
		"dpo-email": &org.DPOEmail, "dpo-phone": &org.DPOPhone, "language": &org.Language,
	}
}

func (m *Main) orgSetCommand() *cobra.Command {
	var given breachdesk.Organization
	cmd := &cobra.Command{
		Use:   "set --name NAME --country CC [--dpo-name N] [--dpo-email E] [--dpo-phone P] [--language L] [--sectors S,...]",
		Short: "Set the organization; flags not given keep their current value",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := m.openStore(ctx)
			if err != nil {
				return err
			}
			org, err := s.Organizations.FindOrganization(ctx)
			if breachdesk.ErrorCode(err) == breachdesk.ENotFound {
				org = &breachdesk.Organization{}
			} else if err != nil {
				return err
			}
			dst, src := orgFlags(org), orgFlags(&given)
			for name, value := range src {
				if cmd.Flags().Changed(name) {
					*dst[name] = *value
				}
			}
			if cmd.Flags().Changed("sectors") {
				org.Sectors = given.Sectors
			}
			if err := s.Organizations.SetOrganization(ctx, org); err != nil {
				return flagError(err)
			}
			return m.printOrganization(org, false)
		},
	}
	f := cmd.Flags()
	f.StringVar(&given.Name, "name", "", "the controller's legal name (required the first time)")
	f.StringVar(&given.Country, "country", "", "ISO 3166-1 alpha-2 code of the main establishment, such as FR (required the first time)")
	f.StringVar(&given.DPOName, "dpo-name", "", "data protection officer or contact point")
	f.StringVar(&given.DPOEmail, "dpo-email", "", "the DPO's e-mail address")
	f.StringVar(&given.DPOPhone, "dpo-phone", "", "the DPO's phone number")
	f.StringVar(&given.Language, "language", "", "default language of notices, a BCP 47 tag such as en or fr (default en)")
	f.StringSliceVar(&given.Sectors, "sectors", nil, "sector regimes the organization falls under, comma-separated: "+strings.Join(breachdesk.Sectors(), ", ")+" (--sectors= for none)")
	return cmd
}

// flagError rewrites a field error ("dpo_email: ...") to name the flag
// ("--dpo-email: ...").
func flagError(err error) error {
	field := breachdesk.ErrorField(err)
	if field == "" {
		return err
	}
	msg := strings.TrimPrefix(breachdesk.ErrorMessage(err), field+": ")
	return &breachdesk.Error{Code: breachdesk.ErrorCode(err), Field: field,
		Message: "--" + strings.ReplaceAll(field, "_", "-") + ": " + msg}
}

func (m *Main) orgShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the organization",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			org, err := s.Organizations.FindOrganization(cmd.Context())
			if err != nil {
				return err
			}
			return m.printOrganization(org, asJSON)
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}

func (m *Main) printOrganization(org *breachdesk.Organization, asJSON bool) error {
	if asJSON {
		return m.printJSON(org)
	}
	fmt.Fprintf(m.Stdout, "Name:      %s\nCountry:   %s\nDPO:       %s\nDPO email: %s\nDPO phone: %s\nLanguage:  %s\nSectors:   %s\n",
		org.Name, org.Country, orUnknown(org.DPOName), orUnknown(org.DPOEmail), orUnknown(org.DPOPhone), org.Language,
		orUnknown(strings.Join(org.Sectors, ", ")))
	return nil
}
