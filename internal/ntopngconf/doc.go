// Package ntopngconf reads, edits and validates ntopng configuration files.
//
// The reader mirrors ntopng's own parser (Prefs::loadFromFile, Prefs::setOption,
// Prefs::parseHTTPPort, Utils::trim and the checks of Prefs::checkOptions and
// HTTPserver::HTTPserver) so that what it reports is what ntopng ends up using.
// It agrees with the conformance vectors kept in ../shared/conformance/.
//
// The editor renders managed options in exactly one form, "--name=value" (or
// "--name" for a flag), owns every occurrence of a managed option whatever form
// it was written in, and keeps every other line byte for byte.
//
// The validators refuse, at plan time, values that ntopng would misread.
//
// The package is pure: it does no I/O and imports neither Terraform nor SSH.
package ntopngconf
