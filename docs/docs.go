// Package docs holds documents that breachdesk both publishes and uses,
// such as the JSON Schema of incident files that editors and the command
// line validate against.
package docs

import _ "embed"

//go:embed incident.schema.json
var incidentSchema []byte

// IncidentSchema returns the JSON Schema of an incident file.
func IncidentSchema() []byte {
	return append([]byte(nil), incidentSchema...)
}
