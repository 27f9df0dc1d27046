// Package breachdesk holds the domain of the breach-response platform: the
// organization that controls the data, its incidents, and the services that
// store and act on them.
//
// The root package imports only the standard library. Storage (sqlite,
// postgres), transport (http) and the command line (cmd/breachdesk) depend on
// it, never the other way round; they exchange only the types declared here.
package breachdesk
