package audit

import (
	"strings"
	"testing"
)

func TestPackageGrantChecks(t *testing.T) {
	stock := PackageGrants{NmapExists: true, NmapCaps: "cap_net_admin,cap_net_bind_service,cap_net_raw=eip", User: "ntopng",
		InJournal: true, JournalExists: true, Sudoers: true, SudoersRules: []string{"ntopng ALL= NOPASSWD: /usr/bin/ntopctl"}}
	revoked := PackageGrants{NmapExists: true, User: "ntopng", JournalExists: true}
	for _, tc := range []struct {
		name, id string
		g        PackageGrants
		status   string
		evidence string
	}{
		{"stock nmap", "package_nmap_capabilities", stock, Fail, "/usr/bin/nmap cap_net_admin,cap_net_bind_service,cap_net_raw=eip"},
		{"stock journal", "package_journal_access", stock, Fail, "ntopng is a member of systemd-journal"},
		{"stock sudo", "package_ntopctl_sudo", stock, Fail, "ntopng ALL= NOPASSWD: /usr/bin/ntopctl"},
		{"revoked nmap", "package_nmap_capabilities", revoked, Pass, "none"},
		{"revoked journal", "package_journal_access", revoked, Pass, "not a member"},
		{"revoked sudo", "package_ntopctl_sudo", revoked, Pass, "missing"},
		{"no nmap", "package_nmap_capabilities", PackageGrants{}, Pass, "missing"},
		{"no group", "package_journal_access", PackageGrants{User: "ntopng"}, Pass, "no systemd-journal"},
		{"unreadable nmap", "package_nmap_capabilities", PackageGrants{NmapExists: true, NmapNote: "no getcap"}, Fail, "no getcap"},
		{"comments only", "package_ntopctl_sudo", PackageGrants{Sudoers: true}, Pass, "comments only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got Finding
			for _, f := range Run(Facts{Grants: tc.g}) {
				if f.ID == tc.id {
					got = f
				}
			}
			if got.Status != tc.status || !strings.Contains(got.Evidence, tc.evidence) {
				t.Errorf("%s = %s (%q, evidence %q), want %s with evidence containing %q", tc.id, got.Status, got.Summary, got.Evidence, tc.status, tc.evidence)
			}
			if (got.Status == Fail) != (got.Remediation != "") || got.Status == Fail && !strings.Contains(got.Remediation, "revoke_package_grants") {
				t.Errorf("%s remediation %q", tc.id, got.Remediation)
			}
		})
	}
}
